using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Reflection.Emit;
using System.Text;
using Backprop.Generated.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Emit;
using Xunit;
using Xunit.Abstractions;

namespace Backprop.Generated.Generator.Tests;

/// <summary>
/// The JIT compiles a method without optimisation ("switched to MinOpts") past about 20,000 IL
/// instructions, 60,000 IL bytes, 2,000 locals, 2,000 basic blocks or 8,000 local references.
/// Every method of every generated network must stay well below: 4× below for instructions,
/// locals, blocks and references, and below the byte limit itself.
/// </summary>
public sealed class JitLimitTests(ITestOutputHelper output)
{
    private const int MaxInstructions = 5_000;
    private const int MaxIlBytes = 60_000;
    private const int MaxLocals = 500;
    private const int MaxBasicBlocks = 500;
    private const int MaxLocalReferences = 2_000;

    /// <summary>
    /// The widest layers <c>UnrollMode.Auto</c> still unrolls, as many as fit in
    /// <see cref="Limits.MaxUnrolledInstructions"/> (checked in <see cref="The_largest_unrolled_networks_are_at_the_limit"/>).
    /// </summary>
    private const string LargestAutoUnrolled = "1, 7, 7, 7, 7";

    /// <summary>
    /// The most code <c>UnrollMode.Full</c> still unrolls: one neuron feeding a wide output layer
    /// (every output neuron costs locals and statements of its own).
    /// </summary>
    private const string LargestFullUnrolled = "1, 1, 61, Unroll = UnrollMode.Full";

    [Fact]
    public void The_largest_unrolled_networks_are_at_the_limit()
    {
        Assert.InRange(Limits.EstimateUnrolledInstructions([1, 7, 7, 7, 7]), Limits.MaxUnrolledInstructions - 600, Limits.MaxUnrolledInstructions);
        Assert.True(Limits.EstimateUnrolledInstructions([1, 7, 7, 7, 7, 7]) > Limits.MaxUnrolledInstructions);
        Assert.InRange(Limits.EstimateUnrolledInstructions([1, 1, 61]), Limits.MaxUnrolledInstructions - 100, Limits.MaxUnrolledInstructions);
        Assert.True(Limits.EstimateUnrolledInstructions([1, 1, 62]) > Limits.MaxUnrolledInstructions);
    }

    private static readonly (string Name, string Arguments, bool Unrolled)[] Networks =
    {
        ("784-30-10", "784, 30, 10", false),
        ("784-100-10", "784, 100, 10", false),
        ("4096-2048-10", "4096, 2048, 10", false),
        ("784-128-64-32-10", "784, 128, 64, 32, 10", false),
        ("784-100-10 ReLU + softmax", "784, 100, 10, HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Softmax", false),
        ("784-100-10 tanh + softmax quadratic", "784, 100, 10, HiddenActivation = ActivationKind.Tanh, OutputActivation = ActivationKind.Softmax, Cost = CostKind.Quadratic", false),
        ($"largest Auto unroll ({LargestAutoUnrolled})", LargestAutoUnrolled, true),
        ($"largest Full unroll ({LargestFullUnrolled.Split(", Unroll", StringSplitOptions.None)[0]})", LargestFullUnrolled, true),
    };

