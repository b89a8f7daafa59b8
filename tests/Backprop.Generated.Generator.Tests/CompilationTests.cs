using System.Collections.Generic;
using System.Linq;
using Backprop.Generated.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace Backprop.Generated.Generator.Tests;

/// <summary>
/// The generated code compiles cleanly in a strict project: nullable on, every warning wave
/// (warning level 9999), XML doc comments checked. Any warning at all fails: users build with
/// TreatWarningsAsErrors.
/// </summary>
public sealed class CompilationTests
{
    private static readonly Dictionary<string, (string Source, int Files)> Cases = new()
    {
        ["784-30-10"] = ("""
            using Backprop;

            namespace Samples;

            /// <summary>The digit network.</summary>
            [Network(784, 30, 10)]
            public partial class DigitNet { }
            """, 1),

        ["4096-2048-10"] = ("""
            using Backprop;

            namespace Samples;

            /// <summary>About 10.5 million parameters.</summary>
            [Network(4096, 2048, 10)]
            public partial class BigNet { }
            """, 1),

        ["forced full unroll"] = ("""
            using Backprop;

            namespace Samples;

            /// <summary>Auto would block this one (a layer of 9).</summary>
            [Network(6, 9, 5, Unroll = UnrollMode.Full)]
            public partial class UnrolledMid { }
            """, 1),

        ["forced blocked 2-3-1 and a single layer"] = ("""
            using Backprop;

            namespace Samples;

            /// <summary>Scalar kernels inside every vector tier.</summary>
            [Network(2, 3, 1, Unroll = UnrollMode.Blocked)]
            public partial class Net231Blocked { }

            /// <summary>L = 2: the only weight layer reads the input.</summary>
            [Network(3, 5)]
            public sealed partial class SingleLayer { }
            """, 2),

        ["five layers with every tail"] = ("""
            using Backprop;

            namespace Samples;

            /// <summary>Widths that leave a tail for every vector width.</summary>
            [Network(9, 17, 33, 12, 5)]
            internal sealed partial class FiveLayer { }
            """, 1),

        ["nested in static class, struct and record"] = ("""
            using Backprop;

            namespace Samples
            {
                /// <summary>A static container.</summary>
                public static partial class Outer
                {
                    /// <summary>A struct container.</summary>
                    public readonly partial struct Middle
                    {
                        /// <summary>A record container.</summary>
                        public sealed partial record Inner
                        {
                            /// <summary>A nested network.</summary>
                            [Network(5, 4, 3)]
                            public sealed partial class NestedNet { }

                            /// <summary>A nested blocked network.</summary>
                            [Network(40, 20, 3)]
                            internal partial class NestedBlocked { }
                        }
                    }
                }
            }
            """, 2),

        ["nested in generic containers"] = ("""
            using Backprop;

            namespace Samples
            {
                /// <summary>A generic container with a constraint.</summary>
                /// <typeparam name="T">Anything.</typeparam>
                public partial class GenericOuter<T> where T : struct
                {
                    /// <summary>A generic struct inside.</summary>
                    /// <typeparam name="TKey">A key.</typeparam>
                    /// <typeparam name="TValue">A value.</typeparam>
                    public partial struct Pair<TKey, TValue>
                    {
                        /// <summary>A network inside two generic types.</summary>
                        [Network(12, 8, 4)]
                        public partial class Net { }
                    }

                    /// <summary>A blocked network inside a generic type.</summary>
                    [Network(64, 16, 10)]
                    public partial class Wide { }
                }
            }
            """, 2),

        ["user constructors"] = ("""
            using Backprop;

            namespace Samples;

            /// <summary>A network with a constructor of its own (the generator adds the parameterless one).</summary>
            [Network(4, 16, 2)]
            public partial class WithConstructor
            {
                /// <summary>Labels the network.</summary>
                /// <param name="label">The label.</param>
                public WithConstructor(int label) => Label = label;

                /// <summary>The label.</summary>
                public int Label { get; }
            }

            /// <summary>A network that writes its own parameterless constructor.</summary>
            [Network(4, 16, 2)]
            public partial class WithParameterlessConstructor
            {
                /// <summary>Creates the network.</summary>
                public WithParameterlessConstructor() => Label = 7;

                /// <summary>The label.</summary>
                public int Label { get; }
            }
            """, 2),

        ["global namespace and a namespace shadowing System and Backprop"] = ("""
            using Backprop;

            /// <summary>In the global namespace.</summary>
            [Network(8, 8, 8)]
            public partial class GlobalNet { }

            namespace Contoso.System.Backprop.Runtime
            {
                /// <summary>'System' and 'Backprop' here mean Contoso's: generated code must say global::.</summary>
                [global::Backprop.Network(20, 10, 2)]
                public partial class Shadowed { }

                /// <summary>Shadows System.Span.</summary>
                public sealed class Span { }

                /// <summary>Shadows Backprop.Kernels.</summary>
                public static class Kernels { }
            }
            """, 2),
    };

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Generated_code_compiles_without_any_warning(string name)
    {
        (string source, int files) = Cases[name];
        CSharpCompilation input = Harness.CreateCompilation(
            Harness.ParseOptions.WithDocumentationDiagnostics(), OptimizationLevel.Release, source);

        GeneratorRun run = Harness.Run(input);

        run.AssertGeneratorDidNotThrow();
        Assert.Empty(run.Diagnostics);
        Assert.Equal(files, run.HintNames.Count());
        IReadOnlyList<Diagnostic> problems = run.CompilationWarningsAndErrors();
        Assert.True(problems.Count == 0, GeneratorRun.Describe(problems));
    }

    [Fact]
    public void Generated_code_compiles_at_CSharp_11()
    {
        // C# 11 is the oldest version that can implement INetwork's static abstract members: the
        // emitter must not use anything newer (collection expressions, primary constructors...).
        CSharpCompilation input = Harness.CreateCompilation(
            Harness.ParseOptions.WithLanguageVersion(LanguageVersion.CSharp11).WithDocumentationDiagnostics(),
            OptimizationLevel.Release,
            Cases["784-30-10"].Source,
            Cases["forced full unroll"].Source.Replace("namespace Samples;", "namespace Samples.Unrolled;", System.StringComparison.Ordinal),
            Cases["nested in generic containers"].Source);

        GeneratorRun run = Harness.Run(input);

        run.AssertGeneratorDidNotThrow();
        Assert.Empty(run.Diagnostics);
        Assert.Equal(4, run.HintNames.Count());
        IReadOnlyList<Diagnostic> problems = run.CompilationWarningsAndErrors();
        Assert.True(problems.Count == 0, GeneratorRun.Describe(problems));
    }

    [Fact]
    public void The_strict_settings_do_report_warnings()
    {
        // Guards the test above: the same settings must catch a missing doc comment, a nullable
        // slip and a warning-wave warning in ordinary code.
        CSharpCompilation input = Harness.CreateCompilation(
            Harness.ParseOptions.WithDocumentationDiagnostics(), OptimizationLevel.Release, """
            public class Undocumented
            {
                public string Name = null;
            }

            /// <summary>A lower-case type name, warned about from warning wave 7 on.</summary>
            public class lowercase { }
            """);

        IEnumerable<string> ids = Harness.Run(input).CompilationWarningsAndErrors().Select(d => d.Id);

        Assert.Contains("CS1591", ids);
        Assert.Contains("CS8625", ids);
        Assert.Contains("CS8981", ids);
    }
}
