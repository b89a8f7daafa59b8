"""Trains a 784-64-10 ReLU/softmax MLP on the vendored Fashion-MNIST with PyTorch and exports it to ONNX.

    OPENBLAS_CORETYPE=SKYLAKEX /usr/bin/python3 samples/FromPyTorch/train.py [--data DIR] [--epochs N] [-o FILE]

The first step of the way PyTorch -> ONNX -> Backprop.Generated -> NativeAOT: writes fashion-mlp.onnx beside this
script (input "input" [batch, 784] float32 pixels in [0, 1], output "output" [batch, 10] class probabilities) and
prints PyTorch's test accuracy. Seeded and single-threaded, so a run repeats bit for bit on one machine.
Needs torch and onnx (Debian: apt-get install python3-torch python3-onnx); stands alone otherwise.
"""
import argparse
import gzip
import os
import time

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))


def open_idx(folder, name):
    """The IDX file `name` in `folder`, raw if present, else gzip-compressed (as Backprop's IdxReader looks)."""
    raw = os.path.join(folder, name)
    return open(raw, "rb") if os.path.exists(raw) else gzip.open(raw + ".gz", "rb")


def read_images(folder, name):
    """An IDX3 file's images as float32 rows of byte / 255 (correctly rounded, as IdxReader computes): count x 784."""
    with open_idx(folder, name) as f:
        data = f.read()
    if int.from_bytes(data[0:4], "big") != 0x803:
        raise ValueError(f"{name} is not an IDX3 image file")
    count, rows, cols = (int.from_bytes(data[i:i + 4], "big") for i in (4, 8, 12))
    pixels = np.frombuffer(data, np.uint8, count * rows * cols, 16).reshape(count, rows * cols)
    return pixels.astype(np.float32) / np.float32(255)


def read_labels(folder, name):
    """An IDX1 file's labels as int64."""
    with open_idx(folder, name) as f:
        data = f.read()
    if int.from_bytes(data[0:4], "big") != 0x801:
        raise ValueError(f"{name} is not an IDX1 label file")
    count = int.from_bytes(data[4:8], "big")
    return np.frombuffer(data, np.uint8, count, 8).astype(np.int64)


def find_data():
    """data/fashion-mnist in the nearest folder above this script that has it."""
    folder = HERE
    while True:
        candidate = os.path.join(folder, "data", "fashion-mnist")
        if os.path.isdir(candidate):
            return candidate
        parent = os.path.dirname(folder)
        if parent == folder:
            raise SystemExit("No data/fashion-mnist found above this script; pass --data DIR.")
        folder = parent


def correct(model, images, labels):
    """How many of the images the model classifies correctly (the first largest output is its class)."""
    with torch.no_grad():
        return int((model(images).argmax(dim=1) == labels).sum())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", help="folder with the four Fashion-MNIST IDX files (default: data/fashion-mnist above this script)")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-o", "--output", default=os.path.join(HERE, "fashion-mlp.onnx"))
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    torch.set_num_threads(1)
    data = args.data or find_data()
    train_x = torch.from_numpy(read_images(data, "train-images-idx3-ubyte"))
    train_y = torch.from_numpy(read_labels(data, "train-labels-idx1-ubyte"))
    test_x = torch.from_numpy(read_images(data, "t10k-images-idx3-ubyte"))
    test_y = torch.from_numpy(read_labels(data, "t10k-labels-idx1-ubyte"))

    # Trained on the logits (CrossEntropyLoss is log-softmax + negative log-likelihood, the same cost as
    # Backprop's softmax + LogLikelihood); the softmax is appended for the export.
    model = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_function = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(args.seed)
    batch_size = 32
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        model.train()
        order = torch.randperm(len(train_x), generator=generator)
        for first in range(0, len(order), batch_size):
            rows = order[first:first + batch_size]
            optimizer.zero_grad()
            loss = loss_function(model(train_x[rows]), train_y[rows])
            loss.backward()
            optimizer.step()
        model.eval()
        print(f"epoch {epoch}: {time.perf_counter() - start:.1f} s, test accuracy {correct(model, test_x, test_y) / len(test_y):.4f}")

    exported = nn.Sequential(model, nn.Softmax(dim=1)).eval()
    test_correct = correct(exported, test_x, test_y)
    torch.onnx.export(
        exported,
        test_x[:1],
        args.output,
        input_names=["input"],
        output_names=["output"],
        dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
        opset_version=13,
        do_constant_folding=True,
    )
    import onnx  # only for the check

    onnx.checker.check_model(onnx.load(args.output))
    print(f"exported {os.path.relpath(args.output)} ({os.path.getsize(args.output):,} bytes)")
    print(f"PyTorch test accuracy: {test_correct / len(test_y):.4f} ({test_correct}/{len(test_y)})")


if __name__ == "__main__":
    main()
