using Backprop;

namespace Backprop.Onnx.Tests;

// Networks exported to ONNX: every activation the generator supports in a hidden layer and on the output.

/// <summary>Sigmoid everywhere (the textbook network), cross-entropy.</summary>
[Network(5, 7, 3)]
public partial class SigmoidNet { }

/// <summary>Tanh hidden and output layers, quadratic cost.</summary>
[Network(5, 7, 3, HiddenActivation = ActivationKind.Tanh, OutputActivation = ActivationKind.Tanh)]
public partial class TanhNet { }

/// <summary>ReLU hidden and output layers.</summary>
[Network(6, 9, 4, HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.ReLU)]
public partial class ReluNet { }

/// <summary>Leaky ReLU hidden and output layers.</summary>
[Network(6, 9, 4, HiddenActivation = ActivationKind.LeakyReLU, OutputActivation = ActivationKind.LeakyReLU)]
public partial class LeakyReluNet { }

/// <summary>Identity hidden and output layers: a linear map in two steps.</summary>
[Network(4, 6, 3, HiddenActivation = ActivationKind.Identity, OutputActivation = ActivationKind.Identity)]
public partial class IdentityNet { }

/// <summary>ReLU hidden layer, softmax output, log-likelihood.</summary>
[Network(8, 16, 5, HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Softmax)]
public partial class SoftmaxNet { }

/// <summary>A sigmoid output with the quadratic cost: not the natural pair, kept by the ONNX metadata.</summary>
[Network(5, 4, 2, HiddenActivation = ActivationKind.ReLU, Cost = CostKind.Quadratic)]
public partial class QuadraticSigmoidNet { }

/// <summary>Four layers, one different activation each.</summary>
[Network(6, 10, 7, 4, Activations = new[] { ActivationKind.LeakyReLU, ActivationKind.Tanh, ActivationKind.Softmax })]
public partial class MixedNet { }

/// <summary>Five layers with an identity hidden layer among them.</summary>
[Network(6, 8, 8, 5, 3, Activations = new[] { ActivationKind.Identity, ActivationKind.Sigmoid, ActivationKind.ReLU, ActivationKind.Tanh })]
public partial class DeepMixedNet { }

/// <summary>Two layers: input straight to a softmax output.</summary>
[Network(4, 3, OutputActivation = ActivationKind.Softmax)]
public partial class TwoLayerNet { }

/// <summary>A wider network: the blocked (vectorised) kernels, as an MNIST model would use.</summary>
[Network(64, 40, 10, HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Softmax)]
public partial class WideNet { }

// Networks the PyTorch fixtures are loaded into (Fixtures/make_fixtures.py).

/// <summary>flatten_relu_leaky_softmax.onnx.</summary>
[Network(36, 12, 8, 5, Activations = new[] { ActivationKind.ReLU, ActivationKind.LeakyReLU, ActivationKind.Softmax })]
public partial class FlattenReluLeakySoftmax { }

/// <summary>tanh_sigmoid.onnx.</summary>
[Network(5, 7, 3, HiddenActivation = ActivationKind.Tanh)]
public partial class TanhSigmoid { }

/// <summary>matmul_add.onnx.</summary>
[Network(6, 9, 4, HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Identity)]
public partial class MatMulAdd { }

/// <summary>reshape_identity.onnx.</summary>
[Network(20, 10, 3, HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Softmax)]
public partial class ReshapeIdentity { }

/// <summary>relu_identity.onnx.</summary>
[Network(4, 6, 2, HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Identity)]
public partial class ReluIdentity { }

/// <summary>nobias_linear_linear.onnx: a bias-free sigmoid layer, then two linear layers in a row (an identity layer).</summary>
[Network(3, 5, 4, 2, Activations = new[] { ActivationKind.Sigmoid, ActivationKind.Identity, ActivationKind.Tanh })]
public partial class NoBiasLinearLinear { }

/// <summary>shared_parameters.onnx: layers whose equal bias and weights the exporter gives through Identity nodes.</summary>
[Network(4, 6, 6, 6, 3, HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Identity)]
public partial class SharedParameters { }

/// <summary>view_batch_1.onnx: x.view(x.size(0), -1) exported with a batch of 1 (a Reshape to [1, -1]).</summary>
[Network(20, 8, 3, HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Softmax)]
public partial class ViewBatch1 { }
