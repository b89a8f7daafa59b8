using Backprop;

namespace Mnist;

/// <summary>The seed's network: 784 pixels → 30 sigmoid neurons → 10 classes (23,860 parameters).</summary>
[Network(784, 30, 10)]
public sealed partial class FashionNet30 { }

/// <summary>The wider network: 784 pixels → 100 sigmoid neurons → 10 classes (79,510 parameters).</summary>
[Network(784, 100, 10)]
public sealed partial class FashionNet100 { }