    [Fact]
    public void Every_generated_method_stays_far_from_the_JIT_limits()
    {
        var largest = new List<(string Network, MethodMeasure Method)>();
        var failures = new List<string>();
        for (int i = 0; i < Networks.Length; i++)
        {
            (string name, string arguments, bool unrolled) = Networks[i];
            IReadOnlyList<MethodMeasure> methods = Measure($"Net{i}", arguments, unrolled);
            largest.Add((name, methods.MaxBy(m => m.Instructions)!));
            foreach (MethodMeasure m in methods)
            {
                Check(failures, name, m, "IL instructions", m.Instructions, MaxInstructions);
                Check(failures, name, m, "IL bytes", m.IlBytes, MaxIlBytes);
                Check(failures, name, m, "locals", m.Locals, MaxLocals);
                Check(failures, name, m, "basic blocks", m.BasicBlocks, MaxBasicBlocks);
                Check(failures, name, m, "local references", m.LocalReferences, MaxLocalReferences);
            }
        }

        var table = new StringBuilder();
        table.AppendLine(CultureInfo.InvariantCulture, $"{"network",-40} {"largest method",-24} {"IL instr",8} {"IL bytes",8} {"locals",6} {"blocks",6} {"loc refs",8}");
        foreach ((string network, MethodMeasure m) in largest)
        {
            table.AppendLine(CultureInfo.InvariantCulture, $"{network,-40} {m.Method,-24} {m.Instructions,8} {m.IlBytes,8} {m.Locals,6} {m.BasicBlocks,6} {m.LocalReferences,8}");
        }
        output.WriteLine(table.ToString());
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures) + Environment.NewLine + table);
    }

    [Fact]
    public void The_IL_decoder_counts_what_was_emitted()
    {
        // A method of known shape, written with System.Reflection.Emit: 18 instructions (one- and
        // two-byte opcodes; 1-, 2-, 4- and 8-byte operands; a switch), 3 locals, 5 basic blocks.
        var assembly = new PersistedAssemblyBuilder(new AssemblyName("IlProbe"), typeof(object).Assembly);
        TypeBuilder type = assembly.DefineDynamicModule("IlProbe").DefineType("Probe", TypeAttributes.Public | TypeAttributes.Class);
        ILGenerator il = type.DefineMethod("M", MethodAttributes.Public | MethodAttributes.Static, typeof(long), new[] { typeof(int) }).GetILGenerator();
        LocalBuilder result = il.DeclareLocal(typeof(long));
        il.DeclareLocal(typeof(double));
        il.DeclareLocal(typeof(string));
        Label first = il.DefineLabel(), second = il.DefineLabel(), end = il.DefineLabel();
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Switch, new[] { first, second });
        il.Emit(OpCodes.Ldc_I8, 5L);
        il.Emit(OpCodes.Stloc, result);
        il.Emit(OpCodes.Br, end);
        il.MarkLabel(first);
        il.Emit(OpCodes.Ldc_R8, 2.5);
        il.Emit(OpCodes.Stloc_1);
        il.Emit(OpCodes.Ldstr, "x");
        il.Emit(OpCodes.Stloc_2);
        il.Emit(OpCodes.Ldc_I4_S, (sbyte)7);
        il.Emit(OpCodes.Conv_I8);
        il.Emit(OpCodes.Stloc, result);
        il.Emit(OpCodes.Br_S, end);
        il.MarkLabel(second);
        il.Emit(OpCodes.Ldc_I4, 1000);
        il.Emit(OpCodes.Conv_I8);
        il.Emit(OpCodes.Stloc, result);
        il.MarkLabel(end);
        il.Emit(OpCodes.Ldloc, (short)0); // the two-byte form, FE 0C
        il.Emit(OpCodes.Ret);
        type.CreateType();
        using var stream = new MemoryStream();
        assembly.Save(stream);

        MethodMeasure m = Assert.Single(IlInspector.Measure(stream.ToArray(), "Probe"), m => m.Method == "M");

        Assert.Equal(18, m.Instructions);
        Assert.Equal(63, m.IlBytes);
        Assert.Equal(3, m.Locals);
        Assert.Equal(5, m.BasicBlocks);
        Assert.Equal(6, m.LocalReferences);
    }

    private static void Check(List<string> failures, string network, MethodMeasure method, string what, int value, int limit)
    {
        if (value >= limit)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{network}: {method.Name} has {value:N0} {what} (limit {limit:N0})."));
        }
    }

    /// <summary>Generates the network, compiles it in Release and measures every method of its type.</summary>
    private static IReadOnlyList<MethodMeasure> Measure(string typeName, string arguments, bool unrolled)
    {
        GeneratorRun run = Harness.Run(Harness.CreateCompilation(Harness.ParseOptions, OptimizationLevel.Release, $$"""
            using Backprop;

            namespace Samples;

            [Network({{arguments}})]
            public partial class {{typeName}} { }
            """));
        run.AssertGeneratorDidNotThrow();
        Assert.Empty(run.Diagnostics);
        Assert.Contains(unrolled ? "unrolled straight-line code." : "blocked SIMD code.", run.Source($"Samples.{typeName}.Network.g.cs"), StringComparison.Ordinal);

        using var image = new MemoryStream();
        EmitResult emitted = run.Output.Emit(image);
        Assert.True(emitted.Success, GeneratorRun.Describe(emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        // The network type and its kernels, which live in a file-local class (metadata name <file>F…__{typeName}Kernels).
        IReadOnlyList<MethodMeasure> methods = IlInspector.Measure(image.ToArray(),
            name => name == $"Samples.{typeName}" || name.StartsWith($"Samples.{typeName}+", StringComparison.Ordinal)
                || name.EndsWith($"__{typeName}Kernels", StringComparison.Ordinal));
        Assert.Contains(methods, m => m.Method == "Backprop");
        Assert.Contains(methods, m => m.Method == (unrolled ? "BackpropUnrolled" : "TrainBatchCore"));
        return methods;
    }
}
