using Backprop;

// Networks declared layer by layer: convolutions (2-D and 1-D, stride, padding, non-square kernels and inputs, several
// channels), max and average pooling, every activation, and stacks of them; and a dense chain declared both ways.
namespace Backprop.Generated.Tests.LayerNetworks
{
    /// <summary>A padded 3×3 convolution, ReLU, max pooling, then a softmax layer over the flattened maps.</summary>
    [Network]
    [Input(2, 8, 10)]
    [Conv2D(3, 3, Padding = 1, Activation = ActivationKind.ReLU)]
    [MaxPool2D(2)]
    [Dense(5, Activation = ActivationKind.Softmax)]
    public partial class ConvPoolSoftmax { }

    /// <summary>Stride 2, a 3×2 kernel, padding, tanh; overlapping average pooling; a second convolution; a sigmoid output.</summary>
    [Network]
    [Input(3, 9, 8)]
    [Conv2D(4, 3, KernelWidth = 2, Stride = 2, Padding = 1, Activation = ActivationKind.Tanh)]
    [AvgPool2D(2, Stride = 1)]
    [Conv2D(2, 2, Activation = ActivationKind.Sigmoid)]
    [Dense(3, Activation = ActivationKind.Sigmoid)]
    public partial class StridedConvStack { }

    /// <summary>1-D: a padded convolution with leaky ReLU, max pooling, a strided convolution, average pooling, an identity output.</summary>
    [Network]
    [Input(2, 16)]
    [Conv1D(4, 5, Padding = 2, Activation = ActivationKind.LeakyReLU)]
    [MaxPool1D(2)]
    [Conv1D(3, 4, Stride = 2, Activation = ActivationKind.ReLU)]
    [AvgPool1D(3)]
    [Dense(2)]
    public partial class Signal1D { }

    /// <summary>Pooling straight from the input, a convolution as the output layer (identity, quadratic cost).</summary>
    [Network]
    [Input(1, 6, 6)]
    [AvgPool2D(2)]
    [Conv2D(2, 2, Stride = 1, Activation = ActivationKind.Identity)]
    public partial class PoolFirstConvOutput { }

    /// <summary>A 3×2 kernel with padding on a non-square image (the blocked kernels), then overlapping max pooling.</summary>
    [Network]
    [Input(3, 7, 9)]
    [Conv2D(4, 3, KernelWidth = 2, Padding = 1, Activation = ActivationKind.Sigmoid)]
    [MaxPool2D(2, Stride = 1)]
    [Dense(3, Activation = ActivationKind.Softmax)]
    public partial class KernelMix { }

    /// <summary>The LeNet-5 without dropout: 28×28 images, two convolutions and pools, three dense layers.</summary>
    [Network]
    [Input(1, 28, 28)]
    [Conv2D(6, 5, Padding = 2, Activation = ActivationKind.ReLU)]
    [MaxPool2D(2)]
    [Conv2D(16, 5, Activation = ActivationKind.ReLU)]
    [MaxPool2D(2)]
    [Dense(120, Activation = ActivationKind.ReLU)]
    [Dense(84, Activation = ActivationKind.ReLU)]
    [Dense(10, Activation = ActivationKind.Softmax)]
    public partial class LeNet5 { }

    /// <summary><see cref="ConvPoolSoftmax"/>'s layers with trained weights baked in (a version 3 model's text form).</summary>
    [Network(Weights = "baked-conv.bpnet.b64")]
    [Input(2, 8, 10)]
    [Conv2D(3, 3, Padding = 1, Activation = ActivationKind.ReLU)]
    [MaxPool2D(2)]
    [Dense(5, Activation = ActivationKind.Softmax)]
    public partial class BakedConvNet { }

    /// <summary>Dropout after a pool and after a dense layer.</summary>
    [Network]
    [Input(2, 8, 10)]
    [Conv2D(3, 3, Padding = 1, Activation = ActivationKind.ReLU)]
    [MaxPool2D(2)]
    [Dropout(0.25)]
    [Dense(8, Activation = ActivationKind.Tanh)]
    [Dropout(0.5)]
    [Dense(5, Activation = ActivationKind.Softmax)]
    public partial class WithDropout { }

    /// <summary><see cref="WithDropout"/> without its dropout layers: the same parameters.</summary>
    [Network]
    [Input(2, 8, 10)]
    [Conv2D(3, 3, Padding = 1, Activation = ActivationKind.ReLU)]
    [MaxPool2D(2)]
    [Dense(8, Activation = ActivationKind.Tanh)]
    [Dense(5, Activation = ActivationKind.Softmax)]
    public partial class WithoutDropout { }

    /// <summary><see cref="WithoutDropout"/> with dropout of rate 0: it keeps every value, so it trains to the same bits.</summary>
    [Network]
    [Input(2, 8, 10)]
    [Conv2D(3, 3, Padding = 1, Activation = ActivationKind.ReLU)]
    [MaxPool2D(2)]
    [Dropout(0)]
    [Dense(8, Activation = ActivationKind.Tanh)]
    [Dropout(0)]
    [Dense(5, Activation = ActivationKind.Softmax)]
    public partial class ZeroDropout { }

    /// <summary>A dense chain declared layer by layer: the same network as <see cref="DenseBySizes"/>.</summary>
    [Network]
    [Input(12)]
    [Dense(9, Activation = ActivationKind.ReLU)]
    [Dense(4, Activation = ActivationKind.Softmax)]
    public partial class DenseByLayers { }

    /// <summary>A dense chain declared by its sizes.</summary>
    [Network(12, 9, 4, HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Softmax)]
    public partial class DenseBySizes { }
}
