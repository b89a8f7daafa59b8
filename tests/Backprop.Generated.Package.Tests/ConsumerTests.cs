using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Backprop;
using Backprop.Generated.TestSupport;
using Xunit;

namespace Backprop.Generated.Package.Tests;

/// <summary>
/// A user's first hour: <c>dotnet new console</c>, <c>dotnet add package Backprop.Generated</c> (from the feed only),
/// the README's Quick start pasted as Program.cs, built with warnings as errors, run, and published with NativeAOT.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed partial class ConsumerTests(PackageFeed feed)
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(6);

    [Theory]
    [InlineData("net8.0")]
    [InlineData("net10.0")]
    public async Task The_README_quick_start_builds_without_warnings_runs_and_publishes_with_NativeAOT(string framework)
    {
        string folder = feed.NewConsumerFolder("quickstart-" + framework);
        await NewConsole(folder, framework);
        (await ChildProcess.Dotnet(folder, CommandTimeout, "add", "Consumer.csproj", "package", "Backprop.Generated",
            "--version", feed.Version)).Succeeded();
        File.WriteAllText(Path.Combine(folder, "Program.cs"), QuickStart(File.ReadAllText(feed.Repository("README.md"))));
        CopyFolder(feed.Repository("data/fashion-mnist"), Path.Combine(folder, "data", "fashion-mnist"));

        // Warnings as errors, and the generated files kept on disk to count.
        ChildProcess.Result build = (await ChildProcess.Dotnet(folder, CommandTimeout, "build", "-c", "Release", "-warnaserror", "-tl:off",
            "-p:EmitCompilerGeneratedFiles=true")).Succeeded();
        Assert.Matches(@"\b0 Warning\(s\)", build.Stdout);

        AssertGeneratedOnce(folder);

        // Nothing at run time but the runtime itself and System.IO.Hashing.
        string output = Path.Combine(folder, "bin", "Release", framework);
        Assert.Equal(["Backprop.Generated", "System.IO.Hashing"], RuntimePackages(Path.Combine(output, "Consumer.deps.json")));

        // Run it as built (a net8.0 program runs on the newest runtime when this machine has no .NET 8).
        var environment = new Dictionary<string, string?>();
        if (framework == "net8.0" && !await HasRuntime(folder, "8."))
        {
            environment["DOTNET_ROLL_FORWARD"] = "Major";
        }
        (await ChildProcess.Run(ChildProcess.DotnetHost(), folder, CommandTimeout, environment, Path.Combine(output, "Consumer.dll"))).Succeeded();
        CheckSavedModel(folder);

        // NativeAOT: trim and AOT analysis must be clean too.
        string published = Path.Combine(folder, "published");
        (await ChildProcess.Dotnet(folder, CommandTimeout, "publish", "-c", "Release", "-r", "linux-x64", "-p:PublishAot=true",
            "-warnaserror", "-tl:off", "-o", published)).Succeeded();
        File.Delete(Path.Combine(folder, "digits.bpnet"));
        (await ChildProcess.Run(Path.Combine(published, "Consumer"), folder, CommandTimeout, null)).Succeeded();
        CheckSavedModel(folder);
    }

    [Fact]
    public async Task The_libraries_alone_bring_the_generator_once_run_their_README_examples_under_the_JIT_and_NativeAOT_and_bring_their_own_dependencies_only()
    {
        string folder = feed.NewConsumerFolder("libraries");
        await NewConsole(folder, "net10.0");
        // Only the two libraries: Backprop.Generated, and with it the generator, comes through them.
        foreach (string id in new[] { "Backprop.Generated.Tabular", "Backprop.Generated.Onnx" })
        {
            (await ChildProcess.Dotnet(folder, CommandTimeout, "add", "Consumer.csproj", "package", id, "--version", feed.Version)).Succeeded();
        }
        // The README's "To ONNX" example, which the Onnx package's page repeats, then that page's import example and
        // the Tabular package's example, after a network to export, a model file to read and a CSV file.
        string toOnnx = Section(File.ReadAllText(feed.Repository("README.md")), "### To ONNX");
        string onnxPage = File.ReadAllText(feed.Repository("src/Backprop.Generated.Onnx/README.md"));
        Assert.Equal(toOnnx, Section(onnxPage, "## Export"));
        string import = Section(onnxPage, "## Import");
        string tabular = CSharpBlock().Match(File.ReadAllText(feed.Repository("src/Backprop.Generated.Tabular/README.md"))).Groups["code"].Value;
        File.WriteAllText(Path.Combine(folder, "houses.csv"), "rooms,area,price\n3,70.5,250000\n4,95,320000\n2,48,180000\n");
        File.WriteAllText(Path.Combine(folder, "Program.cs"), $$"""
            using System;
            using Backprop;
            using Backprop.Onnx;
            using Backprop.Tabular;

            DigitNet net = DigitNet.Create(seed: 1);
            NetworkSerializer.Save(net, "digits.bpnet");
            {{Statements(toOnnx)}}
            {{Statements(import)}}
            {{Statements(tabular)}}
            Console.WriteLine($"{houses.Count} rows of {table.FeatureNames.Count} features, target {table.TargetNames[0]}");

            [Network(784, 100, 10, HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Softmax)]
            public partial class DigitNet { }
            """);
        (await ChildProcess.Dotnet(folder, CommandTimeout, "build", "-c", "Release", "-warnaserror", "-tl:off",
            "-p:EmitCompilerGeneratedFiles=true")).Succeeded();
        AssertGeneratedOnce(folder);
        ChildProcess.Result run = (await ChildProcess.Dotnet(folder, CommandTimeout, "run", "-c", "Release", "--no-build")).Succeeded();
        Assert.Equal(
            "[Network(784, 100, 10, HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Softmax)]\n" +
            "3 rows of 2 features, target price\n",
            run.Stdout.ReplaceLineEndings("\n"));
        Assert.Equal("784-100-10", NetworkSerializer.ReadInfo(Path.Combine(folder, "imported.bpnet")).Shape);
        Assert.True(File.Exists(Path.Combine(folder, "imported.bpnet.b64")), "the import example wrote no text form");
        // The ONNX and CSV libraries are trim- and AOT-clean as packages too: the same program under NativeAOT, warnings
        // as errors, prints the same.
        string published = Path.Combine(folder, "published");
        (await ChildProcess.Dotnet(folder, CommandTimeout, "publish", "-c", "Release", "-r", "linux-x64", "-p:PublishAot=true",
            "-warnaserror", "-tl:off", "-o", published)).Succeeded();
        ChildProcess.Result native = (await ChildProcess.Run(Path.Combine(published, "Consumer"), folder, CommandTimeout, null)).Succeeded();
        Assert.Equal(run.Stdout, native.Stdout);

        // Tabular brings Sep (and Sep its csFastFloat), Onnx brings OnnxSharp and Google.Protobuf; nothing else comes.
        Assert.Equal(
            ["Backprop.Generated", "Backprop.Generated.Onnx", "Backprop.Generated.Tabular", "Google.Protobuf", "OnnxSharp", "Sep", "System.IO.Hashing", "csFastFloat"],
            RuntimePackages(Path.Combine(folder, "bin", "Release", "net10.0", "Consumer.deps.json")));
    }

    /// <summary>The generator ran once: one DigitNet file, from our generator alone.</summary>
    private static void AssertGeneratedOnce(string folder)
    {
        string[] generated = Directory.GetFiles(Path.Combine(folder, "obj"), "*.g.cs", SearchOption.AllDirectories)
            .Where(path => path.Contains("generated", StringComparison.Ordinal))
            .ToArray();
        string[] digitNet = generated.Where(path => Path.GetFileName(path).Contains("DigitNet", StringComparison.Ordinal)).ToArray();
        Assert.True(digitNet.Length == 1, "expected one generated DigitNet file, found: " + string.Join(", ", generated));
        Assert.Contains("Backprop.Generated.Generator", digitNet[0], StringComparison.Ordinal);
    }

    /// <summary>
    /// <c>dotnet new console</c> for <paramref name="framework"/>. The SDK running the tests has the template for its own
    /// framework only; for an older one the project is what that SDK's template makes: the same file with its
    /// <c>TargetFramework</c>.
    /// </summary>
    private static async Task NewConsole(string folder, string framework)
    {
        (await ChildProcess.Dotnet(folder, CommandTimeout, "new", "console", "--name", "Consumer", "--output", folder, "--no-restore")).Succeeded();
        string project = Path.Combine(folder, "Consumer.csproj");
        string text = File.ReadAllText(project);
        Match target = TargetFramework().Match(text);
        Assert.True(target.Success, "the console template has no <TargetFramework>: " + text);
        File.WriteAllText(project, text.Replace(target.Value, $"<TargetFramework>{framework}</TargetFramework>", StringComparison.Ordinal));
    }

    [GeneratedRegex("<TargetFramework>[^<]*</TargetFramework>")]
    private static partial Regex TargetFramework();

    /// <summary>The first C# block under the README's "## Quick start" heading, exactly as written.</summary>
    internal static string QuickStart(string readme) => Section(readme, "## Quick start");

    /// <summary>The first C# block under the README heading <paramref name="heading"/>, exactly as written.</summary>
    internal static string Section(string readme, string heading)
    {
        int section = readme.IndexOf("\n" + heading + "\n", StringComparison.Ordinal);
        Assert.True(section >= 0, $"README.md has no '{heading}' section");
        Match block = CSharpBlock().Match(readme, section);
        Assert.True(block.Success, $"'{heading}' has no ```csharp block");
        return block.Groups["code"].Value;
    }

    /// <summary>A C# example's statements: its <c>using</c> lines go, the program has them all.</summary>
    private static string Statements(string example)
        => string.Join('\n', example.Split('\n').Where(line => !line.StartsWith("using ", StringComparison.Ordinal)));

    [GeneratedRegex(@"```csharp\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    private static void CheckSavedModel(string folder)
    {
        ModelInfo info = NetworkSerializer.ReadInfo(Path.Combine(folder, "digits.bpnet"));
        Assert.Equal("784-100-10", info.Shape);
        Assert.Equal(CostKind.LogLikelihood, info.Cost);
    }

    /// <summary>The packages a program's deps.json carries at run time (those with runtime assemblies), by name.</summary>
    private static string[] RuntimePackages(string depsJson)
    {
        using JsonDocument deps = JsonDocument.Parse(File.ReadAllText(depsJson));
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (JsonProperty target in deps.RootElement.GetProperty("targets").EnumerateObject())
        {
            foreach (JsonProperty library in target.Value.EnumerateObject())
            {
                if (library.Value.TryGetProperty("runtime", out _) && !library.Name.StartsWith("Consumer/", StringComparison.Ordinal))
                {
                    names.Add(library.Name[..library.Name.IndexOf('/', StringComparison.Ordinal)]);
                }
            }
        }
        return names.ToArray();
    }

    private static async Task<bool> HasRuntime(string folder, string versionPrefix)
    {
        ChildProcess.Result runtimes = (await ChildProcess.Dotnet(folder, CommandTimeout, "--list-runtimes")).Succeeded();
        return runtimes.Stdout.Split('\n').Any(line => line.StartsWith("Microsoft.NETCore.App " + versionPrefix, StringComparison.Ordinal));
    }

    private static void CopyFolder(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (string file in Directory.GetFiles(source))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }
    }
}
