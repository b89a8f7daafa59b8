using Backprop;

namespace FromPyTorch;

/// <summary>
/// 784 pixels → 64 ReLU neurons → 10 softmax classes, trained by PyTorch (train.py), exported to ONNX and imported
/// into fashion-mlp.bpnet.b64: <see cref="FashionMlp.CreateTrained"/> needs no file at run time.
/// </summary>
[Network(784, 64, 10, HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Softmax, Weights = "fashion-mlp.bpnet.b64")]
internal sealed partial class FashionMlp { }
