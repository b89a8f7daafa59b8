using System;
using System.IO;
using Backprop.Generated.Tests.Networks;
using Xunit;

namespace Backprop.Generated.Tests;

/// <summary>
/// Networks with baked weights (see Networks.cs and TestData/): CreateTrained() holds exactly what
/// NetworkSerializer loads from the same file, and computes with it.
/// </summary>
public sealed class BakedWeightsTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static string ModelText(string fileName) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", fileName));

    /// <summary>The model as NetworkSerializer reads it: the binary format the text encodes.</summary>
    private static TNet Load<TNet>(string fileName) where TNet : class, INetwork<TNet>
    {
        using var stream = new MemoryStream(Convert.FromBase64String(ModelText(fileName)));
        return NetworkSerializer.Load<TNet>(stream, fileName);
    }

    private static int[] Bits(ReadOnlySpan<float> values)
    {
        var bits = new int[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            bits[i] = BitConverter.SingleToInt32Bits(values[i]);
        }
        return bits;
    }

    [Fact]
    public void CreateTrained_equals_the_loaded_model_bit_for_bit()
    {
        BakedNet baked = BakedNet.CreateTrained();
        BakedNet loaded = Load<BakedNet>("baked-16-12-4.bpnet.b64");

        Assert.Equal(Bits(loaded.Parameters), Bits(baked.Parameters));
        Assert.Contains(baked.Parameters.ToArray(), value => value != 0);
    }

    [Fact]
    public void CreateTrained_of_an_unrolled_network_equals_the_loaded_model_bit_for_bit()
    {
        Assert.Equal(Bits(Load<BakedNet231>("baked-2-3-1.bpnet.b64").Parameters), Bits(BakedNet231.CreateTrained().Parameters));
    }

    [Fact]
    public void Every_call_returns_a_new_independent_network()
    {
        BakedNet first = BakedNet.CreateTrained();
        first.Parameters.Clear();

        BakedNet second = BakedNet.CreateTrained();

        Assert.NotSame(first, second);
        Assert.Equal(Bits(Load<BakedNet>("baked-16-12-4.bpnet.b64").Parameters), Bits(second.Parameters));
    }

    [Fact]
    public void A_baked_network_computes_like_the_loaded_one()
    {
        BakedNet baked = BakedNet.CreateTrained();
        BakedNet loaded = Load<BakedNet>("baked-16-12-4.bpnet.b64");
        var input = new float[BakedNet.InputSize];
        for (int i = 0; i < input.Length; i++)
        {
            input[i] = i / 16f;
        }
        var expected = new float[BakedNet.OutputSize];
        var actual = new float[BakedNet.OutputSize];

        loaded.Forward(input, expected);
        baked.Forward(input, actual);

        Assert.Equal(Bits(expected), Bits(actual));
    }

    [Fact]
    public void SaveBase64_writes_the_committed_text_form_byte_for_byte()
    {
        // baked-16-12-4 was written by SaveBase64 in the current format (v2): saving the network again reproduces it
        // exactly. (baked-2-3-1 stays a v1 file, to show that models saved before v2 still bake.)
        string path = _folder.File("again.bpnet.b64");

        NetworkSerializer.SaveBase64(BakedNet.CreateTrained(), path);

        Assert.Equal(ModelText("baked-16-12-4.bpnet.b64"), File.ReadAllText(path));
    }
}
