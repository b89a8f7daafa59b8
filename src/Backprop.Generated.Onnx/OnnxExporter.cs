using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using Google.Protobuf;
using Onnx;
using static System.FormattableString;

namespace Backprop.Onnx;

/// <summary>
/// Writes a network as an ONNX model that ONNX Runtime (and any ONNX consumer) runs with the network's results.
/// </summary>
/// <remarks>
/// <para>
/// The graph has one input, a float tensor [batch, n_1] (the batch dimension symbolic, <c>dim_param</c> "batch"), and
/// one output, a float tensor [batch, n_L]. Each weight layer l = 2..L is a <c>Gemm</c> node <c>layer{l}.gemm</c>
/// computing z^l = a^(l−1) (w^l)ᵀ + b^l from the initializers <c>layer{l}.weight</c> (w^l as stored,
/// [n_l, n_(l−1)], with transB = 1) and <c>layer{l}.bias</c> ([n_l]), followed by its activation node:
/// <c>Sigmoid</c>, <c>Tanh</c>, <c>Relu</c>, <c>LeakyRelu</c> (alpha 0.01) or <c>Softmax</c> (over the last axis),
/// named <c>layer{l}.sigmoid</c>, <c>layer{l}.tanh</c>, <c>layer{l}.relu</c>, <c>layer{l}.leaky_relu</c>,
/// <c>layer{l}.softmax</c>; an identity layer has no activation node. Intermediate tensors are
/// <c>layer{l}.z</c> and <c>layer{l}.a</c>.
/// </para>
/// <para>
/// The model's producer is "Backprop.Generated" with this library's version, its doc string names the shape and
/// functions, and its metadata holds <c>backprop.cost</c> (the cost, e.g. <c>LogLikelihood</c>, which
/// <see cref="OnnxImporter"/> restores) and <c>backprop.declaration</c> (<see cref="ModelData.NetworkDeclaration"/>).
/// </para>
/// </remarks>
public static class OnnxExporter
{
    /// <summary>The producer name written into every model.</summary>
    public const string ProducerName = "Backprop.Generated";

    /// <summary>The metadata key under which the model's cost is written (a <see cref="CostKind"/> name).</summary>
    public const string CostMetadataKey = "backprop.cost";

    /// <summary>The metadata key under which the model's <see cref="ModelData.NetworkDeclaration"/> is written.</summary>
    public const string DeclarationMetadataKey = "backprop.declaration";

