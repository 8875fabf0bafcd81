#!/usr/bin/env python3
"""cnn_torch.py [--images N] [--epochs N] [--threads N]... [--data DIR]

The reference for bench_training: the image CNN plugin's default network written in PyTorch,
trained on the same Fashion-MNIST images with the same batch size, optimiser, warm-up and timed
epochs, and a training loop that does per batch what Millrace's ml::train() does (gather the
batch, zero the gradients, forward, cross-entropy, read the loss, backward, step, count the
correct predictions). Prints the median images/s of the timed epochs as BENCH lines.

Runs on Debian's python3-torch, which is built on the same libtorch 1.13 as Millrace.
"""
import argparse
import gzip
import math
import os
import statistics
import struct
import time

import torch
import torch.nn.functional as F
from torch import nn

WARM_UP_IMAGES = 1024
SEED = 1


def read_idx(path):
    """An IDX file of unsigned bytes (gzip-compressed) as a uint8 tensor of its dimensions."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    zero, element_type, dimension_count = struct.unpack_from(">HBB", raw, 0)
    if zero != 0 or element_type != 0x08:
        raise ValueError(f"{path}: not an IDX file of unsigned bytes")
    dimensions = struct.unpack_from(">" + "I" * dimension_count, raw, 4)
    data = bytearray(raw[4 + 4 * dimension_count:])
    if len(data) != math.prod(dimensions):
        raise ValueError(f"{path}: the data does not fill the declared dimensions")
    return torch.frombuffer(data, dtype=torch.uint8).reshape(dimensions)


def read_fashion_mnist(directory, count):
    """The first `count` training images, scaled to [0, 1] as float32, and their labels."""
    images = read_idx(os.path.join(directory, "train-images-idx3-ubyte.gz"))[:count]
    labels = read_idx(os.path.join(directory, "train-labels-idx1-ubyte.gz"))[:count]
    return images.to(torch.float32) / 255.0, labels.to(torch.int64)


class CnnNetwork(nn.Module):
    """plugins/imagecnn's network with its defaults: conv_layers 2, base_width 32, batch_norm,
    dropout 0.25, hidden_units 128; 28x28 single-channel images, 10 classes."""

    def __init__(self, channels=1, height=28, width=28, outputs=10, layers=2, base_width=32,
                 dropout=0.25, hidden=128):
        super().__init__()
        blocks = []
        in_channels = channels
        for layer in range(layers):
            out_channels = base_width << layer
            blocks += [
                nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False),
                nn.BatchNorm2d(out_channels),
                nn.ReLU(),
                nn.MaxPool2d(2),
            ]
            height //= 2
            width //= 2
            in_channels = out_channels
        self.features = nn.Sequential(*blocks)
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Dropout(dropout),
            nn.Linear(in_channels * height * width, hidden), nn.ReLU(),
            nn.Dropout(dropout), nn.Linear(hidden, outputs))

    def forward(self, inputs):
        if inputs.dim() == 3:
            inputs = inputs.unsqueeze(1)
        return self.classifier(self.features(inputs))


def train(network, features, labels, epochs, batch_size, generator):
    """ml::train()'s loop on the CPU; returns each epoch's images/s."""
    device = torch.device("cpu")
    network.to(device)
    network.train()
    optimizer = torch.optim.Adam(network.parameters(), lr=1e-3)
    count = features.shape[0]
    rates = []
    for epoch in range(epochs):
        started = time.perf_counter()
        order = torch.randperm(count, generator=generator)
        loss_sum = 0.0
        correct = 0
        samples = 0
        for first in range(0, count, batch_size):
            indices = order[first:first + batch_size]
            inputs = features.index_select(0, indices).to(device)
            targets = labels.index_select(0, indices).to(device)

            optimizer.zero_grad()
            outputs = network(inputs)
            loss = F.cross_entropy(outputs, targets)
            loss_value = loss.item()
            if not math.isfinite(loss_value):
                raise RuntimeError(f"the loss became {loss_value} at epoch {epoch + 1}")
            loss.backward()
            optimizer.step()

            batch = indices.shape[0]
            loss_sum += loss_value * batch
            samples += batch
            correct += outputs.argmax(1).eq(targets).sum().item()
        rates.append(samples / max(1e-9, time.perf_counter() - started))
    return rates


def images_per_second(features, labels, images, threads, epochs):
    """Median images/s of `epochs` timed epochs on the first `images` samples, after a warm-up
    epoch on the first WARM_UP_IMAGES."""
    torch.set_num_threads(threads)
    torch.manual_seed(SEED)
    network = CnnNetwork()
    generator = torch.Generator().manual_seed(SEED)
    # The warm-up epoch runs on the same model, with its own optimiser, as two ml::train()
    # calls do.
    train(network, features[:WARM_UP_IMAGES], labels[:WARM_UP_IMAGES], 1, 64, generator)
    torch.manual_seed(SEED)
    return statistics.median(
        train(network, features[:images], labels[:images], epochs, 64, generator))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=12000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--threads", type=int, action="append")
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    args = parser.parse_args()

    # Millrace runs no inter-op work; one such thread keeps the two processes alike. It can only
    # be set before the pool starts, hence the guard.
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    features, labels = read_fashion_mnist(args.data, max(args.images, WARM_UP_IMAGES))
    for threads in args.threads or [1, 2]:
        rate = images_per_second(features, labels, args.images, threads, args.epochs)
        suffix = "thread" if threads == 1 else "threads"
        print(f"BENCH training_cnn_fashion_mnist_pytorch_{threads}_{suffix} {rate:.1f} images/s",
              flush=True)


if __name__ == "__main__":
    main()
