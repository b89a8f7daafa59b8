"""The PyTorch peer for `dotnet run -c Release --project tests/Backprop.Generated.Benchmarks -- peers cnn`, and the
PyTorch side of LeNet-5's accuracy on Fashion-MNIST.

The network is samples/Mnist's `--network lenet5`: Conv2d(1, 6, 5, padding=2), ReLU, MaxPool2d(2), Conv2d(6, 16, 5),
ReLU, MaxPool2d(2), Flatten, Linear(400, 120), ReLU, Linear(120, 84), ReLU, Linear(84, 10); CrossEntropyLoss, the
mean over the mini-batch (softmax + log-likelihood); PyTorch's own initialisation. Trained with
torch.optim.Adam(lr=eta), at a constant rate or with CosineAnnealingLR(T_max=epochs) stepped once per epoch, on the
training images shuffled every epoch (a torch.randperm, each mini-batch taken by indexing the pre-made tensors).

One core, as the C# side: torch.set_num_threads(1); the caller also sets OMP_NUM_THREADS=1, OPENBLAS_NUM_THREADS=1 and
OPENBLAS_CORETYPE=SKYLAKEX.

Usage: torch_lenet5.py <data folder> [--optimizer adam] [--eta 0.001] [--schedule constant|cosine] [--epochs 15]
                       [--batch 10] [--seed 1] [--train-limit N] [--no-test]
The full recipe, to compare with `samples/Mnist --network lenet5 --optimizer adam --schedule cosine --epochs 15`:
    torch_lenet5.py data/fashion-mnist --optimizer adam --eta 0.001 --schedule cosine --epochs 15 --seed 1

Prints one line per epoch, `epoch <k> <training seconds> <training samples> <test accuracy, or - with --no-test>
<learning rate used>`, where the seconds cover the training loop only (shuffle, forward, backward, step); then, unless
--no-test, the test accuracy as samples/Mnist prints it: `accuracy: 0.8712 (8712/10000)`."""
import argparse
import sys
import time

import numpy as np
import torch
from torch import nn

from idx import read_images, read_labels


def lenet5():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10))


def main(argv):
    parser = argparse.ArgumentParser(description="LeNet-5 on (Fashion-)MNIST with PyTorch, one thread.")
    parser.add_argument("data", help="folder with the four gzipped IDX files")
    parser.add_argument("--optimizer", choices=["adam"], default="adam")
    parser.add_argument("--eta", type=float, default=0.001)
    parser.add_argument("--schedule", choices=["constant", "cosine"], default="constant")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--train-limit", type=int, default=None, help="train on the first N training images only")
    parser.add_argument("--no-test", action="store_true", help="skip the test set (speed runs)")
    args = parser.parse_args(argv)

    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    folder = args.data
    x = torch.from_numpy(read_images(f"{folder}/train-images-idx3-ubyte.gz")).reshape(-1, 1, 28, 28)
    y = torch.from_numpy(read_labels(f"{folder}/train-labels-idx1-ubyte.gz").astype(np.int64))
    if args.train_limit is not None:
        x, y = x[:args.train_limit], y[:args.train_limit]
    if not args.no_test:
        x_test = torch.from_numpy(read_images(f"{folder}/t10k-images-idx3-ubyte.gz")).reshape(-1, 1, 28, 28)
        y_test = torch.from_numpy(read_labels(f"{folder}/t10k-labels-idx1-ubyte.gz").astype(np.int64))

    model = lenet5()
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.eta)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs) if args.schedule == "cosine" else None
    m, n = args.batch, len(x)

    correct = 0
    for epoch in range(1, args.epochs + 1):
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
        accuracy = "-"
        if not args.no_test:
            model.eval()
            with torch.no_grad():
                correct = sum(int((model(x_test[k:k + 1000]).argmax(1) == y_test[k:k + 1000]).sum()) for k in range(0, len(x_test), 1000))
            accuracy = f"{correct / len(x_test):.4f}"
        print(f"epoch {epoch} {seconds:.3f} {n} {accuracy} {rate:.6g}", flush=True)

    if not args.no_test:
        print(f"accuracy: {correct / len(x_test):.4f} ({correct}/{len(x_test)})", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
