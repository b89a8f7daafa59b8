using System.Runtime.CompilerServices;
using Backprop.Generated.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Backprop.Generated.Generator.Tests;

/// <summary>
/// The generated source of representative networks, compared with the files in Snapshots/. Every
/// run also proves the pipeline caches (see <see cref="Incremental.AssertCachedOnRerun"/>).
/// To accept a change: run with BACKPROP_ACCEPT_SNAPSHOTS=1, then read the diff.
/// </summary>
public sealed class SnapshotTests
{
    [Fact]
    public void Tiny_network_is_unrolled() => Verify("""
        using Backprop;

        namespace Samples
        {
            [Network(2, 3, 1)]
            public partial class Net231 { }
        }
        """);

    [Fact]
    public void Digit_network_784_30_10() => Verify("""
        using Backprop;

        namespace Samples
        {
            [Network(784, 30, 10)]
            public partial class DigitNet { }
        }
        """);

    [Fact]
    public void Five_layer_network() => Verify("""
        using Backprop;

        namespace Samples
        {
            [Network(9, 17, 33, 12, 5)]
            public sealed partial class FiveLayer { }
        }
        """);

    [Fact]
    public void Network_nested_in_static_class_and_struct() => Verify("""
        using Backprop;

        namespace Samples
        {
            public static partial class Outer
            {
                internal readonly partial struct Middle
                {
                    [Network(5, 4, 3)]
                    public sealed partial class NestedNet { }
                }
            }
        }
        """);

    [Fact]
    public void Network_in_file_scoped_namespace() => Verify("""
        using Backprop;

        namespace Samples.FileScoped;

        [Network(16, 24, 3)]
        internal partial class FileScopedNet { }
        """);

    [Fact]
    public void Network_in_global_namespace() => Verify("""
        using Backprop;

        [Network(8, 8, 8)]
        public partial class GlobalNet { }
        """);

    [Fact]
    public void Baked_weights_2_3_1() => Verify("""
        using Backprop;

        namespace Samples
        {
            [Network(2, 3, 1, Weights = "Models/tiny.bpnet.b64")]
            public partial class BakedNet { }
        }
        """,
        [ModelFiles.Text("/project/Models/tiny.bpnet.b64", ModelFiles.Create([2, 3, 1]))]);

    // One network per activation and cost, in the shape Auto picks for its sizes.

    [Fact]
    public void ReLU_hidden_softmax_output_blocked() => Verify("""
        using Backprop;

        namespace Samples
        {
            [Network(20, 16, 10, HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Softmax)]
            public partial class ReluSoftmax { }
        }
        """);

    [Fact]
    public void Tanh_hidden_softmax_quadratic_unrolled() => Verify("""
        using Backprop;

        namespace Samples
        {
            [Network(3, 4, 3, HiddenActivation = ActivationKind.Tanh, OutputActivation = ActivationKind.Softmax, Cost = CostKind.Quadratic)]
            public partial class TanhSoftmax { }
        }
        """);

    [Fact]
    public void Leaky_ReLU_and_identity_regression() => Verify("""
        using Backprop;

        namespace Samples
        {
            [Network(13, 24, 1, HiddenActivation = ActivationKind.LeakyReLU, OutputActivation = ActivationKind.Identity)]
            public partial class Regression { }
        }
        """);

    [Fact]
    public void Mixed_activations_per_layer() => Verify("""
        using Backprop;

        namespace Samples
        {
            [Network(3, 5, 4, 2, Activations = new[] { ActivationKind.LeakyReLU, ActivationKind.Tanh, ActivationKind.Sigmoid })]
            public partial class Mixed { }
        }
        """);

    [Fact]
    public void ReLU_output_quadratic_blocked() => Verify("""
        using Backprop;

        namespace Samples
        {
            [Network(6, 9, 5, Activations = new[] { ActivationKind.Identity, ActivationKind.ReLU }, Unroll = UnrollMode.Blocked)]
            public partial class ReluOutput { }
        }
        """);

    /// <summary>No diagnostics, caching on a rerun, then the snapshot comparison.</summary>
    private static void Verify(string source, AdditionalText[]? additionalFiles = null, [CallerFilePath] string callerFile = "", [CallerMemberName] string method = "")
    {
        GeneratorRun run = Harness.Run(Harness.CreateCompilation(source), additionalFiles ?? []);
        Assert.Empty(run.Diagnostics);
        run.AssertGeneratorDidNotThrow();
        Assert.Empty(run.CompilationWarningsAndErrors());
        Incremental.AssertCachedOnRerun(run);
        Snapshot.VerifySources(run.Result, callerFile, method);
    }
}
