"""The PyTorch peer for `dotnet run -c Release --project tests/Backprop.Generated.Benchmarks -- peers adam`:
784-100-10 (nn.Linear, ReLU, nn.Linear; CrossEntropyLoss, the mean over the mini-batch, i.e. softmax
+ log-likelihood), torch.optim.Adam(lr=1e-3), CosineAnnealingLR(T_max=epochs) stepped once per epoch
(or a constant rate with --constant), mini-batch 10, Fashion-MNIST's 60,000 training images shuffled
every epoch, test accuracy on the 10,000 test images after every epoch.

Shuffling: a torch.randperm per epoch, and each mini-batch taken by indexing the pre-made training
tensors with a slice of it (faster than a DataLoader, which collates 10 samples per step in Python).

One core, as the C# side: torch.set_num_threads(1); the caller also sets OMP_NUM_THREADS=1,
OPENBLAS_NUM_THREADS=1 and OPENBLAS_CORETYPE=SKYLAKEX.

Usage: torch_adam.py <data folder> [epochs=15] [seed=1] [--constant]
Prints one line per epoch: `epoch <k> <training seconds> <test accuracy> <learning rate used>`;
the training seconds cover the training loop only (shuffle, forward, backward, step), not the evaluation."""
import sys
import time

import numpy as np
import torch
from torch import nn

from idx import read_images, read_labels


def main(argv):
    constant = "--constant" in argv
    args = [a for a in argv if a != "--constant"]
    folder = args[0]
    epochs = int(args[1]) if len(args) > 1 else 15
    seed = int(args[2]) if len(args) > 2 else 1

    torch.set_num_threads(1)
    torch.manual_seed(seed)
    x = torch.from_numpy(read_images(f"{folder}/train-images-idx3-ubyte.gz"))
    y = torch.from_numpy(read_labels(f"{folder}/train-labels-idx1-ubyte.gz").astype(np.int64))
    x_test = torch.from_numpy(read_images(f"{folder}/t10k-images-idx3-ubyte.gz"))
    y_test = torch.from_numpy(read_labels(f"{folder}/t10k-labels-idx1-ubyte.gz").astype(np.int64))

    model = nn.Sequential(nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 10))
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    scheduler = None if constant else torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    m, n = 10, len(x)

    for epoch in range(1, epochs + 1):
        rate = optimizer.param_groups[0]["lr"]
        model.train()
        start = time.perf_counter()
        order = torch.randperm(n)
        for k in range(0, n, m):
            batch = order[k:k + m]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(x[batch]), y[batch])
            loss.backward()
            optimizer.step()
        seconds = time.perf_counter() - start
        if scheduler is not None:
            scheduler.step()
        model.eval()
        with torch.no_grad():
            accuracy = (model(x_test).argmax(1) == y_test).float().mean().item()
        print(f"epoch {epoch} {seconds:.3f} {accuracy:.4f} {rate:.6g}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
