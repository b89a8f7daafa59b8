using Backprop;

namespace Embedded;

/// <summary>
/// 784 pixels → 30 sigmoid neurons → 10 classes, with the weights samples/Mnist trained (30 epochs,
/// seed 1) compiled in: <see cref="FashionNet.CreateTrained"/> needs no file at run time.
/// </summary>
[Network(784, 30, 10, Weights = "fashion-mnist-784-30-10.bpnet.b64")]
internal sealed partial class FashionNet { }