    /// <summary>
    /// Writes <paramref name="model"/> as an ONNX model to the file <paramref name="path"/>, atomically: the file is
    /// written beside the target under a temporary name and then renamed over it, so the target is either the old
    /// file or the complete new one; on failure the temporary file is deleted.
    /// </summary>
    /// <param name="model">The model to export.</param>
    /// <param name="path">The file to write (conventionally <c>.onnx</c>); replaced if it exists.</param>
    /// <param name="options">Names and opset; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> or <paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or names a folder, or <paramref name="options"/> are invalid.</exception>
    /// <exception cref="IOException">The file cannot be written (the previous file, if any, is intact).</exception>
    public static void Export(ModelData model, string path, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes = ToBytes(model, options);
        string target = Path.GetFullPath(path);
        string name = Path.GetFileName(target);
        string? directory = Path.GetDirectoryName(target);
        if (name.Length == 0 || directory is null)
        {
            throw new ArgumentException($"Cannot export to '{target}': it names a folder, not a file.", nameof(path));
        }
        string temporary = Path.Combine(directory, Invariant($".{name}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp"));
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, target, overwrite: true);
        }
        catch
        {
            try
            {
                File.Delete(temporary);
            }
            catch (IOException)
            {
                // The original failure is the one to report.
            }
            catch (UnauthorizedAccessException)
            {
                // As above.
            }
            throw;
        }
    }

    /// <summary>Writes <paramref name="model"/> as an ONNX model to <paramref name="stream"/>, which is left open.</summary>
    /// <param name="model">The model to export.</param>
    /// <param name="stream">A writable stream; the model is written at its position.</param>
    /// <param name="options">Names and opset; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> or <paramref name="stream"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> are invalid.</exception>
    public static void Export(ModelData model, Stream stream, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(ToBytes(model, options));
    }

    /// <summary>
    /// Writes <paramref name="network"/> (its type's sizes and functions, its parameters) as an ONNX model to the file
    /// <paramref name="path"/>, atomically, as <see cref="Export(ModelData, string, OnnxExportOptions?)"/>.
    /// </summary>
    /// <typeparam name="TNet">The generated network type.</typeparam>
    /// <param name="network">The network to export.</param>
    /// <param name="path">The file to write; replaced if it exists.</param>
    /// <param name="options">Names and opset; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> or <paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or names a folder, or <paramref name="options"/> are invalid.</exception>
    /// <exception cref="IOException">The file cannot be written (the previous file, if any, is intact).</exception>
    public static void Export<TNet>(TNet network, string path, OnnxExportOptions? options = null)
        where TNet : class, INetwork<TNet>
    {
        ArgumentNullException.ThrowIfNull(network);
        Export(ModelData.From(network), path, options);
    }

    /// <summary>The ONNX model of <paramref name="model"/>, as the bytes of a <c>.onnx</c> file.</summary>
    /// <param name="model">The model to export.</param>
    /// <param name="options">Names and opset; <see langword="null"/> for the defaults.</param>
    /// <returns>The serialized <c>ModelProto</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> are invalid.</exception>
    public static byte[] ToBytes(ModelData model, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Build(model, options ?? new OnnxExportOptions()).ToByteArray();
    }

    /// <summary>The IR version that goes with <paramref name="opset"/>: the one of the ONNX release that introduced it.</summary>
    internal static long IrVersionFor(int opset) => opset switch
    {
        9 => 4,
        10 => 5,
        11 => 6,
        <= 14 => 7,
        <= 18 => 8,
        <= 20 => 9,
        _ => 10,
    };

    private static ModelProto Build(ModelData model, OnnxExportOptions options)
    {
        Check(model, options);
        IReadOnlyList<int> sizes = model.LayerSizes;
        int layers = sizes.Count;
        var graph = new GraphProto
        {
            Name = options.GraphName ?? "backprop_" + model.Shape.Replace('-', '_'),
            DocString = Invariant($"{model.Shape} network with {model.Functions}."),
        };
        graph.Input.Add(FloatMatrix(options.InputName, sizes[0]));
        graph.Output.Add(FloatMatrix(options.OutputName, sizes[^1]));

        string previous = options.InputName;
        for (int l = 2; l <= layers; l++)
        {
            string prefix = Invariant($"layer{l}");
            bool last = l == layers;
            ActivationKind activation = model.Activations[l - 2];
            string weight = prefix + ".weight";
            string bias = prefix + ".bias";
            graph.Initializer.Add(FloatTensor(weight, model.Weights(l), sizes[l - 1], sizes[l - 2]));
            graph.Initializer.Add(FloatTensor(bias, model.Biases(l), sizes[l - 1]));

            string z = last && activation == ActivationKind.Identity ? options.OutputName : prefix + ".z";
            var gemm = new NodeProto
            {
                Name = prefix + ".gemm",
                OpType = "Gemm",
                DocString = Invariant($"z^{l} = a^{l - 1} (w^{l})ᵀ + b^{l}: w^{l} [{sizes[l - 1]}, {sizes[l - 2]}], b^{l} [{sizes[l - 1]}]"),
            };
            gemm.Input.Add(previous);
            gemm.Input.Add(weight);
            gemm.Input.Add(bias);
            gemm.Output.Add(z);
            gemm.Attribute.Add(IntAttribute("transB", 1));
            graph.Node.Add(gemm);
            previous = z;

            if (activation == ActivationKind.Identity)
            {
                continue;
            }
            string a = last ? options.OutputName : prefix + ".a";
            var (opType, suffix) = activation switch
            {
                ActivationKind.Sigmoid => ("Sigmoid", "sigmoid"),
                ActivationKind.Tanh => ("Tanh", "tanh"),
                ActivationKind.ReLU => ("Relu", "relu"),
                ActivationKind.LeakyReLU => ("LeakyRelu", "leaky_relu"),
                ActivationKind.Softmax => ("Softmax", "softmax"),
                _ => throw new ArgumentException(Invariant($"{(int)activation} is not an ActivationKind."), nameof(model)),
            };
            var node = new NodeProto
            {
                Name = prefix + "." + suffix,
                OpType = opType,
                DocString = Invariant($"a^{l} = {activation}(z^{l})"),
            };
            node.Input.Add(z);
            node.Output.Add(a);
            if (activation == ActivationKind.LeakyReLU)
            {
                node.Attribute.Add(FloatAttribute("alpha", 0.01f));
            }
            else if (activation == ActivationKind.Softmax)
            {
                // Before opset 13, axis = 1 flattens to [batch, n_L]; from 13 on, -1 is the last axis. Either is the row.
                node.Attribute.Add(IntAttribute("axis", options.Opset < 13 ? 1 : -1));
            }
            graph.Node.Add(node);
            previous = a;
        }

        var result = new ModelProto
        {
            IrVersion = IrVersionFor(options.Opset),
            ProducerName = ProducerName,
            ProducerVersion = ProducerVersion,
            Domain = "",
            ModelVersion = 1,
            DocString = Invariant(
                $"A {model.Shape} multilayer perceptron with {model.Functions}, exported by Backprop.Generated: ") +
                Invariant($"input '{options.InputName}' float [batch, {sizes[0]}], output '{options.OutputName}' float [batch, {sizes[^1]}]; ") +
                "each layer l a Gemm a^(l-1) (w^l)T + b^l then its activation. Declared as " + model.NetworkDeclaration,
            Graph = graph,
        };
        result.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = options.Opset });
        result.MetadataProps.Add(new StringStringEntryProto { Key = CostMetadataKey, Value = model.Cost.ToString() });
        result.MetadataProps.Add(new StringStringEntryProto { Key = DeclarationMetadataKey, Value = model.NetworkDeclaration });
        return result;
    }

    private static void Check(ModelData model, OnnxExportOptions options)
    {
        if (options.Opset is < OnnxExportOptions.MinOpset or > OnnxExportOptions.MaxOpset)
        {
            throw new ArgumentException(Invariant(
                $"Opset {options.Opset} is not supported; choose {OnnxExportOptions.MinOpset} to {OnnxExportOptions.MaxOpset}."), nameof(options));
        }
        if (string.IsNullOrEmpty(options.InputName) || string.IsNullOrEmpty(options.OutputName))
        {
            throw new ArgumentException("The input and output names must not be empty.", nameof(options));
        }
        if (options.InputName == options.OutputName)
        {
            throw new ArgumentException($"The input and the output are both named '{options.InputName}'; they need different names.", nameof(options));
        }
        for (int l = 2; l <= model.LayerSizes.Count; l++)
        {
            string prefix = Invariant($"layer{l}.");
            foreach (string name in (ReadOnlySpan<string>)[options.InputName, options.OutputName])
            {
                if (name.StartsWith(prefix, StringComparison.Ordinal))
                {
                    throw new ArgumentException(
                        $"The name '{name}' is taken by the graph's own tensors ({prefix}weight, {prefix}bias, {prefix}z, {prefix}a); choose another.",
                        nameof(options));
                }
            }
        }
    }

    private static string ProducerVersion =>
        typeof(OnnxExporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(OnnxExporter).Assembly.GetName().Version?.ToString()
        ?? "";

    private static ValueInfoProto FloatMatrix(string name, int width)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "batch" });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = width });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto
            {
                TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape },
            },
        };
    }

    private static TensorProto FloatTensor(string name, ReadOnlySpan<float> values, params ReadOnlySpan<int> dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        foreach (int dim in dims)
        {
            tensor.Dims.Add(dim);
        }
        byte[] raw = new byte[values.Length * sizeof(float)];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * sizeof(float)), values[i]);
        }
        tensor.RawData = ByteString.CopyFrom(raw);
        return tensor;
    }

    private static AttributeProto IntAttribute(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static AttributeProto FloatAttribute(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };
}
