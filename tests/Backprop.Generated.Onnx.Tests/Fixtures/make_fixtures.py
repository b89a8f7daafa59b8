#!/usr/bin/python3
"""Builds the ONNX fixtures of Backprop.Generated.Onnx.Tests from small seeded PyTorch models.

Run with Debian's python3-torch (1.13) and python3-onnx (1.12):

    /usr/bin/python3 tests/Backprop.Generated.Onnx.Tests/Fixtures/make_fixtures.py

It writes, beside this script, one .onnx file per model (a few KB each, exported by torch.onnx.export with a
dynamic batch axis unless noted, and checked by onnx.checker.check_model) and fixtures.json: for every model that the
importer must accept, fixed inputs and the outputs PyTorch computed for them (float32 values, written exactly). The
files are committed, so the tests need neither Python nor PyTorch; rerun this script only to change the fixtures.
"""

import json
import os

import onnx
import onnx.helper
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))


class MatMulAdd(nn.Module):
    """A linear layer stored as W [in, out]: exports as MatMul then Add, not Gemm."""

    def __init__(self, n_in, n_out, bias_first=False):
        super().__init__()
        self.w = nn.Parameter(torch.randn(n_in, n_out) / n_in ** 0.5)
        self.b = nn.Parameter(torch.randn(n_out))
        self.bias_first = bias_first

    def forward(self, x):
        return self.b + x @ self.w if self.bias_first else x @ self.w + self.b


class ViewFlatten(nn.Module):
    """x.view(-1, features): exports as Reshape with a constant shape [-1, features]."""

    def __init__(self, features):
        super().__init__()
        self.features = features

    def forward(self, x):
        return x.view(-1, self.features)


class ViewBatch(nn.Module):
    """x.view(x.size(0), -1): exported with a fixed batch of 1, a Reshape with the constant shape [1, -1]."""

    def forward(self, x):
        return x.view(x.size(0), -1)


def export(model, name, input_shape, opset=13, keep_initializers_as_inputs=False, dynamic_batch=True, fuse=True):
    """Exports model (in eval mode) to name.onnx, with a dynamic batch axis or a batch of 1, and checks it; returns its path."""
    model.eval()
    path = os.path.join(HERE, name + ".onnx")
    example = torch.zeros((1,) + tuple(input_shape))
    torch.onnx.export(
        model,
        example,
        path,
        input_names=["input"],
        output_names=["output"],
        dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}} if dynamic_batch else None,
        opset_version=opset,
        do_constant_folding=fuse,
        # EVAL (the default) also fuses a BatchNorm into the Conv before it; PRESERVE keeps the model's (eval) mode without.
        training=torch.onnx.TrainingMode.EVAL if fuse else torch.onnx.TrainingMode.PRESERVE,
        keep_initializers_as_inputs=keep_initializers_as_inputs,
    )
    onnx.checker.check_model(onnx.load(path))
    return path


def record(model, name, input_shape, rows, generator):
    """The fixture entry of a model: `rows` seeded inputs and PyTorch's outputs for them."""
    inputs = torch.randn((rows,) + tuple(input_shape), generator=generator)
    with torch.no_grad():
        outputs = model(inputs)
    return {
        "file": name + ".onnx",
        "inputShape": list(input_shape),
        "inputs": [[float(v) for v in row.reshape(-1)] for row in inputs],
        "outputs": [[float(v) for v in row.reshape(-1)] for row in outputs],
    }


def operators(path):
    """The operators of the model at path, in node order, with the inputs of each."""
    return [(node.op_type, list(node.input)) for node in onnx.load(path).graph.node]


def insert_identity(path):
    """Puts an Identity node (as some exporters emit) between the first layer's activation and the next layer."""
    model = onnx.load(path)
    graph = model.graph
    for index, node in enumerate(graph.node):
        if node.op_type == "Relu":
            old = node.output[0]
            node.output[0] = old + "_pre_identity"
            identity = onnx.helper.make_node("Identity", [old + "_pre_identity"], [old], name="Identity_added")
            graph.node.insert(index + 1, identity)
            break
    onnx.checker.check_model(model)
    onnx.save(model, path)


