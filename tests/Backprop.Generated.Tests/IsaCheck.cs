using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Runtime.Intrinsics;
using Xunit;

namespace Backprop.Generated.Tests;

/// <summary>
/// The test assembly's entry point (the test runner never calls it). <c>isa-check</c> runs every
/// numerical contract test (<see cref="NetworkContractTests{TNet}"/> and <see cref="LayerContractTests{TNet}"/>) in this process and reports
/// which vector path the generated code takes here and which instruction sets the runtime lets it use:
/// <see cref="IsaFallbackTests"/> starts it with AVX-512, AVX2 or all hardware intrinsics disabled, so the
/// narrower paths are checked on this machine. <c>vector-path</c> reports the path and instruction sets only.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args is [SaveLoop.Command, string savePath]) return SaveLoop.Run(savePath);
        if (args is ["same-bits"]) return SameBitsTests.Record();
        if (args is ["vector-path"])
        {
            ReportPath();
            return 0;
        }
        if (args is not ["isa-check"])
        {
            Console.Error.WriteLine("usage: dotnet Backprop.Generated.Tests.dll isa-check | vector-path");
            return 2;
        }

        ReportPath();
        List<ContractCase> cases = ContractCases().ToList();
        Console.WriteLine($"contract cases: {cases.Count}");
        int passed = 0;
        var failures = new List<string>();
        foreach (ContractCase contract in cases)
        {
            try
            {
                contract.Method.Invoke(Activator.CreateInstance(contract.Type), contract.Arguments);
                passed++;
            }
            catch (TargetInvocationException e)
            {
                failures.Add($"{contract.Name}: {e.InnerException?.Message}");
            }
        }

        foreach (string failure in failures)
        {
            Console.WriteLine("FAILED " + failure);
        }
        Console.WriteLine($"passed: {passed}, failed: {failures.Count}");
        return failures.Count == 0 && passed > 0 ? 0 : 1;
    }

    private static void ReportPath()
    {
        Console.WriteLine($"vector path: {VectorPath}");
        Console.WriteLine($"instruction sets: {InstructionSets}");
    }

    /// <summary>The widest vectors the generated code uses here (its dispatch order).</summary>
    public static string VectorPath =>
        Vector512.IsHardwareAccelerated ? "Vector512"
        : Vector256.IsHardwareAccelerated ? "Vector256"
        : Vector128.IsHardwareAccelerated ? "Vector128"
        : "scalar";

    /// <summary>What the runtime reports as usable, e.g. <c>AVX512F=False AVX2=True SSE2=True AdvSimd=False</c>.</summary>
    public static string InstructionSets =>
        $"AVX512F={System.Runtime.Intrinsics.X86.Avx512F.IsSupported} AVX2={System.Runtime.Intrinsics.X86.Avx2.IsSupported} " +
        $"SSE2={System.Runtime.Intrinsics.X86.Sse2.IsSupported} AdvSimd={System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported}";

    /// <summary>One run of one contract test: a fact, or a theory with one InlineData's arguments.</summary>
    public sealed record ContractCase(Type Type, MethodInfo Method, object?[] Arguments)
    {
        public string Name => $"{Type.Name}.{Method.Name}({string.Join(", ", Arguments)})";
    }

    /// <summary>Every case of every concrete contract class, in a stable order: what xunit runs of them.</summary>
    public static IEnumerable<ContractCase> ContractCases() =>
        from type in typeof(Program).Assembly.GetTypes().Where(IsContractClass).OrderBy(t => t.Name, StringComparer.Ordinal)
        from method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance).OrderBy(m => m.Name, StringComparer.Ordinal)
        from arguments in Cases(method)
        select new ContractCase(type, method, arguments);

    private static bool IsContractClass(Type type)
    {
        for (Type? t = type; t is not null; t = t.BaseType)
        {
            if (t.IsGenericType && (t.GetGenericTypeDefinition() == typeof(NetworkContractTests<>) || t.GetGenericTypeDefinition() == typeof(LayerContractTests<>)))
            {
                return !type.IsAbstract;
            }
        }
        return false;
    }

    /// <summary>The argument lists xunit would run: none for a fact, each InlineData of a theory.</summary>
    private static IEnumerable<object?[]> Cases(MethodInfo method)
    {
        if (method.GetCustomAttribute<TheoryAttribute>() is not null)
        {
            // Only InlineData is understood here: a theory fed otherwise would silently not run in the child.
            if (method.GetCustomAttributes<Xunit.Sdk.DataAttribute>().Any(data => data is not InlineDataAttribute))
            {
                throw new InvalidOperationException($"{method.DeclaringType?.Name}.{method.Name}: isa-check runs InlineData theories only.");
            }
            return method.GetCustomAttributes<InlineDataAttribute>().SelectMany(data => data.GetData(method));
        }
        return method.GetCustomAttribute<FactAttribute>() is not null ? [Array.Empty<object?>()] : [];
    }
}
