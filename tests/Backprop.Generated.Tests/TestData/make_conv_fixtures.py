"""Writes conv-fixtures.json: PyTorch's forward pass of small random networks of every layer kind, for ConvFixtureTests.

Each network is built from torch.nn modules (Conv2d, Conv1d, MaxPool2d, AvgPool2d, MaxPool1d, AvgPool1d, Flatten and
Linear, with sigmoid, tanh, ReLU, leaky ReLU (slope 0.01, the library's), identity and a softmax output), with PyTorch's
own random initialisation from a fixed seed, the weights then tripled. The fixture holds, for each network, its parameters in the library's
layout (layers in order, each layer's weight tensor as PyTorch stores it, row-major, then its bias), a few random inputs
(C, H, W or C, L flattened) and PyTorch's float32 outputs for them. ConvFixtureTests declares the same networks with the
layer attributes; a network here and its declaration there change together.

Run from anywhere with Debian's python3-torch: /usr/bin/python3 make_conv_fixtures.py (writes next to this script).
The output is the same on every run with the same PyTorch."""
import json
import os

import torch
from torch import nn

SAMPLES = 5

ACTIVATIONS = {
    "Sigmoid": nn.Sigmoid,
    "Tanh": nn.Tanh,
    "ReLU": nn.ReLU,
    "LeakyReLU": lambda: nn.LeakyReLU(0.01),
    "Identity": nn.Identity,
    "Softmax": lambda: nn.Softmax(dim=1),
}

# Each network: its name (the C# class), its input shape, and its layers as (kind, arguments, activation), in the
# words of the attributes: Conv2D(filters, kernel_height, kernel_width, stride, padding), Conv1D(filters, kernel,
# stride, padding), pools (size, stride), Dense(units).
NETWORKS = [
    ("PaddedConvMaxPoolSoftmax", (2, 8, 10), [
        ("Conv2D", (3, 3, 3, 1, 1), "ReLU"),
        ("MaxPool2D", (2, 2), None),
        ("Dense", (5,), "Softmax"),
    ]),
    ("StridedRectangularConvStack", (3, 9, 8), [
        ("Conv2D", (4, 3, 2, 2, 1), "Tanh"),
        ("AvgPool2D", (2, 1), None),
        ("Conv2D", (2, 2, 2, 1, 0), "Sigmoid"),
        ("Dense", (3,), "Sigmoid"),
    ]),
    ("TallKernelOverlappingMaxPool", (2, 12, 13), [
        ("Conv2D", (3, 2, 3, 3, 1), "LeakyReLU"),
        ("MaxPool2D", (3, 2), None),
        ("Dense", (6,), "LeakyReLU"),
        ("Dense", (4,), "Tanh"),
    ]),
    ("AvgPoolThenIdentityConv", (1, 6, 6), [
        ("AvgPool2D", (2, 2), None),
        ("Conv2D", (2, 2, 2, 1, 0), "Identity"),
    ]),
    ("WideIdentityConvToOnePixel", (4, 7, 7), [
        ("Conv2D", (8, 3, 3, 2, 0), "Identity"),
        ("MaxPool2D", (3, 3), None),
        ("Dense", (5,), "ReLU"),
        ("Dense", (3,), "Sigmoid"),
    ]),
    ("Conv1DStack", (2, 16), [
        ("Conv1D", (4, 5, 1, 2), "LeakyReLU"),
        ("MaxPool1D", (2, 2), None),
        ("Conv1D", (3, 4, 2, 0), "ReLU"),
        ("AvgPool1D", (3, 3), None),
        ("Dense", (2,), "Identity"),
    ]),
    ("Conv1DStridedPools", (3, 21), [
        ("Conv1D", (5, 3, 2, 1), "Sigmoid"),
        ("AvgPool1D", (3, 2), None),
        ("MaxPool1D", (2, 1), None),
        ("Dense", (7,), "Tanh"),
        ("Dense", (3,), "Softmax"),
    ]),
]


