using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Runtime.Intrinsics;
using Xunit;

namespace Backprop.Generated.Tests;

/// <summary>
/// The test assembly's entry point (the test runner never calls it). <c>isa-check</c> runs every
/// numerical contract test (<see cref="NetworkContractTests{TNet}"/>) in this process and reports
/// which vector path the generated code takes here: <see cref="IsaFallbackTests"/> starts it with
/// AVX-512, AVX2 or all hardware intrinsics disabled, so the narrower paths are checked on this machine.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args is not ["isa-check"])
        {
            Console.Error.WriteLine("usage: dotnet Backprop.Generated.Tests.dll isa-check");
            return 2;
        }

        Console.WriteLine($"vector path: {VectorPath}");
        int passed = 0;
        var failures = new List<string>();
        foreach (Type type in typeof(Program).Assembly.GetTypes().Where(IsContractClass).OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            foreach (MethodInfo method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance).OrderBy(m => m.Name, StringComparer.Ordinal))
            {
                foreach (object?[] arguments in Cases(method))
                {
                    string name = $"{type.Name}.{method.Name}({string.Join(", ", arguments)})";
                    try
                    {
                        method.Invoke(Activator.CreateInstance(type), arguments);
                        passed++;
                    }
                    catch (TargetInvocationException e)
                    {
                        failures.Add($"{name}: {e.InnerException?.Message}");
                    }
                }
            }
        }

        foreach (string failure in failures)
        {
            Console.WriteLine("FAILED " + failure);
        }
        Console.WriteLine($"passed: {passed}, failed: {failures.Count}");
        return failures.Count == 0 && passed > 0 ? 0 : 1;
    }

    /// <summary>The widest vectors the generated code uses here (its dispatch order).</summary>
    public static string VectorPath =>
        Vector512.IsHardwareAccelerated ? "Vector512"
        : Vector256.IsHardwareAccelerated ? "Vector256"
        : Vector128.IsHardwareAccelerated ? "Vector128"
        : "scalar";

    private static bool IsContractClass(Type type)
    {
        for (Type? t = type; t is not null; t = t.BaseType)
        {
            if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(NetworkContractTests<>))
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
            return method.GetCustomAttributes<InlineDataAttribute>().SelectMany(data => data.GetData(method));
        }
        return method.GetCustomAttribute<FactAttribute>() is not null ? [Array.Empty<object?>()] : [];
    }
}
