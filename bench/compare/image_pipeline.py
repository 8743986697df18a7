#!/usr/bin/python3
"""The image case study the way the talk did it in Python: Pillow decode + area (BOX) resize,
numpy normalise, a 3x3 binomial blur, concurrent.futures.ProcessPoolExecutor.map over images,
and a numba @njit variant of the pixel stages. Twin of examples/image_pipeline.cpp.

usage: image_pipeline.py DIR [--size 224] [--workers N] [--mode seq|pool|pool+numba|all]
Prints a table and one `RESULT <mode> <images/s> <ok> <failed>` line per mode.
Run with Debian's /usr/bin/python3 (python3-pil python3-numpy python3-numba)."""
import argparse
import concurrent.futures as cf
import os
import sys
import time

import numpy as np
from PIL import Image

MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)


def decode_resize(path, size):
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB").resize((size, size), Image.BOX), dtype=np.float32)


def pixels_numpy(hwc):
    chw = ((hwc / np.float32(255.0) - MEAN) / STD).transpose(2, 0, 1)
    p = np.pad(chw, ((0, 0), (1, 1), (1, 1)), mode="edge")
    h, w = chw.shape[1:]
    s = lambda dy, dx: p[:, 1 + dy:1 + dy + h, 1 + dx:1 + dx + w]
    return (s(-1, -1) + 2 * s(-1, 0) + s(-1, 1) + 2 * s(0, -1) + 4 * s(0, 0) + 2 * s(0, 1)
            + s(1, -1) + 2 * s(1, 0) + s(1, 1)) / np.float32(16.0)


_numba_kernel = None


def pixels_numba(hwc):
    global _numba_kernel
    if _numba_kernel is None:
        from numba import njit

        @njit(cache=False, fastmath=False)
        def kernel(hwc, mean, std):
            h, w, _ = hwc.shape
            norm = np.empty((3, h, w), np.float32)
            for c in range(3):
                for y in range(h):
                    for x in range(w):
                        norm[c, y, x] = (hwc[y, x, c] / np.float32(255.0) - mean[c]) / std[c]
            out = np.empty_like(norm)
            for c in range(3):
                for y in range(h):
                    for x in range(w):
                        acc = np.float32(0.0)
                        for dy in range(-1, 2):
                            yy = min(max(y + dy, 0), h - 1)
                            for dx in range(-1, 2):
                                xx = min(max(x + dx, 0), w - 1)
                                wgt = np.float32((2 - abs(dx)) * (2 - abs(dy)))
                                acc += wgt * norm[c, yy, xx]
                        out[c, y, x] = acc / np.float32(16.0)
            return out

        _numba_kernel = kernel
    return _numba_kernel(hwc, MEAN, STD)


def process(args):
    path, size, use_numba = args
    try:
        hwc = decode_resize(path, size)
        out = pixels_numba(hwc) if use_numba else pixels_numpy(hwc)
        return True, float(out[0, 0, 0]), ""
    except Exception as e:  # corrupt, truncated, non-image, unreadable: skip and count
        return False, 0.0, f"{path}: {e}"


def run(mode, files, size, workers):
    use_numba = mode == "pool+numba"
    jobs = [(f, size, use_numba) for f in files]
    t0 = time.perf_counter()
    if mode == "seq":
        results = [process(j) for j in jobs]
    else:
        with cf.ProcessPoolExecutor(max_workers=workers) as ex:
            results = list(ex.map(process, jobs, chunksize=max(1, len(jobs) // (8 * workers))))
    wall = time.perf_counter() - t0
    ok = sum(1 for r in results if r[0])
    for r in results:
        if not r[0]:
            print("image_pipeline.py: skipped", r[2], file=sys.stderr)
    return wall, ok, len(results) - ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    ap.add_argument("--mode", default="all", choices=["seq", "pool", "pool+numba", "all"])
    a = ap.parse_args()
    if not os.path.isdir(a.dir):
        print(f"image_pipeline.py: no such directory: {a.dir}", file=sys.stderr)
        return 2
    files = sorted(os.path.join(a.dir, f) for f in os.listdir(a.dir)
                   if f.lower().endswith((".jpg", ".jpeg", ".png")))
    modes = ["seq", "pool", "pool+numba"] if a.mode == "all" else [a.mode]
    print(f"| mode | wall s | images/s | speed-up vs seq |\n|---|---|---|---|")
    seq = None
    failed = 0
    for m in modes:
        wall, ok, failed = run(m, files, a.size, a.workers)
        seq = wall if m == "seq" else seq
        sp = f"{seq / wall:.2f}x" if seq else "—"
        print(f"| python {m} | {wall:.2f} | {ok / wall:.1f} | {sp} |")
        print(f"RESULT python-{m} {ok / wall:.2f} {ok} {failed}")
    return min(failed, 63)


if __name__ == "__main__":
    sys.exit(main())
