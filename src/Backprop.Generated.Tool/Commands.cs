using System;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using Backprop.Onnx;
using static System.FormattableString;

namespace Backprop.Tool;

/// <summary>The four commands and what each prints.</summary>
internal static class Commands
{
    public static RootCommand Build()
    {
        var root = new RootCommand(
            "Converts networks (multilayer perceptrons and convolutional networks) between ONNX and Backprop.Generated model files, and inspects model files.")
        {
            Import(),
            Export(),
            Base64(),
            Inspect(),
        };
        return root;
    }

    private static Command Import()
    {
        var model = new Argument<FileInfo>("model") { Description = "The ONNX model (.onnx) to import." };
        var output = new Option<FileInfo>("--output", "-o")
        {
            Description = "The model file to write (default: the ONNX file's name with .bpnet); its text form goes beside it with .b64 appended.",
        };
        var command = new Command("import", "Imports an ONNX network (Gemm or MatMul+Add, Conv, MaxPool and AveragePool layers; Relu, LeakyRelu 0.01, Tanh, Sigmoid, Softmax; BatchNormalization folded) as a model file and its text form, and prints the attributes to declare it with.")
        {
            model,
            output,
        };
        command.SetAction(result =>
        {
            FileInfo source = result.GetRequiredValue(model);
            string target = result.GetValue(output)?.FullName ?? Path.ChangeExtension(source.FullName, ".bpnet");
            RefuseModelFile(source.FullName);
            ModelData imported = OnnxImporter.Import(source.FullName);
            string text = target + ".b64";
            Write(target, () => NetworkSerializer.Save(imported, target));
            Write(text, () => NetworkSerializer.SaveBase64(imported, text));
            Console.WriteLine(Invariant($"Imported {source.Name}: a {imported.Shape} network with {imported.Functions}, {imported.ParameterCount:N0} parameters."));
            Console.WriteLine($"Wrote {Relative(target)} and its text form {Relative(text)}. Declare the network with:");
            Console.WriteLine(WithWeights(imported.NetworkDeclaration, Path.GetFileName(text)));
            return 0;
        });
        return command;
    }

    private static Command Export()
    {
        var model = new Argument<FileInfo>("model") { Description = "The model file (.bpnet, or its .bpnet.b64 text form, or a checkpoint)." };
        var network = new Option<string>("--network", "-n")
        {
            Description = "The layer sizes the model must have, e.g. 784-100-10: the export fails if the file holds another network.",
        };
        var output = new Option<FileInfo>("--output", "-o") { Description = "The ONNX file to write (default: the model's name with .onnx)." };
        var opset = new Option<int?>("--opset") { Description = "The ONNX operator set to target (default: the exporter's)." };
        var inputName = new Option<string>("--input-name") { Description = "The name of the graph's input (default: input)." };
        var outputName = new Option<string>("--output-name") { Description = "The name of the graph's output (default: output)." };
        var command = new Command("export", "Exports a model file to ONNX: one Gemm, Conv, MaxPool or AveragePool and one activation per layer, a dynamic batch dimension.")
        {
            model,
            network,
            output,
            opset,
            inputName,
            outputName,
        };
        command.SetAction(result =>
        {
            FileInfo source = result.GetRequiredValue(model);
            ModelData data = NetworkSerializer.ReadModel(source.FullName);
            if (result.GetValue(network) is string expected)
            {
                string normalized = string.Join('-', expected.Split('-', ',', 'x').Select(part => part.Trim()));
                if (normalized != data.Shape)
                {
                    throw new ToolException($"'{source.FullName}' holds a {data.Shape} network, not the {expected} that --network names.");
                }
            }
            string target = result.GetValue(output)?.FullName ?? Path.ChangeExtension(StripB64(source.FullName), ".onnx");
            var defaults = new OnnxExportOptions();
            var options = new OnnxExportOptions
            {
                Opset = result.GetValue(opset) ?? defaults.Opset,
                InputName = result.GetValue(inputName) ?? defaults.InputName,
                OutputName = result.GetValue(outputName) ?? defaults.OutputName,
            };
            Write(target, () => OnnxExporter.Export(data, target, options));
            Console.WriteLine(Invariant($"Exported a {data.Shape} network with {data.Functions} ({data.ParameterCount:N0} parameters) to {Relative(target)}."));
            return 0;
        });
        return command;
    }

