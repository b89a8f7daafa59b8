using Backprop;

namespace Backprop.Generated.Benchmarks;

// The networks the benchmarks measure.

/// <summary>The seed's digit network.</summary>
[Network(784, 30, 10)]
public partial class DigitNet { }

// Pairs of identical sizes in the two code shapes, to find where full unrolling stops paying.
[Network(2, 3, 1, Unroll = UnrollMode.Full)] public partial class Full231 { }
[Network(2, 3, 1, Unroll = UnrollMode.Blocked)] public partial class Blocked231 { }
[Network(4, 6, 3, Unroll = UnrollMode.Full)] public partial class Full463 { }
[Network(4, 6, 3, Unroll = UnrollMode.Blocked)] public partial class Blocked463 { }
[Network(7, 7, 7, Unroll = UnrollMode.Full)] public partial class Full777 { }
[Network(7, 7, 7, Unroll = UnrollMode.Blocked)] public partial class Blocked777 { }
[Network(4, 8, 3, Unroll = UnrollMode.Full)] public partial class Full483 { }
[Network(4, 8, 3, Unroll = UnrollMode.Blocked)] public partial class Blocked483 { }
[Network(8, 8, 8, Unroll = UnrollMode.Full)] public partial class Full888 { }
[Network(8, 8, 8, Unroll = UnrollMode.Blocked)] public partial class Blocked888 { }
[Network(12, 10, 4, Unroll = UnrollMode.Full)] public partial class Full12104 { }
[Network(12, 10, 4, Unroll = UnrollMode.Blocked)] public partial class Blocked12104 { }

// The activations and costs side by side (LayersBenchmarks), at the main job's larger size.
[Network(784, 100, 10)] public partial class DigitNet100 { }
[Network(784, 100, 10, HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Softmax)] public partial class ReluSoftmax100 { }
[Network(784, 100, 10, HiddenActivation = ActivationKind.Tanh, OutputActivation = ActivationKind.Softmax)] public partial class TanhSoftmax100 { }
[Network(784, 100, 10, HiddenActivation = ActivationKind.LeakyReLU, OutputActivation = ActivationKind.Softmax)] public partial class LeakySoftmax100 { }
