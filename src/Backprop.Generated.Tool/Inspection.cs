using System;
using System.IO;
using Backprop.Onnx;
using static System.FormattableString;

namespace Backprop.Tool;

/// <summary><c>backprop inspect FILE</c>: what a model file, its text form or an ONNX model holds.</summary>
internal static class Inspection
{
    public static int Run(string path)
    {
        if (!File.Exists(path))
        {
            throw new ToolException(Directory.Exists(path) ? $"'{path}' is a folder, not a file." : $"'{path}' does not exist.");
        }

        // The header first (the library reads both forms): what the file says it holds, even when the rest is damaged.
        ModelInfo info;
        try
        {
            info = NetworkSerializer.ReadInfo(path);
        }
        catch (ModelFormatException error) when (error.Reason == ModelFormatError.WrongMagic)
        {
            return InspectOnnx(path);
        }
        Console.WriteLine(Commands.Relative(path));
        Row("format", Invariant($"Backprop.Generated model, version {info.FormatVersion}{(info.IsText ? ", base64 text form" : "")}"));
        Row("network", info.Shape);
        Row("activations", string.Join(", ", info.Activations));
        Row("cost", info.Cost.ToString());
        Row("parameters", Commands.Count(info.ParameterCount));

        // Then the whole file, checked as every load checks it.
        ModelData model;
        try
        {
            model = NetworkSerializer.ReadModel(path);
        }
        catch (ModelFormatException error)
        {
            string problem = Problem(error, path);
            if (error.Reason == ModelFormatError.ChecksumMismatch)
            {
                Row("checksum", "MISMATCH: " + problem + " (the file is damaged)");
            }
            else
            {
                Row("damaged", problem);
            }
            return Program.Failure;
        }
        Row("checksum", Invariant($"OK (CRC-32 0x{model.Checksum:X8})"));
        if (info.TrainedEpochs is int epochs)
        {
            Row("training", Invariant($"checkpoint after {epochs} epoch{(epochs == 1 ? "" : "s")}, optimizer {info.Optimizer}"));
        }
        Row("declare", model.NetworkDeclaration);
        return 0;
    }

    /// <summary>What the error says of the file, without "The model file '…'" before it: "is truncated: …".</summary>
    private static string Problem(ModelFormatException error, string path)
    {
        string prefix = $"The model file '{path}' ";
        string message = error.Message.StartsWith(prefix, StringComparison.Ordinal) ? "the file " + error.Message[prefix.Length..] : error.Message;
        return message.TrimEnd('.');
    }

    private static int InspectOnnx(string path)
    {
        ModelData model;
        try
        {
            model = OnnxImporter.Import(path);
        }
        catch (OnnxImportException error)
        {
            throw new ToolException($"'{path}' is not a Backprop.Generated model file, and as ONNX it does not import: {error.Message}");
        }
        Console.WriteLine(Commands.Relative(path));
        Row("format", "ONNX model (backprop import converts it)");
        Row("network", model.Shape);
        Row("activations", string.Join(", ", model.Activations));
        Row("cost", model.Cost + " (ONNX has none: the output's natural pair)");
        Row("parameters", Commands.Count(model.ParameterCount));
        Row("declare", model.NetworkDeclaration);
        return 0;
    }

    /// <summary>A row: its name, then its value; a value of several lines (a layer-by-layer declaration) goes on under the first.</summary>
    private static void Row(string name, string value)
        => Console.WriteLine($"  {name + ":",-13}{value.Replace("\n", "\n" + new string(' ', 15), StringComparison.Ordinal)}");
}