def build(input_shape, layers):
    """The torch.nn.Sequential of the layers, and the modules whose parameters count, in order."""
    modules, weighted = [], []
    shape = list(input_shape)
    flattened = False
    for kind, args, activation in layers:
        check_whole(kind, args, shape)
        if kind == "Conv2D":
            filters, kh, kw, stride, padding = args
            layer = nn.Conv2d(shape[0], filters, (kh, kw), stride=stride, padding=padding)
        elif kind == "Conv1D":
            filters, k, stride, padding = args
            layer = nn.Conv1d(shape[0], filters, k, stride=stride, padding=padding)
        elif kind == "Dense":
            if not flattened:
                modules.append(nn.Flatten())
                flattened = True
            layer = nn.Linear(shape_size(shape), args[0])
        else:
            size, stride = args
            layer = {"MaxPool2D": nn.MaxPool2d, "AvgPool2D": nn.AvgPool2d, "MaxPool1D": nn.MaxPool1d, "AvgPool1D": nn.AvgPool1d}[kind](size, stride=stride)
        modules.append(layer)
        if kind in ("Conv2D", "Conv1D", "Dense"):
            weighted.append(layer)
            modules.append(ACTIVATIONS[activation]())
        with torch.no_grad():
            shape = list(nn.Sequential(*modules)(torch.zeros(1, *input_shape)).shape[1:])
    return nn.Sequential(*modules), weighted


def check_whole(kind, args, shape):
    """The library takes only windows that fit a whole number of times (PyTorch would drop the remainder)."""
    if kind == "Conv2D":
        windows, stride, padding = args[1:3], args[3], args[4]
    elif kind == "Conv1D":
        windows, stride, padding = args[1:2], args[2], args[3]
    elif kind.endswith("2D"):
        windows, stride, padding = (args[0], args[0]), args[1], 0
    elif kind.endswith("1D"):
        windows, stride, padding = (args[0],), args[1], 0
    else:
        return
    for extent, window in zip(shape[1:], windows):
        span = extent + 2 * padding - window
        assert span >= 0 and span % stride == 0, f"{kind}{args} does not fit a whole number of times over {shape}"


def shape_size(shape):
    size = 1
    for extent in shape:
        size *= extent
    return size


def exact(values):
    """float32 values as the doubles they are exactly: read back as float32, they are the same bits."""
    return [float(v) for v in values.detach().to(torch.float32).flatten().tolist()]


def main():
    torch.manual_seed(20261208)
    fixtures = []
    for name, input_shape, layers in NETWORKS:
        model, weighted = build(input_shape, layers)
        model.eval()
        # PyTorch's initialisation keeps every layer near its linear range; tripled weights reach the curved parts of
        # sigmoid and tanh and make the outputs differ more from input to input.
        with torch.no_grad():
            for layer in weighted:
                layer.weight.mul_(3)
        parameters = []
        for layer in weighted:
            parameters += exact(layer.weight) + exact(layer.bias)
        inputs = torch.rand(SAMPLES, *input_shape) * 2 - 1
        with torch.no_grad():
            outputs = model(inputs)
        fixtures.append({
            "name": name,
            "input": list(input_shape),
            "layers": [f"{kind}({', '.join(map(str, args))})" + (f" {activation}" if activation else "") for kind, args, activation in layers],
            "parameterCount": len(parameters),
            "outputSize": shape_size(outputs.shape[1:]),
            "parameters": parameters,
            "inputs": [exact(x) for x in inputs],
            "outputs": [exact(y) for y in outputs],
        })
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "conv-fixtures.json")
    # One line per field, so that a change shows in a diff as the fields it touches.
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write('{\n "torch": ' + json.dumps(torch.__version__) + ',\n "networks": [\n')
        for i, fixture in enumerate(fixtures):
            fields = ",\n".join(f"  {json.dumps(key)}: {json.dumps(value)}" for key, value in fixture.items())
            f.write(" {\n" + fields + "\n }" + ("," if i + 1 < len(fixtures) else "") + "\n")
        f.write(" ]\n}\n")
    print(f"wrote {path}: {len(fixtures)} networks")


if __name__ == "__main__":
    main()
