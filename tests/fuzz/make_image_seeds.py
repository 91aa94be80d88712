#!/usr/bin/python3
"""Writes the image fuzz target's seed corpus (tests/fuzz/seeds/image/seed-*): tiny PNGs of
every colour type, bit depth and interlacing (written here with zlib), and JPEGs from
libjpeg-turbo's cjpeg (baseline grey/colour, 4:4:4 and 4:2:0, progressive, restart
markers), when cjpeg is installed (apt-get install libjpeg-turbo-progs; only this
script needs it). Run once; the seeds are committed."""
import os, shutil, struct, subprocess, sys, zlib

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "seeds", "image")
os.makedirs(out, exist_ok=True)

def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))

def png(name, w, h, ctype, depth, interlace=0, plte=None, trns=None):
    chans = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[ctype]
    bpp = chans * depth  # bits per pixel
    def rows(pw, ph, seed):
        raw = b""
        for y in range(ph):
            nbytes = (pw * bpp + 7) // 8
            line = bytes(((x * 37 + y * 101 + seed) * 13) & 0xFF for x in range(nbytes))
            raw += bytes([(y % 5)]) + line  # every filter type 0..4
        return raw
    if interlace:
        raw = b""
        passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
        for i, (x0, y0, dx, dy) in enumerate(passes):
            pw, ph = (w - x0 + dx - 1) // dx, (h - y0 + dy - 1) // dy
            if pw > 0 and ph > 0:
                raw += rows(pw, ph, i)
    else:
        raw = rows(w, h, 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, interlace))
    if plte:
        data += chunk(b"PLTE", plte)
    if trns:
        data += chunk(b"tRNS", trns)
    z = zlib.compress(raw, 9)
    data += chunk(b"IDAT", z[: len(z) // 2]) + chunk(b"IDAT", z[len(z) // 2 :]) + chunk(b"IEND", b"")
    open(os.path.join(out, "seed-" + name + ".png"), "wb").write(data)

png("grey8", 5, 6, 0, 8)
png("grey1", 9, 3, 0, 1)
png("grey4", 7, 2, 0, 4)
png("grey16", 4, 4, 0, 16)
png("rgb8", 5, 6, 2, 8)
png("rgb16", 3, 3, 2, 16)
png("palette8", 5, 4, 3, 8, plte=bytes(range(256)) * 3, trns=bytes([0, 128, 255]))
png("palette2", 6, 3, 3, 2, plte=bytes(12))
png("greyalpha8", 4, 5, 4, 8)
png("rgba8", 5, 6, 6, 8)
png("rgba16", 2, 3, 6, 16)
png("rgb8-interlaced", 11, 9, 2, 8, interlace=1)
png("grey1-interlaced", 10, 10, 0, 1, interlace=1)
png("grey8-trns", 4, 4, 0, 8, trns=b"\x00\x10")

cjpeg = shutil.which("cjpeg")
if not cjpeg:
    sys.exit("make_image_seeds: PNG seeds written; no cjpeg for the JPEG seeds (apt-get install libjpeg-turbo-progs)")
def ppm(w, h, colour):
    head = ("P6" if colour else "P5") + "\n%d %d\n255\n" % (w, h)
    n = w * h * (3 if colour else 1)
    return head.encode() + bytes(((i * 29) ^ (i >> 3)) & 0xFF for i in range(n))
jpegs = [("grey", False, 8, 8, []), ("rgb", True, 7, 5, []), ("rgb-444", True, 13, 11, ["-sample", "1x1"]),
         ("rgb-420", True, 17, 9, ["-sample", "2x2"]), ("progressive", True, 19, 17, ["-progressive"]),
         ("grey-progressive", False, 10, 10, ["-progressive"]), ("restart", True, 33, 9, ["-restart", "1B"]),
         ("optimize", True, 9, 9, ["-optimize", "-quality", "30"])]
for name, colour, w, h, opts in jpegs:
    jpg = subprocess.run([cjpeg, "-quality", "75", *opts], input=ppm(w, h, colour), capture_output=True, check=True).stdout
    open(os.path.join(out, "seed-" + name + ".jpg"), "wb").write(jpg)
print("make_image_seeds: %d files in %s" % (len(os.listdir(out)), out))
