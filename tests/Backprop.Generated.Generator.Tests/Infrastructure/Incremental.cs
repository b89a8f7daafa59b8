using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Backprop.Generated.Generator.Tests.Infrastructure;

/// <summary>Checks that the pipeline caches: every named step reused on a rerun, and no step holding compiler objects.</summary>
internal static class Incremental
{
    /// <summary>Every constant of <see cref="TrackingNames"/>, so that a new step is checked without editing the tests.</summary>
    public static IReadOnlyList<string> StepNames { get; } = typeof(TrackingNames)
        .GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
        .Where(field => field.IsLiteral && field.FieldType == typeof(string))
        .Select(field => (string)field.GetRawConstantValue()!)
        .ToArray();

    /// <summary>
    /// Runs the generator again on a clone of the same compilation: every named step must be
    /// <c>Cached</c> or <c>Unchanged</c> and every source output <c>Cached</c>, and no step output may hold
    /// a symbol, syntax, compilation or location (which would pin old compilations and defeat caching).
    /// </summary>
    public static void AssertCachedOnRerun(GeneratorRun run)
    {
        GeneratorRunResult first = run.Generator;
        Assert.NotEmpty(StepNames);
        // Roslyn records only the steps that run: the weights steps need AdditionalFiles (WeightsFileNames),
        // and a network that bakes weights from one of them (WeightsFiles, once per file).
        bool hasFiles = !run.AdditionalFiles.IsEmpty;
        bool bakes = Outputs(first, TrackingNames.Specs).Any(output => output.Value is Model.NetworkSpec { Weights: not null });
        IEnumerable<string> required = StepNames.Where(name => name switch
        {
            TrackingNames.WeightsFileNames => hasFiles,
            TrackingNames.WeightsFiles => bakes,
            _ => true,
        });
        foreach (string name in required)
        {
            Assert.True(first.TrackedSteps.ContainsKey(name), $"The first run recorded no '{name}' step; recorded: {string.Join(", ", first.TrackedSteps.Keys)}");
        }
        AssertNoCompilerObjects(first);

        GeneratorRunResult second = Assert.Single(run.Driver.RunGenerators(run.Input.Clone()).GetRunResult().Results);
        var failures = new List<string>();
        foreach (string name in StepNames)
        {
            foreach (IncrementalGeneratorRunStep step in second.TrackedSteps.TryGetValue(name, out var steps) ? steps : Enumerable.Empty<IncrementalGeneratorRunStep>())
            {
                foreach ((object value, IncrementalStepRunReason reason) in step.Outputs)
                {
                    if (reason is not (IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged))
                    {
                        failures.Add($"Step '{name}' was {reason} on an identical rerun: {value}");
                    }
                }
            }
        }
        foreach ((string kind, var steps) in second.TrackedOutputSteps)
        {
            foreach ((object value, IncrementalStepRunReason reason) in steps.SelectMany(step => step.Outputs))
            {
                if (reason != IncrementalStepRunReason.Cached)
                {
                    failures.Add($"{kind} output was {reason} on an identical rerun: {value}");
                }
            }
        }
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
        AssertNoCompilerObjects(second);
    }

    /// <summary>The outputs of a named step, in order.</summary>
    public static IReadOnlyList<(object Value, IncrementalStepRunReason Reason)> Outputs(GeneratorRunResult result, string stepName) =>
        result.TrackedSteps.TryGetValue(stepName, out var steps)
            ? steps.SelectMany(step => step.Outputs).ToArray()
            : Array.Empty<(object, IncrementalStepRunReason)>();

    /// <summary>
    /// The reasons of the source outputs fed by the step <paramref name="inputStep"/> (the generator has
    /// two source outputs: the files, fed by <see cref="TrackingNames.Specs"/>, and the diagnostics).
    /// </summary>
    public static IReadOnlyList<IncrementalStepRunReason> SourceOutputReasons(GeneratorRunResult result, string inputStep) =>
        result.TrackedOutputSteps.TryGetValue(WellKnownGeneratorOutputs.SourceOutput, out var steps)
            ? steps.Where(step => step.Inputs.Any(input => input.Source.Name == inputStep))
                .SelectMany(step => step.Outputs)
                .Select(output => output.Reason)
                .ToArray()
            : Array.Empty<IncrementalStepRunReason>();

    private static void AssertNoCompilerObjects(GeneratorRunResult result)
    {
        var found = new List<string>();
        foreach (string name in StepNames)
        {
            int index = 0;
            foreach ((object value, _) in Outputs(result, name))
            {
                found.AddRange(FindCompilerObjects(value, $"{name}[{index++}]"));
            }
        }
        Assert.True(found.Count == 0, "Pipeline outputs hold compiler objects:" + Environment.NewLine + string.Join(Environment.NewLine, found));
    }

    /// <summary>
    /// The paths to every <see cref="ISymbol"/>, <see cref="SyntaxNode"/>, <see cref="Compilation"/> or
    /// <see cref="Location"/> (and their close relatives) reachable from <paramref name="value"/>
    /// through fields, tuples and collections such as EquatableArray.
    /// </summary>
    public static IReadOnlyList<string> FindCompilerObjects(object? value, string path = "value")
    {
        var found = new List<string>();
        Walk(value, path, new HashSet<object>(ReferenceEqualityComparer.Instance), found, depth: 0);
        return found;
    }

    private static void Walk(object? value, string path, HashSet<object> visited, List<string> found, int depth)
    {
        if (value is null)
        {
            return;
        }
        if (value is ISymbol or SyntaxNode or Compilation or Location or SyntaxTree or SemanticModel or AttributeData or SyntaxReference)
        {
            found.Add($"{path}: {value.GetType().Name}");
            return;
        }

        Type type = value.GetType();
        if (type.IsPrimitive || type.IsEnum || value is string or decimal or Type)
        {
            return;
        }
        if (!type.IsValueType && !visited.Add(value))
        {
            return;
        }
        if (depth > 40)
        {
            found.Add($"{path}: nested too deeply to check");
            return;
        }

        if (value is ITuple tuple)
        {
            for (int i = 0; i < tuple.Length; i++)
            {
                Walk(tuple[i], $"{path}.Item{i + 1}", visited, found, depth + 1);
            }
            return;
        }
        if (value is IEnumerable items)
        {
            int index = 0;
            foreach (object? item in items)
            {
                Walk(item, $"{path}[{index++}]", visited, found, depth + 1);
            }
            return;
        }
        for (Type? t = type; t is not null && t != typeof(object); t = t.BaseType)
        {
            foreach (FieldInfo field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                Walk(field.GetValue(value), $"{path}.{field.Name}", visited, found, depth + 1);
            }
        }
    }
}
