#!/usr/bin/env python3
"""make_request.py OUT [--index N] [--dir DIR]

Writes the body of one scoring request, MLflow's tensor input for one Fashion-MNIST test image:
{"inputs": [[[28 floats] x 28]]}, each pixel divided by 255 as Millrace's datasets hold it (and
as the exported model's metadata asks). Standard library only. Prints the image's label.
"""
import argparse
import gzip
import json
import struct

CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--index", type=int, default=0)
    parser.add_argument("--dir", default="/usr/share/datasets/fashion-mnist")
    args = parser.parse_args()
    with gzip.open(f"{args.dir}/t10k-images-idx3-ubyte.gz", "rb") as f:
        magic, count, rows, cols = struct.unpack(">IIII", f.read(16))
        if magic != 0x803 or not 0 <= args.index < count:
            raise SystemExit(f"make_request.py: bad image file or index {args.index}")
        f.seek(16 + args.index * rows * cols)
        pixels = f.read(rows * cols)
    with gzip.open(f"{args.dir}/t10k-labels-idx1-ubyte.gz", "rb") as f:
        f.seek(8 + args.index)
        label = f.read(1)[0]
    image = [[pixels[r * cols + c] / 255 for c in range(cols)] for r in range(rows)]
    with open(args.out, "w") as f:
        json.dump({"inputs": [image]}, f, separators=(",", ":"))
    print(f"test image {args.index}: {CLASSES[label]}")


if __name__ == "__main__":
    main()
