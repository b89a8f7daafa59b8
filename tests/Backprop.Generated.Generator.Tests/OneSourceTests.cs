using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using Backprop.Generated.Generator.Tests.Infrastructure;
using Xunit;

namespace Backprop.Generated.Generator.Tests;

/// <summary>
/// Every enum, limit and format constant is declared once: in the runtime's <c>Shared/</c> sources, which the generator
/// links rather than mirrors. These tests fail on a mirror creeping back — a second enum with the same values, a literal
/// constant of the same name and value in another file, the model magic spelled out anywhere else.
/// </summary>
public sealed partial class OneSourceTests
{
    private static readonly Assembly Runtime = typeof(Backprop.NetworkArchitecture).Assembly;
    private static readonly Assembly Generator = typeof(NetworkGenerator).Assembly;

    [Fact]
    public void The_generator_compiles_the_runtimes_shared_sources_and_no_copy_of_them()
    {
        string project = File.ReadAllText(Path.Combine(Repository.Root, "generator", "Backprop.Generated.Generator", "Backprop.Generated.Generator.csproj"));
        Assert.Contains("<Compile Include=\"../../src/Backprop.Generated/Shared/*.cs\"", project, StringComparison.Ordinal);

        string[] shared = Directory.GetFiles(Path.Combine(Repository.Root, "src", "Backprop.Generated", "Shared"), "*.cs").Select(Path.GetFileName).ToArray()!;
        Assert.Contains("ActivationsAndCosts.cs", shared);
        Assert.Contains("ModelFile.cs", shared);
        Assert.Contains("NetworkArchitecture.cs", shared);
        string[] generatorFiles = Directory.GetFiles(Path.Combine(Repository.Root, "generator"), "*.cs", SearchOption.AllDirectories)
            .Where(file => !file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(Path.GetFileName).ToArray()!;
        Assert.Empty(shared.Intersect(generatorFiles));
    }

    [Fact]
    public void Every_enum_of_the_runtime_exists_once_in_the_generator_as_the_linked_copy()
    {
        // The generator's copies live in its Shared namespace; any other generator enum with a runtime enum's members is
        // a hand-kept mirror.
        foreach (Type runtimeEnum in Runtime.GetTypes().Where(type => type.IsEnum && type.IsPublic))
        {
            string[] members = Enum.GetNames(runtimeEnum);
            Type[] alike = Generator.GetTypes().Where(type => type.IsEnum && Enum.GetNames(type).SequenceEqual(members)).ToArray();
            Assert.True(alike.Length <= 1, $"{runtimeEnum.Name} is declared {alike.Length} times in the generator: {string.Join(", ", alike.Select(type => type.FullName))}.");
            if (alike.Length == 1)
            {
                Assert.Equal("Backprop.Generated.Generator.Shared." + runtimeEnum.Name, alike[0].FullName);
                Assert.Equal(
                    Enum.GetValues(runtimeEnum).Cast<object>().Select(Convert.ToInt64),
                    Enum.GetValues(alike[0]).Cast<object>().Select(Convert.ToInt64));
            }
        }
    }

    [Fact]
    public void No_literal_constant_is_declared_twice()
    {
        // const <type> <Name> = <literal>; in the shipped code of the runtime, its companions and the generator.
        var declarations = new Dictionary<(string Name, string Value), List<string>>();
        foreach (string file in ShippedSources())
        {
            foreach (Match match in Constant().Matches(File.ReadAllText(file)))
            {
                var key = (match.Groups["name"].Value, match.Groups["value"].Value.Replace("_", "", StringComparison.Ordinal));
                if (!declarations.TryGetValue(key, out List<string>? files))
                {
                    declarations[key] = files = new List<string>();
                }
                files.Add(Path.GetRelativePath(Repository.Root, file));
            }
        }
        string[] twice = declarations
            .Where(pair => pair.Value.Count > 1)
            .Select(pair => $"{pair.Key.Name} = {pair.Key.Value} in {string.Join(", ", pair.Value)}")
            .ToArray();
        Assert.True(twice.Length == 0, "Declared more than once:\n" + string.Join("\n", twice));
    }

    [Fact]
    public void The_model_file_magics_are_written_only_in_the_shared_format()
    {
        string format = Path.Combine("src", "Backprop.Generated", "Shared", "ModelFile.cs");
        string text = Path.Combine("src", "Backprop.Generated", "Shared", "ModelText.cs");
        foreach (string file in ShippedSources())
        {
            string relative = Path.GetRelativePath(Repository.Root, file);
            string code = string.Join("\n", File.ReadAllLines(file).Where(line => !line.TrimStart().StartsWith("//", StringComparison.Ordinal)));
            bool magic = code.Contains("\"BPGNET", StringComparison.Ordinal) || code.Contains("\"BPGSTATE", StringComparison.Ordinal)
                || code.Contains("0x42, 0x50, 0x47", StringComparison.Ordinal);
            Assert.False(magic && relative != format, $"{relative} spells out a model file magic; ask ModelFile.");
            Assert.False(code.Contains("\"QlBHTkVU", StringComparison.Ordinal) && relative != text, $"{relative} spells out the text form's start; ask ModelText.");
        }
    }

    /// <summary>The C# files that ship: src/ and generator/, without build output.</summary>
    private static IEnumerable<string> ShippedSources() =>
        new[] { "src", "generator" }
            .SelectMany(folder => Directory.GetFiles(Path.Combine(Repository.Root, folder), "*.cs", SearchOption.AllDirectories))
            .Where(file => !file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    [GeneratedRegex(@"\bconst\s+(?:int|long|byte|float|double|string|uint)\s+(?<name>\w+)\s*=\s*(?<value>[-\w.""]+)\s*;")]
    private static partial Regex Constant();
}
