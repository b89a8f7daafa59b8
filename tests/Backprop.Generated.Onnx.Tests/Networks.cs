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

// Networks declared layer by layer, exported to ONNX: convolutions (2-D and 1-D, stride, padding, a non-square kernel),
// both pools in both dimensions, stacks of them, spatial outputs, and every activation.

/// <summary>A padded 3×3 convolution, ReLU, max pooling, a softmax layer over the flattened maps.</summary>
[Network]
[Input(2, 8, 10)]
[Conv2D(3, 3, Padding = 1, Activation = ActivationKind.ReLU)]
[MaxPool2D(2)]
[Dense(5, Activation = ActivationKind.Softmax)]
public partial class ConvPoolSoftmaxNet { }

/// <summary><see cref="ConvPoolSoftmaxNet"/> with dropout before its dense layer: exported, the dropout is an Identity.</summary>
[Network]
[Input(2, 8, 10)]
[Conv2D(3, 3, Padding = 1, Activation = ActivationKind.ReLU)]
[MaxPool2D(2)]
[Dropout(0.3)]
[Dense(5, Activation = ActivationKind.Softmax)]
public partial class ConvDropoutNet { }

/// <summary>Stride 2, a 3×2 kernel, padding, tanh; overlapping average pooling; a second convolution; a sigmoid output.</summary>
[Network]
[Input(3, 9, 8)]
[Conv2D(4, 3, KernelWidth = 2, Stride = 2, Padding = 1, Activation = ActivationKind.Tanh)]
[AvgPool2D(2, Stride = 1)]
[Conv2D(2, 2, Activation = ActivationKind.Sigmoid)]
[Dense(3, Activation = ActivationKind.Sigmoid)]
public partial class StridedConvStackNet { }

/// <summary>1-D: a padded convolution with leaky ReLU, max pooling, a strided convolution, average pooling, an identity output.</summary>
[Network]
[Input(2, 16)]
[Conv1D(4, 5, Padding = 2, Activation = ActivationKind.LeakyReLU)]
[MaxPool1D(2)]
[Conv1D(3, 4, Stride = 2, Activation = ActivationKind.ReLU)]
[AvgPool1D(3)]
[Dense(2)]
public partial class Signal1DNet { }

/// <summary>Pooling straight from the input, a convolution as the output layer (identity).</summary>
[Network]
[Input(1, 6, 6)]
[AvgPool2D(2)]
[Conv2D(2, 2, Activation = ActivationKind.Identity)]
public partial class PoolFirstConvOutputNet { }

/// <summary>A strided 1-D convolution as the output layer, with a tanh.</summary>
[Network]
[Input(3, 11)]
[Conv1D(4, 3, Stride = 2, Padding = 1, Activation = ActivationKind.ReLU)]
[Conv1D(2, 2, Activation = ActivationKind.Tanh)]
public partial class ConvTanhOutputNet { }

/// <summary>A max pool as the output layer.</summary>
[Network]
[Input(2, 6, 6)]
[Conv2D(3, 3, Padding = 1, Activation = ActivationKind.LeakyReLU)]
[MaxPool2D(3)]
public partial class MaxPoolOutputNet { }

/// <summary>LeNet-5 on 28×28 images: two convolutions and pools, three dense layers.</summary>
[Network]
[Input(1, 28, 28)]
[Conv2D(6, 5, Padding = 2, Activation = ActivationKind.ReLU)]
[MaxPool2D(2)]
[Conv2D(16, 5, Activation = ActivationKind.ReLU)]
[MaxPool2D(2)]
[Dense(120, Activation = ActivationKind.ReLU)]
[Dense(84, Activation = ActivationKind.ReLU)]
[Dense(10, Activation = ActivationKind.Softmax)]
public partial class LeNet5Net { }

// Networks the PyTorch convolutional fixtures are loaded into.

/// <summary>lenet_like.onnx.</summary>
[Network]
[Input(1, 16, 16)]
[Conv2D(4, 5, Padding = 2, Activation = ActivationKind.ReLU)]
[MaxPool2D(2)]
[Conv2D(8, 3, Activation = ActivationKind.ReLU)]
[MaxPool2D(2)]
[Dense(32, Activation = ActivationKind.ReLU)]
[Dense(10, Activation = ActivationKind.Softmax)]
public partial class LeNetLike { }

/// <summary>batchnorm_dropout.onnx: the batch normalizations folded into the convolution and the first dense layer.</summary>
[Network]
[Input(2, 8, 8)]
[Conv2D(4, 3, Padding = 1, Activation = ActivationKind.ReLU)]
[MaxPool2D(2)]
[Dense(16, Activation = ActivationKind.ReLU)]
[Dense(3)]
public partial class BatchNormDropout { }

/// <summary>conv1d_avgpool.onnx.</summary>
[Network]
[Input(3, 20)]
[Conv1D(5, 3, Padding = 1, Activation = ActivationKind.Tanh)]
[AvgPool1D(2)]
[Conv1D(4, 4, Stride = 2, Activation = ActivationKind.Tanh)]
[AvgPool1D(2)]
[Dense(2, Activation = ActivationKind.Sigmoid)]
public partial class Conv1DAvgPool { }

/// <summary>strided_padded.onnx: the ReLU after the max pool is the second convolution's.</summary>
[Network]
[Input(2, 9, 11)]
[Conv2D(3, 5, KernelHeight = 3, Stride = 2, Padding = 1, Activation = ActivationKind.LeakyReLU)]
[Conv2D(4, 2, Padding = 1, Activation = ActivationKind.ReLU)]
[MaxPool2D(2)]
[AvgPool2D(2, Stride = 1)]
[Dense(3)]
public partial class StridedPadded { }

/// <summary>unsupported_conv.onnx: a 3×3 convolution and a linear layer.</summary>
[Network]
[Input(1, 6, 6)]
[Conv2D(2, 3)]
[Dense(3)]
public partial class SingleConv { }
