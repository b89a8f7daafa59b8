using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Runtime.Loader;
using System.Text;
using System.Threading.Tasks;
using Backprop.Generated.Generator.Tests.Infrastructure;
using CsCheck;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;
using Xunit;
using Xunit.Abstractions;

namespace Backprop.Generated.Generator.Tests;

/// <summary>
/// Property-based tests of the generator: random network declarations (layer sizes from 0, negative and huge to
/// 33 layers; every activation, cost and unroll form with undefined values; missing weights files; namespaces,
/// nested, generic, non-partial containers; records, static and abstract classes; keyword and unicode names; C# 10)
/// are generated with CsCheck from fixed seeds. For every one the generator must not throw, and either it reports a
/// BPG error or the output compiles without a warning or an error. One in <see cref="GradientSampleRate"/> of the
/// small valid networks is emitted, loaded into a collectible context, and its Backprop gradient compared with
/// central differences of its own Evaluate cost.
/// </summary>
public sealed class GeneratorPropertyTests(ITestOutputHelper output)
{
    /// <summary>Declarations per seed: bounded so that the class runs in well under 30 s on 2 cores.</summary>
    private const int Iterations = 48;

    private const int GradientSampleRate = 2;

    [Theory]
    [InlineData(1UL)]
    [InlineData(2UL)]
    [InlineData(3UL)]
    public void Random_declarations_never_crash_the_generator_and_are_reported_or_compile(ulong seed)
    {
        var counts = new ConcurrentDictionary<string, int>();
        var failures = new ConcurrentBag<string>();
        var times = new ConcurrentBag<(double Seconds, string Source)>();
        Parallel.For(0, Iterations, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
        {
            // One PCG per iteration, so that any one declaration can be replayed from its seed string
            // (Check.Sample(Declarations, ..., seed: that string)).
            var pcg = new PCG((uint)seed, (ulong)i);
            string replay = pcg.ToString();
            Declaration declaration = Declarations.Generate(pcg, null!, out _);
            var watch = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                foreach (string outcome in CheckProperty(declaration, sampleGradient: i % GradientSampleRate == 0))
                {
                    counts.AddOrUpdate(outcome, 1, (_, n) => n + 1);
                }
            }
#pragma warning disable CA1031 // Every failure is collected and reported with its input.
            catch (Exception e)
#pragma warning restore CA1031
            {
                failures.Add($"seed {replay}:{Environment.NewLine}{declaration.Source}{Environment.NewLine}{e}");
            }
            times.Add((watch.Elapsed.TotalSeconds, declaration.Source));
        });

