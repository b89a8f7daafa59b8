using Backprop.Generated.Tests.Networks;
using Xunit;

namespace Backprop.Generated.Tests;

public sealed class InternalNetworkTests
{
    [Fact]
    public void An_internal_sealed_network_computes_the_reference_output()
    {
        InternalNet network = InternalNet.Create(4);
        var x = new float[] { 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f, 0.9f, 1f };
        var output = new float[3];
        network.Forward(x, output);
        double[] expected = Reference.Forward(InternalNet.LayerSizes.ToArray(), Reference.ToDouble(network.Parameters), Reference.ToDouble(x));
        for (int k = 0; k < 3; k++)
        {
            Assert.Equal(expected[k], output[k], 1e-5);
        }
    }
}
