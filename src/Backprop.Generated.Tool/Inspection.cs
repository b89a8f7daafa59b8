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
        byte[] head = ModelFiles.ReadAll(path);
        if (!ModelFiles.IsBinaryModel(head) && !ModelFiles.IsTextModel(head))
        {
            return InspectOnnx(path);
        }

        ModelFile file = ModelFiles.Read(path);
        ModelInfo info = file.Info;
        string form = file.Form == ModelForm.Text ? ", base64 text form" : "";
        Console.WriteLine(Commands.Relative(path));
        Row("format", Invariant($"Backprop.Generated model, version {info.FormatVersion}{form}"));
        Row("network", info.Shape);
        Row("activations", string.Join(", ", info.Activations));
        Row("cost", info.Cost.ToString());
        Row("parameters", Commands.Count(info.ParameterCount));

        if (file.Truncation is string truncated)
        {
            Row("damaged", truncated);
            return Program.Failure;
        }
        (uint stored, uint actual) = file.Checksums;
        if (stored != actual)
        {
            Row("checksum", Invariant($"MISMATCH: stored CRC-32 0x{stored:X8}, content hashes to 0x{actual:X8} (the file is damaged)"));
            return Program.Failure;
        }
        ModelData model;
        try
        {
            model = file.Model;
        }
        catch (ModelFormatException error)
        {
            Row("checksum", Invariant($"OK (CRC-32 0x{stored:X8})"));
            Row("damaged", error.Message);
            return Program.Failure;
        }
        Row("checksum", Invariant($"OK (CRC-32 0x{stored:X8})"));
        if (info.TrainedEpochs is int epochs)
        {
            Row("training", Invariant($"checkpoint after {epochs} epoch{(epochs == 1 ? "" : "s")}, optimizer {info.Optimizer}"));
        }
        Row("declare", model.NetworkDeclaration);
        return 0;
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

    private static void Row(string name, string value) => Console.WriteLine($"  {name + ":",-13}{value}");
}
