"""The peer for `dotnet run -c Release --project tests/Backprop.Generated.Benchmarks -- peers`:
the same workload as TrainingBenchmarks (784-30-10, sigmoid, cross-entropy, SGD, mini-batch 10,
eta 0.5, Fashion-MNIST's 60,000 training images), written the way one writes it with NumPy: the
mini-batch as matrices, so each weight matrix is used once per mini-batch by OpenBLAS.
Run with OPENBLAS_NUM_THREADS=1 (the caller sets it): one core, as the C# side.
Prints one line per epoch: `epoch <k> <samples per second>`."""
import sys
import time

import numpy as np

from idx import read_images, read_labels


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def main(folder, epochs):
    x = read_images(f"{folder}/train-images-idx3-ubyte.gz")
    labels = read_labels(f"{folder}/train-labels-idx1-ubyte.gz")
    y = np.zeros((len(labels), 10), np.float32)
    y[np.arange(len(labels)), labels] = 1
    rng = np.random.default_rng(1)
    w1 = (rng.standard_normal((30, 784)) / np.sqrt(784)).astype(np.float32)
    b1 = rng.standard_normal(30).astype(np.float32)
    w2 = (rng.standard_normal((10, 30)) / np.sqrt(30)).astype(np.float32)
    b2 = rng.standard_normal(10).astype(np.float32)
    eta, m, n = np.float32(0.5), 10, len(x)
    for epoch in range(1, epochs + 1):
        order = rng.permutation(n)
        start = time.perf_counter()
        for k in range(0, n, m):
            batch = order[k:k + m]
            xb, yb = x[batch], y[batch]
            a1 = sigmoid(xb @ w1.T + b1)
            a2 = sigmoid(a1 @ w2.T + b2)
            d2 = a2 - yb                        # delta^L = a^L - y (cross-entropy)
            d1 = (d2 @ w2) * a1 * (1 - a1)      # delta^l = (w^T delta) * sigma'
            w2 -= eta / m * (d2.T @ a1)
            b2 -= eta / m * d2.sum(0)
            w1 -= eta / m * (d1.T @ xb)
            b1 -= eta / m * d1.sum(0)
        seconds = time.perf_counter() - start
        print(f"epoch {epoch} {n / seconds:.0f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3)