def main():
    torch.manual_seed(20261207)
    data = torch.Generator().manual_seed(7)
    good = []

    # (a) Flatten [N,1,6,6] -> Linear -> ReLU -> Linear -> LeakyReLU(0.01) -> Linear -> Softmax: Flatten and Gemm (transB=1).
    a = nn.Sequential(nn.Flatten(), nn.Linear(36, 12), nn.ReLU(), nn.Linear(12, 8), nn.LeakyReLU(0.01), nn.Linear(8, 5), nn.Softmax(dim=1))
    export(a, "flatten_relu_leaky_softmax", (1, 6, 6))
    good.append(record(a, "flatten_relu_leaky_softmax", (1, 6, 6), 7, data))

    # (b) Linear -> Tanh -> Linear -> Sigmoid, at opset 11 (Softmax-free, Gemm as in older exports).
    b = nn.Sequential(nn.Linear(5, 7), nn.Tanh(), nn.Linear(7, 3), nn.Sigmoid())
    export(b, "tanh_sigmoid", (5,), opset=11)
    good.append(record(b, "tanh_sigmoid", (5,), 7, data))

    # (c) MatMul + Add layers (x @ W + b, then b + x @ W), W stored [in, out]; no output activation.
    c = nn.Sequential(MatMulAdd(6, 9), nn.ReLU(), MatMulAdd(9, 4, bias_first=True))
    export(c, "matmul_add", (6,))
    good.append(record(c, "matmul_add", (6,), 7, data))

    # (d) Reshape with a constant shape (x.view(-1, 20)), an inserted Identity, and the initializers also listed as
    # graph inputs (IR 4 style, opset 9).
    d = nn.Sequential(ViewFlatten(20), nn.Linear(20, 10), nn.ReLU(), nn.Linear(10, 3), nn.Softmax(dim=1))
    path = export(d, "reshape_identity", (4, 5), opset=9, keep_initializers_as_inputs=True)
    insert_identity(path)
    good.append(record(d, "reshape_identity", (4, 5), 7, data))

    # (e) Linear -> ReLU -> Linear, no output activation: a regression (identity output).
    e = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 2))
    export(e, "relu_identity", (4,), opset=17)
    good.append(record(e, "relu_identity", (4,), 7, data))

    # (f) A layer without bias (MatMul alone, or Gemm without C) then Sigmoid; and a Linear -> Linear (identity hidden layer).
    f = nn.Sequential(nn.Linear(3, 5, bias=False), nn.Sigmoid(), nn.Linear(5, 4), nn.Linear(4, 2), nn.Tanh())
    export(f, "nobias_linear_linear", (3,))
    good.append(record(f, "nobias_linear_linear", (3,), 7, data))

    # Models the importer must refuse; except unsupported_conv, which keeps its name and imports (a Conv2d, then a Linear).
    export(nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(32, 3)), "unsupported_conv", (1, 6, 6))
    export(nn.Sequential(nn.Linear(4, 5), nn.LeakyReLU(0.2), nn.Linear(5, 2)), "leaky_relu_0_2", (4,))
    export(nn.Sequential(nn.Linear(4, 5), nn.Softmax(dim=1), nn.Linear(5, 2)), "hidden_softmax", (4,))

    # The models below come last, so that the seeded parameters of those above do not depend on them.

    # (g) Layers with equal parameters: the second layer's bias equals the first's, and the third layer's weights the
    # second's. The exporter keeps one initializer of each and gives the later layer an Identity of it.
    g = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 6), nn.ReLU(), nn.Linear(6, 6), nn.ReLU(), nn.Linear(6, 3))
    with torch.no_grad():
        g[2].bias.copy_(g[0].bias)
        g[4].weight.copy_(g[2].weight)
    path = export(g, "shared_parameters", (4,))
    identities = [inputs for op, inputs in operators(path) if op == "Identity"]
    assert sorted(identities) == [["0.bias"], ["2.weight"]], "the exporter did not de-duplicate as expected: " + repr(identities)
    good.append(record(g, "shared_parameters", (4,), 7, data))

    # (h) x.view(x.size(0), -1) exported with a fixed batch of 1: the shape folds to a Constant [1, -1].
    h = nn.Sequential(ViewBatch(), nn.Linear(20, 8), nn.ReLU(), nn.Linear(8, 3), nn.Softmax(dim=1))
    path = export(h, "view_batch_1", (4, 5), dynamic_batch=False)
    assert [op for op, _ in operators(path)][:2] == ["Constant", "Reshape"], "the shape was not folded: " + repr(operators(path))
    good.append(record(h, "view_batch_1", (4, 5), 7, data))

    # Convolutional models, after all the multilayer perceptrons above.

    # (i) LeNet-5-like: (Conv2d -> ReLU -> MaxPool2d) twice, Flatten, Linear -> ReLU -> Linear -> Softmax, on 16x16 images.
    i = nn.Sequential(
        nn.Conv2d(1, 4, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(4, 8, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(72, 32), nn.ReLU(), nn.Linear(32, 10), nn.Softmax(dim=1))
    export(i, "lenet_like", (1, 16, 16))
    good.append(record(i, "lenet_like", (1, 16, 16), 5, data))

    # (j) BatchNorm2d after a Conv2d and BatchNorm1d after a Linear, in eval mode with running statistics and affine
    # parameters far from their initial values; a Dropout before the last layer. Exported without the exporter's own
    # fusing, so that the BatchNormalization nodes stay in the graph for the importer to fold.
    j = nn.Sequential(
        nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 3))
    with torch.no_grad():
        for norm in (j[1], j[6]):
            norm.running_mean.copy_(torch.randn(norm.num_features) * 0.5)
            norm.running_var.copy_(torch.rand(norm.num_features) * 2 + 0.2)
            norm.weight.copy_(torch.rand(norm.num_features) + 0.5)
            norm.bias.copy_(torch.randn(norm.num_features) * 0.3)
    path = export(j, "batchnorm_dropout", (2, 8, 8), fuse=False)
    ops = [op for op, _ in operators(path)]
    assert ops.count("BatchNormalization") == 2, "the BatchNormalization nodes were folded by the exporter: " + repr(ops)
    good.append(record(j, "batchnorm_dropout", (2, 8, 8), 5, data))

    # (k) 1-D: Conv1d -> Tanh -> AvgPool1d twice (padding, then stride 2), Flatten, Linear -> Sigmoid. The exporter puts
    # a Pad of zeros before each AveragePool.
    k = nn.Sequential(
        nn.Conv1d(3, 5, 3, padding=1), nn.Tanh(), nn.AvgPool1d(2),
        nn.Conv1d(5, 4, 4, stride=2), nn.Tanh(), nn.AvgPool1d(2),
        nn.Flatten(), nn.Linear(8, 2), nn.Sigmoid())
    export(k, "conv1d_avgpool", (3, 20))
    good.append(record(k, "conv1d_avgpool", (3, 20), 5, data))

    # (l) A 3x5 kernel with stride 2 and padding 1, LeakyReLU; then F.relu(F.max_pool2d(conv(x), 2)) (the activation
    # after the pool) of a padded 2x2 kernel; an overlapping average pool (stride 1); a Linear output. Every window fits
    # exactly (PyTorch would floor the others).
    class StridedPadded(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(2, 3, (3, 5), stride=2, padding=1)
            self.conv2 = nn.Conv2d(3, 4, 2, padding=1)
            self.pool = nn.AvgPool2d(2, stride=1)
            self.fc = nn.Linear(16, 3)

        def forward(self, x):
            x = nn.functional.leaky_relu(self.conv1(x), 0.01)
            x = nn.functional.relu(nn.functional.max_pool2d(self.conv2(x), 2))
            return self.fc(torch.flatten(self.pool(x), 1))

    l = StridedPadded()
    export(l, "strided_padded", (2, 9, 11))
    good.append(record(l, "strided_padded", (2, 9, 11), 5, data))

    with open(os.path.join(HERE, "fixtures.json"), "w", encoding="utf-8") as out:
        json.dump({"torch": torch.__version__, "onnx": onnx.__version__, "models": good}, out, indent=1)
        out.write("\n")


if __name__ == "__main__":
    main()
