using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Backprop.Generated.TestSupport;
using Xunit;

namespace Backprop.Generated.Package.Tests;

/// <summary>
/// The backprop tool installed from the feed with <c>dotnet tool install --tool-path</c>, run on the PyTorch model that
/// samples/FromPyTorch bakes in: import, inspect, base64 and export, and its one-line errors.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class ToolTests(PackageFeed feed) : IAsyncLifetime
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(3);

    private string _folder = "";
    private string _backprop = "";

    public async Task InitializeAsync()
    {
        _folder = feed.NewConsumerFolder("tool-" + Guid.NewGuid().ToString("N")[..8]);
        string tools = Path.Combine(_folder, "tools");
        (await ChildProcess.Dotnet(_folder, CommandTimeout, "tool", "install", "Backprop.Generated.Tool", "--version", feed.Version,
            "--tool-path", tools)).Succeeded();
        _backprop = Path.Combine(tools, "backprop");
        Assert.True(File.Exists(_backprop), $"dotnet tool install made no {_backprop}");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private Task<ChildProcess.Result> Backprop(params string[] arguments) => ChildProcess.Run(_backprop, _folder, CommandTimeout, null, arguments);

    [Fact]
    public async Task Import_writes_the_model_and_the_text_form_the_sample_bakes_and_prints_its_declaration()
    {
        string onnx = feed.Repository("samples/FromPyTorch/fashion-mlp.onnx");
        ChildProcess.Result import = (await Backprop("import", onnx, "-o", "fashion-mlp.bpnet")).Succeeded();
        string declaration = import.Stdout.TrimEnd().Split('\n')[^1];
        Assert.Equal(
            "[Network(784, 64, 10, HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Softmax, Weights = \"fashion-mlp.bpnet.b64\")]",
            declaration);

        // The sample compiles exactly what the tool makes: the same text form, declared with the same line.
        Assert.Equal(File.ReadAllText(feed.Repository("samples/FromPyTorch/fashion-mlp.bpnet.b64")),
            File.ReadAllText(Path.Combine(_folder, "fashion-mlp.bpnet.b64")));
        string sample = string.Concat(Directory.GetFiles(feed.Repository("samples/FromPyTorch"), "*.cs").Select(File.ReadAllText));
        Assert.Contains(declaration, sample, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Importing_a_convolutional_model_prints_the_layer_attributes_with_the_weights_on_Network()
    {
        string onnx = feed.Repository("tests/Backprop.Generated.Onnx.Tests/Fixtures/lenet_like.onnx");
        ChildProcess.Result import = (await Backprop("import", onnx, "-o", "lenet.bpnet")).Succeeded();
        string[] expected =
        [
            "[Network(Weights = \"lenet.bpnet.b64\")]",
            "[Input(1, 16, 16)]",
            "[Conv2D(4, 5, Padding = 2, Activation = ActivationKind.ReLU)]",
            "[MaxPool2D(2)]",
            "[Conv2D(8, 3, Activation = ActivationKind.ReLU)]",
            "[MaxPool2D(2)]",
            "[Dense(32, Activation = ActivationKind.ReLU)]",
            "[Dense(10, Activation = ActivationKind.Softmax)]",
        ];
        Assert.Equal(expected, import.Stdout.ReplaceLineEndings("\n").TrimEnd().Split('\n')[^expected.Length..]);
        Assert.Contains("3,066 parameters", import.Stdout, StringComparison.Ordinal);

        // The model file is format version 3 (layer by layer); inspect shows the declaration, each line under the first.
        ChildProcess.Result inspect = (await Backprop("inspect", "lenet.bpnet")).Succeeded();
        Assert.Contains("version 3", inspect.Stdout, StringComparison.Ordinal);
        Assert.Contains("  declare:     [Network]\n               [Input(1, 16, 16)]\n", inspect.Stdout.ReplaceLineEndings("\n"), StringComparison.Ordinal);

        // And back to ONNX, which imports as the same network.
        (await Backprop("export", "lenet.bpnet", "-o", "back.onnx")).Succeeded();
        ChildProcess.Result again = (await Backprop("import", "back.onnx", "-o", "back.bpnet")).Succeeded();
        Assert.Equal(File.ReadAllBytes(Path.Combine(_folder, "lenet.bpnet")), File.ReadAllBytes(Path.Combine(_folder, "back.bpnet")));
        Assert.EndsWith("[Dense(10, Activation = ActivationKind.Softmax)]", again.Stdout.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_shows_shape_functions_parameters_version_and_checksum_and_fails_on_a_damaged_file()
    {
        (await Backprop("import", feed.Repository("samples/FromPyTorch/fashion-mlp.onnx"), "-o", "m.bpnet")).Succeeded();
        foreach (string file in new[] { "m.bpnet", "m.bpnet.b64" })
        {
            ChildProcess.Result inspect = (await Backprop("inspect", file)).Succeeded();
            Assert.Contains("network:     784-64-10", inspect.Stdout, StringComparison.Ordinal);
            Assert.Contains("activations: ReLU, Softmax", inspect.Stdout, StringComparison.Ordinal);
            Assert.Contains("cost:        LogLikelihood", inspect.Stdout, StringComparison.Ordinal);
            Assert.Contains("parameters:  50,890", inspect.Stdout, StringComparison.Ordinal);
            Assert.Contains("version 2", inspect.Stdout, StringComparison.Ordinal);
            Assert.Contains("checksum:    OK (CRC-32 0x", inspect.Stdout, StringComparison.Ordinal);
        }

        byte[] bytes = File.ReadAllBytes(Path.Combine(_folder, "m.bpnet"));
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(Path.Combine(_folder, "damaged.bpnet"), bytes);
        ChildProcess.Result damaged = await Backprop("inspect", "damaged.bpnet");
        Assert.Equal(1, damaged.ExitCode);
        Assert.Contains("checksum:    MISMATCH", damaged.Stdout, StringComparison.Ordinal);

        File.WriteAllBytes(Path.Combine(_folder, "cut.bpnet"), bytes[..100]);
        ChildProcess.Result cut = await Backprop("inspect", "cut.bpnet");
        Assert.Equal(1, cut.ExitCode);
        Assert.Contains("damaged:     the file is truncated", cut.Stdout, StringComparison.Ordinal);

        ChildProcess.Result onnx = (await Backprop("inspect", feed.Repository("samples/FromPyTorch/fashion-mlp.onnx"))).Succeeded();
        Assert.Contains("ONNX model", onnx.Stdout, StringComparison.Ordinal);
        Assert.Contains("network:     784-64-10", onnx.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Base64_prints_the_text_form_and_export_round_trips_through_ONNX()
    {
        (await Backprop("import", feed.Repository("samples/FromPyTorch/fashion-mlp.onnx"), "-o", "m.bpnet")).Succeeded();
        ChildProcess.Result text = (await Backprop("base64", "m.bpnet")).Succeeded();
        Assert.Equal(File.ReadAllText(Path.Combine(_folder, "m.bpnet.b64")), text.Stdout);

        (await Backprop("export", "m.bpnet", "--network", "784-64-10", "-o", "round.onnx")).Succeeded();
        (await Backprop("import", "round.onnx", "-o", "round.bpnet")).Succeeded();
        Assert.Equal(File.ReadAllBytes(Path.Combine(_folder, "m.bpnet")), File.ReadAllBytes(Path.Combine(_folder, "round.bpnet")));
    }

    [Fact]
    public async Task Importing_an_unsupported_model_names_the_node_and_leaves_the_previous_import_untouched()
    {
        (await Backprop("import", feed.Repository("samples/FromPyTorch/fashion-mlp.onnx"), "-o", "m.bpnet")).Succeeded();
        byte[] model = File.ReadAllBytes(Path.Combine(_folder, "m.bpnet"));
        byte[] text = File.ReadAllBytes(Path.Combine(_folder, "m.bpnet.b64"));

        ChildProcess.Result result = await Backprop("import",
            feed.Repository("tests/Backprop.Generated.Onnx.Tests/Fixtures/leaky_relu_0_2.onnx"), "-o", "m.bpnet");
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Matches(@"^backprop: error: '[^']*leaky_relu_0_2\.onnx': node '/1/LeakyRelu' \(LeakyRelu\) has alpha 0\.2; the runtime's leaky ReLU has slope 0\.01 only", result.Stderr);
        Assert.Single(result.Stderr.TrimEnd().Split('\n'));
        Assert.Equal(model, File.ReadAllBytes(Path.Combine(_folder, "m.bpnet")));
        Assert.Equal(text, File.ReadAllBytes(Path.Combine(_folder, "m.bpnet.b64")));
        Assert.Empty(Directory.GetFiles(_folder, "*.tmp*"));
    }

    [Fact]
    public async Task Importing_a_model_file_says_it_is_one_and_what_to_run_instead()
    {
        (await Backprop("import", feed.Repository("samples/FromPyTorch/fashion-mlp.onnx"), "-o", "m.bpnet")).Succeeded();
        foreach (string file in new[] { "m.bpnet", "m.bpnet.b64" })
        {
            ChildProcess.Result result = await Backprop("import", file);
            Assert.True(result.ExitCode == 1, result.ToString());
            Assert.Contains("is already a Backprop.Generated model file (a 784-64-10 network), not an ONNX model", result.Stderr, StringComparison.Ordinal);
            Assert.Contains($"'backprop inspect {file}' shows it, 'backprop export {file}' converts it to ONNX", result.Stderr, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(1, "inspect", "missing.bpnet")]
    [InlineData(1, "export", "@model", "--network", "784-30-10", "-o", "x.onnx")]
    [InlineData(1, "import", "@model")]
    [InlineData(1, "base64", "@onnx")]
    [InlineData(1, "import", "@onnx", "-o", "no/such/folder/m.bpnet")]
    [InlineData(1, "export", "@model", "-o", "no/such/folder/x.onnx")]
    [InlineData(2, "import")]
    [InlineData(2, "inspect", "a", "--no-such-option")]
    [InlineData(2, "frobnicate")]
    public async Task Errors_are_one_line_with_a_non_zero_exit_code(int exitCode, params string[] arguments)
    {
        (await Backprop("import", feed.Repository("samples/FromPyTorch/fashion-mlp.onnx"), "-o", "m.bpnet")).Succeeded();
        string[] resolved = arguments
            .Select(argument => argument switch
            {
                "@model" => "m.bpnet",
                "@onnx" => feed.Repository("samples/FromPyTorch/fashion-mlp.onnx"),
                _ => argument,
            })
            .ToArray();
        ChildProcess.Result result = await Backprop(resolved);
        Assert.True(result.ExitCode == exitCode, result.ToString());
        string[] lines = result.Stderr.TrimEnd().Split('\n');
        Assert.True(lines.Length == 1 && lines[0].StartsWith("backprop: error: ", StringComparison.Ordinal), result.ToString());
        Assert.Empty(result.Stdout.Trim());
        Assert.False(File.Exists(Path.Combine(_folder, "x.onnx")), "a failed export left a file");
    }
}