    private static Command Base64()
    {
        var model = new Argument<FileInfo>("model") { Description = "The model file (.bpnet or a checkpoint)." };
        var output = new Option<FileInfo>("--output", "-o") { Description = "Write the text form to this file instead of standard output." };
        var command = new Command("base64", "Prints a model's text form, the file [Network(..., Weights = \"...\")] bakes in: base64 in lines of 76 characters.")
        {
            model,
            output,
        };
        command.SetAction(result =>
        {
            FileInfo source = result.GetRequiredValue(model);
            ModelData data = NetworkSerializer.ReadModel(source.FullName);
            if (result.GetValue(output) is FileInfo target)
            {
                Write(target.FullName, () => NetworkSerializer.SaveBase64(data, target.FullName));
                Console.Error.WriteLine($"Wrote {Relative(target.FullName)}. Declare the network with:");
                Console.Error.WriteLine(WithWeights(data.NetworkDeclaration, target.Name));
            }
            else
            {
                Console.Out.Write(NetworkSerializer.ToBase64(data));
            }
            return 0;
        });
        return command;
    }

    private static Command Inspect()
    {
        var file = new Argument<FileInfo>("file") { Description = "A model file (.bpnet), its text form (.bpnet.b64), a checkpoint, or an ONNX model." };
        var command = new Command("inspect", "Shows what a file holds: shape, activations, cost, parameters, format version and checksum status. Exit code 1 when the file is damaged.")
        {
            file,
        };
        command.SetAction(result => Inspection.Run(result.GetRequiredValue(file).FullName));
        return command;
    }

    /// <summary>
    /// <c>import</c> takes ONNX: a Backprop.Generated model file given to it (binary or text form) is refused with what to
    /// do instead, rather than with the protobuf error its bytes would give.
    /// </summary>
    private static void RefuseModelFile(string path)
    {
        ModelInfo info;
        try
        {
            info = NetworkSerializer.ReadInfo(path);
        }
        catch (Exception error) when (error is ModelFormatException { Reason: ModelFormatError.WrongMagic } or FileNotFoundException)
        {
            return;
        }
        catch (ModelFormatException)
        {
            throw new ToolException($"'{path}' is a Backprop.Generated model file (damaged), not an ONNX model: 'backprop inspect {Path.GetFileName(path)}' says what is wrong with it.");
        }
        throw new ToolException(
            $"'{path}' is already a Backprop.Generated model file (a {info.Shape} network), not an ONNX model: 'backprop inspect {Path.GetFileName(path)}' shows it, 'backprop export {Path.GetFileName(path)}' converts it to ONNX.");
    }

    /// <summary>
    /// Runs <paramref name="write"/>, which writes <paramref name="target"/> atomically, and words its failure in terms of
    /// the target (not of the temporary file beside it that the writer uses).
    /// </summary>
    private static void Write(string target, Action write)
    {
        string? folder = Path.GetDirectoryName(Path.GetFullPath(target));
        if (folder is not null && !Directory.Exists(folder))
        {
            throw new ToolException($"cannot write '{target}': the folder '{folder}' does not exist.");
        }
        try
        {
            write();
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException && error is not ModelFormatException)
        {
            throw new ToolException($"cannot write '{target}' (nothing was changed there): {error.Message}");
        }
    }

    /// <summary>
    /// The declaration with <c>Weights = "file"</c> added to its <c>[Network…]</c>, the first line: <c>[Network(…)]</c>
    /// gets it before its closing parenthesis, and the bare <c>[Network]</c> above layer attributes becomes
    /// <c>[Network(Weights = "file")]</c>.
    /// </summary>
    internal static string WithWeights(string declaration, string weightsFile)
    {
        int end = declaration.IndexOf('\n', StringComparison.Ordinal);
        string network = end < 0 ? declaration : declaration[..end];
        string layers = end < 0 ? "" : declaration[end..];
        string weights = $"Weights = \"{weightsFile}\"";
        network = network == "[Network]"
            ? $"[Network({weights})]"
            : string.Concat(network.AsSpan(0, network.Length - 2), ", ", weights, ")]");
        return network + layers;
    }

    internal static string Relative(string path)
    {
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) ? path : relative;
    }

    private static string StripB64(string path)
        => path.EndsWith(".b64", StringComparison.OrdinalIgnoreCase) ? path[..^4] : path;

    internal static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
