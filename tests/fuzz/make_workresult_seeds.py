#!/usr/bin/python3
"""Writes the workresult fuzz target's seeds (tests/fuzz/seeds/workresult/seed-*.h5):
small RESULT.h5 files as src/cnn/OUTPUT.md describes (fixed-length string and scalar
numeric attributes, /curves/<metric> float64), in the oldest and the newest HDF5 file
format, plus one with short curves and none at all. Run once; the seeds are committed."""
import os, sys
import h5py, numpy as np

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "seeds", "workresult")
os.makedirs(out, exist_ok=True)
curves = ["train_loss", "train_acc", "val_loss", "val_acc", "lr", "elapsed_s"]

def write(name, libver, steps, with_curves=True):
    with h5py.File(os.path.join(out, "seed-" + name + ".h5"), "w", libver=libver) as f:
        f.attrs["format"] = np.bytes_("platbench-cnn-result")
        f.attrs["format_version"] = np.int32(1)
        for k in ["final_rate", "final_error", "train_acc", "val_acc", "test_acc", "training_time_s",
                  "load_time_s", "train_compute_s", "eval_time_s", "total_time_s"]:
            f.attrs[k] = np.float64(0.5)
        f.attrs["iterations"] = np.int32(steps)
        f.attrs["cpus_seen"] = np.int32(2)
        if with_curves:
            g = f.create_group("curves")
            for i, c in enumerate(curves):
                g.create_dataset(c, data=np.arange(steps, dtype=np.float64) * (i + 1))

write("earliest", "earliest", 4)
write("latest", "latest", 3)
write("long", "earliest", 12)
write("nocurves", "earliest", 2, with_curves=False)
print("make_workresult_seeds: %d files in %s" % (len(os.listdir(out)), out))