        foreach (KeyValuePair<string, int> count in counts.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"{count.Key}: {count.Value}");
        }
        (double slowest, string slowestSource) = times.Max();
        output.WriteLine($"{Iterations} declarations, {times.Sum(t => t.Seconds):F1} s in all; the slowest, {slowest:F2} s:{Environment.NewLine}{slowestSource}");
        Assert.True(failures.IsEmpty, $"{failures.Count} of {Iterations} declarations broke the property:{Environment.NewLine}{string.Join(Environment.NewLine + Environment.NewLine, failures.Take(3))}");
        // The generator explores both sides: invalid declarations and networks that compile.
        Assert.True(counts.GetValueOrDefault("compiled") > Iterations / 10, "too few valid declarations");
        Assert.True(counts.Keys.Count(k => k.StartsWith("BPG", StringComparison.Ordinal)) > 5, "too few kinds of diagnostics");
    }

    [Fact]
    public void A_declaration_replays_from_its_seed()
    {
        var first = new PCG(1, 7);
        var second = PCG.Parse(first.ToString());
        Assert.Equal(Declarations.Generate(first, null!, out _).Source, Declarations.Generate(second, null!, out _).Source);
    }

    /// <summary>
    /// Found by the property above: the generator escaped reserved keywords only, so a type or namespace named by a
    /// contextual keyword was re-declared bare: <c>partial class file</c> did not parse (CS8124, CS1519...) and
    /// <c>partial class var</c> warned CS8981 in the generated file, where the user's <c>@var</c> does not.
    /// </summary>
    [Theory]
    [InlineData("@file")]
    [InlineData("@var")]
    [InlineData("@record")]
    [InlineData("@partial")]
    [InlineData("@async")]
    [InlineData("@net")]
    public void Contextual_keyword_names_are_escaped_in_the_generated_code(string name)
    {
        string source = $$"""
            using Backprop;

            namespace @record.@var
            {
                public partial class @file<@value>
                {
                    public partial struct @nameof
                    {
                        [Network(2, 3, 2)]
                        internal partial class {{name}} { }
                    }
                }
            }
            """;
        GeneratorRun run = Harness.Run(source);
        run.AssertGeneratorDidNotThrow();
        Assert.Empty(run.Diagnostics);
        Assert.True(run.CompilationWarningsAndErrors().Count == 0, GeneratorRun.Describe(run.CompilationWarningsAndErrors()));
    }

    /// <summary>
    /// The property for one declaration; the outcomes it counts: "compiled", each BPG error's id, "gradient-checked".
    /// </summary>
    private static IEnumerable<string> CheckProperty(Declaration declaration, bool sampleGradient)
    {
        var outcomes = new List<string>();
        CSharpParseOptions parseOptions = Harness.ParseOptions.WithLanguageVersion(declaration.LanguageVersion);
        GeneratorRun run = Harness.Run(Harness.CreateCompilation(parseOptions, OptimizationLevel.Release, declaration.Source));
        run.AssertGeneratorDidNotThrow();
        Diagnostic[] analyzerCrashes = run.Output.GetDiagnostics().Where(d => d.Id == "AD0001").ToArray();
        Assert.True(analyzerCrashes.Length == 0, GeneratorRun.Describe(analyzerCrashes));

        string[] errors = run.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.Id).Distinct().ToArray();
        if (errors.Length > 0)
        {
            Assert.All(errors, id => Assert.StartsWith("BPG", id, StringComparison.Ordinal));
            outcomes.AddRange(errors);
            return outcomes;
        }

        // No BPG error: the network is generated, and the whole compilation is clean.
        Assert.True(run.HintNames.Any(), "nothing generated: " + GeneratorRun.Describe(run.Output.GetDiagnostics()));
        IReadOnlyList<Diagnostic> problems = run.CompilationWarningsAndErrors();
        Assert.True(problems.Count == 0, GeneratorRun.Describe(problems) + Environment.NewLine + string.Join(Environment.NewLine, run.Generator.GeneratedSources.Select(s => s.HintName)));
        outcomes.Add("compiled");

        if (sampleGradient && declaration.Gradientable)
        {
            CheckGradient(run);
            outcomes.Add("gradient-checked");
        }
        return outcomes;
    }

    /// <summary>Emits the network, loads it into a collectible context and runs <see cref="Gradient{TNet}"/> on it.</summary>
    private static void CheckGradient(GeneratorRun run)
    {
        using var image = new MemoryStream();
        EmitResult emitted = run.Output.Emit(image);
        Assert.True(emitted.Success, GeneratorRun.Describe(emitted.Diagnostics));
        var context = new AssemblyLoadContext(nameof(GeneratorPropertyTests), isCollectible: true);
        try
        {
            image.Position = 0;
            Type type = Assert.Single(context.LoadFromStream(image).GetTypes(),
                t => t.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(INetwork<>)));
            MethodInfo check = typeof(GeneratorPropertyTests).GetMethod(nameof(Gradient), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(type);
            try
            {
                check.Invoke(null, null);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            }
        }
        finally
        {
            context.Unload();
        }
    }

    /// <summary>
    /// Backprop's gradient against central differences (h = 1e-2, in float) of Evaluate's cost, on up to 8
    /// parameters spread over the network: within 1e-2 of the gradient's scale. A step can cross a ReLU's kink, so
    /// networks with one may miss on a quarter of them.
    /// </summary>
    private static void Gradient<TNet>() where TNet : class, INetwork<TNet>
    {
        const float h = 1e-2f;
        var random = new DeterministicRandom(11);
        TNet network = TNet.Create(3);
        var x = new float[TNet.InputSize];
        var y = new float[TNet.OutputSize];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)random.NextDouble();
        }
        if (TNet.Cost == CostKind.LogLikelihood)
        {
            y[random.NextInt32(y.Length)] = 1;
        }
        else
        {
            for (int k = 0; k < y.Length; k++)
            {
                y[k] = (float)random.NextDouble();
            }
        }

        var gradient = new float[TNet.ParameterCount];
        var outputs = new float[TNet.OutputSize];
        float cost = network.Backprop(x, y, gradient);
        float evaluated = network.Evaluate(x, y, outputs);
        Assert.True(float.IsFinite(cost) && Math.Abs(cost - evaluated) <= 1e-5 * Math.Max(1, Math.Abs(cost)), $"Backprop's cost {cost:R}, Evaluate's {evaluated:R}");

        double scale = Math.Max(1, gradient.Max(Math.Abs));
        int count = Math.Min(8, TNet.ParameterCount), missed = 0;
        var misses = new List<string>();
        for (int j = 0; j < count; j++)
        {
            int k = (int)((long)j * TNet.ParameterCount / count) + random.NextInt32(Math.Max(1, TNet.ParameterCount / count));
            float original = network.Parameters[k];
            network.Parameters[k] = original + h;
            float plus = network.Evaluate(x, y, outputs);
            network.Parameters[k] = original - h;
            float minus = network.Evaluate(x, y, outputs);
            network.Parameters[k] = original;
            double numeric = ((double)plus - minus) / (2 * h);
            if (Math.Abs(gradient[k] - numeric) > 1e-2 * scale)
            {
                missed++;
                misses.Add($"∂C/∂θ[{k}]: backprop {gradient[k]:R}, central difference {numeric:R}");
            }
        }
        bool kinked = TNet.Activations.ToArray().Any(a => a is ActivationKind.ReLU or ActivationKind.LeakyReLU);
        Assert.True(kinked ? missed * 4 <= count : missed == 0,
            $"{string.Join(", ", TNet.Activations.ToArray())} / {TNet.Cost}, {string.Join('-', TNet.LayerSizes.ToArray())}: {string.Join("; ", misses)}");
    }

    // ---- The declarations ----

    /// <summary>One generated source file holding one [Network] class.</summary>
    internal sealed record Declaration(string Source, LanguageVersion LanguageVersion, bool Gradientable)
    {
        public override string ToString() => Source;
    }

    private sealed record Container(string Keywords, string Name, string TypeParameters);

    private static readonly Gen<int> Size = Gen.Frequency(
        (40, Gen.Int[1, 6]),
        (6, Gen.Int[7, 40]),
        (1, Gen.Const(0)),
        (1, Gen.Int[-5, -1]),
        (1, Gen.OneOf(int.MinValue, int.MaxValue, 32_768, 100_000, 1 << 20, 20_000)));

    private static readonly Gen<int[]?> Sizes = Gen.Frequency(
        (30, Gen.Int[2, 4]),
        (3, Gen.Int[0, 1]),
        (2, Gen.Int[5, 12]),
        (2, Gen.OneOf(32, 33)))
        .SelectMany(n => Size.Array[n])
        .Select(sizes => (int[]?)sizes)
        .Frequency2(Gen.Const((int[]?)null));

    /// <summary>An ActivationKind value: mostly defined ones (softmax among them), sometimes not (0, 7, 99, −1).</summary>
    private static readonly Gen<int> ActivationValue = Gen.Frequency((12, Gen.Int[1, 6]), (1, Gen.OneOf(0, 7, 99, -1)));

    private static readonly Gen<string> Activations = Gen.Int[0, 9].SelectMany(mode => mode switch
    {
        // Nothing: sigmoid everywhere.
        <= 2 => Gen.Const(string.Empty),
        // The shorthands, each optional.
        <= 5 => Gen.Select(ActivationValue, ActivationValue, Gen.Bool, Gen.Bool, (hidden, output, hasHidden, hasOutput) =>
            (hasHidden ? $", HiddenActivation = {Enum("ActivationKind", typeof(ActivationKind), hidden)}" : string.Empty)
            + (hasOutput ? $", OutputActivation = {Enum("ActivationKind", typeof(ActivationKind), output)}" : string.Empty)),
        // The array: of the right length (marked by -1 here, fixed up once the sizes are known) or any, maybe with a shorthand.
        <= 8 => Gen.Select(Gen.Frequency((4, Gen.Const(-1)), (1, Gen.Int[0, 5])), ActivationValue.Array[0, 40], Gen.Int[0, 9], (length, values, extra) =>
            $", Activations = {{{length}:{string.Join(',', values)}}}" + (extra == 0 ? ", OutputActivation = ActivationKind.Softmax" : string.Empty)),
        _ => Gen.Const(", Activations = null"),
    });

    private static readonly Gen<string> Cost = Gen.Frequency(
        (6, Gen.Const(string.Empty)),
        (4, Gen.Int[1, 3].Select(v => $", Cost = {Enum("CostKind", typeof(CostKind), v)}")),
        (1, Gen.OneOf(0, 4, 99, -7).Select(v => $", Cost = {Enum("CostKind", typeof(CostKind), v)}")));

    private static readonly Gen<string> Unroll = Gen.Frequency(
        (5, Gen.Const(string.Empty)),
        (4, Gen.Int[0, 2].Select(v => $", Unroll = {Enum("UnrollMode", typeof(UnrollMode), v)}")),
        (1, Gen.OneOf(3, -1, 99).Select(v => $", Unroll = {Enum("UnrollMode", typeof(UnrollMode), v)}")));

    private static readonly Gen<string> Weights = Gen.Frequency(
        (12, Gen.Const(string.Empty)),
        (1, Gen.Const(", Weights = null")),
        (2, Gen.OneOf("missing.bpnet.b64", "", " ", "../../x.b64", "C:\\models\\m.b64", "ünïcødé.b64", "a\"b.b64", "Models/")
            .Select(name => $", Weights = {SymbolDisplay.FormatLiteral(name, quote: true)}")));

    private static readonly Gen<string> Name = Gen.Frequency(
        (20, Gen.Int[0, 99].Select(i => $"Net{i}")),
        (2, Gen.OneOf("@class", "@event", "@record", "@var", "@partial", "@file")),
        (2, Gen.OneOf("Réseau", "Сеть", "网络", "Δelta", "_Net", "Net_1", "ℕet", "Net\u0301")),
        (1, Gen.OneOf("Forward", "Create", "Parameters", "Backprop", "CreateTrained", "Cost", "Layer2")));

    private static readonly Gen<string> Namespace = Gen.Frequency(
        (5, Gen.Const(string.Empty)),
        (4, Gen.OneOf("Nets", "A.B.C", "@class.@event", "Ünï.空间", "Backprop.Tests", "System.Nets")));

    private static readonly Gen<Container> ContainerGen = Gen.Select(
        Gen.Frequency(
            (6, Gen.Const("partial class")), (3, Gen.Const("partial struct")), (2, Gen.Const("partial record")),
            (2, Gen.Const("partial record struct")), (1, Gen.Const("readonly partial struct")), (1, Gen.Const("ref partial struct")),
            (2, Gen.Const("static partial class")), (1, Gen.Const("partial interface")), (2, Gen.Const("abstract partial class")),
            (2, Gen.Const("class")), (2, Gen.Const("struct")), (1, Gen.Const("static class")), (1, Gen.Const("record"))),
        Gen.Int[0, 9],
        (keywords, generic) => new Container(keywords, string.Empty, generic switch { 0 => "<{0}>", 1 => "<{0}, {0}b>", _ => string.Empty }));

    /// <summary>Every declaration, as one source file.</summary>
    internal static readonly Gen<Declaration> Declarations =
        Gen.Select(Sizes, Activations, Cost, Unroll, Weights, Name, Namespace, Gen.Int[0, 2])
        .SelectMany(t => Gen.Select(
            Gen.Frequency((12, Gen.Const(0)), (3, Gen.Const(1)), (2, Gen.Const(2)), (1, Gen.Const(3))).SelectMany(n => ContainerGen.Array[n]),
            // The network: kind and modifiers; 0 plain partial class, then sealed, record, non-partial, static, abstract, generic, file.
            Gen.Frequency((30, Gen.Const(0)), (2, Gen.Int[1, 8])),
            // Its constructors: none, a public or private parameterless one, a primary one with or without one.
            Gen.Frequency((20, Gen.Const(0)), (1, Gen.Int[1, 4])),
            Gen.Int[0, 19],
            (containers, kind, constructor, language) => Render(t.Item1, t.Item2, t.Item3, t.Item4, t.Item5, t.Item6, t.Item7, t.Item8, containers, kind, constructor, language)));

    private static Declaration Render(
        int[]? sizes, string activations, string cost, string unroll, string weights, string name, string ns, int namespaceForm,
        Container[] containers, int kind, int constructor, int language)
    {
        LanguageVersion version = language == 0 ? LanguageVersion.CSharp10 : LanguageVersion.Latest;
        bool topLevel = containers.Length == 0;
        if (name == "Backprop" && ns.Length == 0)
        {
            // A global type named Backprop hides the runtime's namespace: the input itself would not compile.
            name = "BackpropNet";
        }
        var s = new StringBuilder("using Backprop;\n\n");
        string indent = string.Empty;
        if (ns.Length > 0 && namespaceForm == 0)
        {
            s.Append($"namespace {ns};\n\n");
        }
        else if (ns.Length > 0)
        {
            s.Append($"namespace {ns}\n{{\n");
            indent = "    ";
        }
        for (int i = 0; i < containers.Length; i++)
        {
            Container c = containers[i];
            string containerParameters = c.TypeParameters.Length == 0 ? string.Empty : string.Format(System.Globalization.CultureInfo.InvariantCulture, c.TypeParameters, $"T{i}");
            s.Append($"{indent}public {c.Keywords} Outer{i}{containerParameters}\n{indent}{{\n");
            indent += "    ";
        }

        // Activations = {n:v,v,...}: n values (n = -1: one per weight layer), rendered as an array.
        if (activations.StartsWith(", Activations = {", StringComparison.Ordinal))
        {
            int colon = activations.IndexOf(':', StringComparison.Ordinal), close = activations.IndexOf('}', StringComparison.Ordinal);
            int length = int.Parse(activations[17..colon], System.Globalization.CultureInfo.InvariantCulture);
            int[] values = activations[(colon + 1)..close].Split(',', StringSplitOptions.RemoveEmptyEntries)
                .Select(v => int.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            if (length < 0)
            {
                length = Math.Max(0, (sizes?.Length ?? 0) - 1);
            }
            IEnumerable<string> items = Enumerable.Range(0, length).Select(i => Enum("ActivationKind", typeof(ActivationKind), i < values.Length ? values[i] : 1));
            activations = $", Activations = new ActivationKind[] {{ {string.Join(", ", items)} }}" + activations[(close + 1)..];
        }

        string arguments = sizes is null ? "null" : string.Join(", ", sizes);
        s.Append($"{indent}[Network({arguments}{activations}{cost}{unroll}{weights})]\n");
        string modifiers = kind switch
        {
            1 => "public sealed partial class",
            2 => "public partial record",
            3 => "public class",
            4 => "public static partial class",
            5 => "public abstract partial class",
            6 => "internal partial record class",
            8 when topLevel && version != LanguageVersion.CSharp10 => "file partial class",
            _ => containers.Length > 0 && containers[^1].Keywords.Contains("interface", StringComparison.Ordinal) ? "public partial class" : "internal partial class",
        };
        string typeParameters = kind == 7 ? "<TNet>" : string.Empty;
        string body = kind == 4 ? "{ }" : constructor switch
        {
            1 => "{ public " + name + "() { } }",
            2 => "{ private " + name + "() { } }",
            3 => "(int seed) { public int Seed { get; } = seed; }",
            4 => "(int seed) { public " + name + "() : this(0) { } public int Seed { get; } = seed; }",
            _ => "{ }",
        };
        if (kind == 4 && constructor >= 3)
        {
            body = "{ }";
        }
        s.Append($"{indent}{modifiers} {name}{typeParameters}{(body.StartsWith('(') ? string.Empty : " ")}{body}\n");
        while (indent.Length > 0)
        {
            indent = indent[4..];
            s.Append($"{indent}}}\n");
        }

        bool small = sizes is { Length: >= 2 and <= 4 } && sizes.All(size => size is >= 1 and <= 8);
        bool gradientable = small && containers.All(c => c.TypeParameters.Length == 0);
        return new Declaration(s.ToString(), version, gradientable);
    }

    /// <summary>An enum value as C#: its member when defined, a cast otherwise.</summary>
    private static string Enum(string typeName, Type type, int value) =>
        System.Enum.IsDefined(type, value) ? $"{typeName}.{System.Enum.GetName(type, value)}" : value < 0 ? $"({typeName})({value})" : $"({typeName}){value}";
}

/// <summary>CsCheck helpers the declarations use.</summary>
internal static class GenExtensions
{
    /// <summary><paramref name="gen"/> 19 times in 20, <paramref name="rare"/> otherwise.</summary>
    public static Gen<T> Frequency2<T>(this Gen<T> gen, Gen<T> rare) => Gen.Frequency((19, gen), (1, rare));
}
