#!/usr/bin/python3
"""Writes fixture.bin: reference tensors of fixture.cfg's network computed by PyTorch.

Run once (Debian: apt-get install python3-torch) with /usr/bin/python3 make_fixture.py
[OUT]; test_model_fixture reads the file, CI never needs torch.

Format (little-endian), version 1:
  char magic[8] = "PBCNNFX1"; int32 version = 1;
  int32 N, C, H, W, K (classes), P (parameters);
  float32 input[N*C*H*W] (raw 0..255 integers); int32 labels[N];
  float32 params[P]   per layer in order: weight then bias (conv (K,C,3,3), dense (O,I));
  float32 logits[N*K]; float32 loss (mean softmax cross-entropy);
  float32 grads[P]    d(loss)/d(params), same order;
  float32 adam[P]     params after one torch.optim.Adam step (lr 1e-3, betas (0.9, 0.999),
                      eps 1e-8) with those gradients.
"""
import struct
import sys

import torch
import torch.nn as nn

torch.manual_seed(1234)
N, C, H, W, K = 3, 2, 8, 6, 3
net = nn.Sequential(
    nn.Conv2d(2, 3, 3, padding=1), nn.ReLU(),
    nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(),
    nn.MaxPool2d(2, 2),                       # 8x6 -> 4x3
    nn.Conv2d(4, 5, 3, padding=1), nn.ReLU(),
    nn.MaxPool2d(2, 2),                       # 4x3 -> 2x1 (floor)
    nn.Flatten(),                             # (c, h, w) order: 5*2*1 = 10
    nn.Linear(10, 6), nn.ReLU(),
    nn.Linear(6, 3),
)
params = [p for p in net.parameters()]        # weight, bias per layer, in order
with torch.no_grad():
    for p in params:                          # small weights: raw 0..255 input, as the study
        p.copy_(torch.randn_like(p) * 0.2)
x = torch.randint(0, 256, (N, C, H, W)).float()
y = torch.tensor([2, 0, 1])

logits = net(x)
loss = nn.functional.cross_entropy(logits, y)
loss.backward()
grads = [p.grad.detach().clone() for p in params]
before = torch.cat([p.detach().flatten() for p in params]).clone()
opt = torch.optim.Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
opt.step()
after = torch.cat([p.detach().flatten() for p in params])

flat = lambda ts: torch.cat([t.flatten() for t in ts]).float().numpy()
out = sys.argv[1] if len(sys.argv) > 1 else "fixture.bin"
with open(out, "wb") as f:
    f.write(b"PBCNNFX1")
    f.write(struct.pack("<7i", 1, N, C, H, W, K, before.numel()))
    f.write(x.numpy().astype("<f4").tobytes())
    f.write(y.numpy().astype("<i4").tobytes())
    f.write(before.numpy().astype("<f4").tobytes())
    f.write(logits.detach().numpy().astype("<f4").tobytes())
    f.write(struct.pack("<f", loss.item()))
    f.write(flat(grads).astype("<f4").tobytes())
    f.write(after.numpy().astype("<f4").tobytes())
print(logits.detach().numpy()); print(f"{out}: N={N} C={C} H={H} W={W} K={K} P={before.numel()} loss={loss.item():.6f}")
