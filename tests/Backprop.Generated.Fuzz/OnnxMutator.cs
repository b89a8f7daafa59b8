using System;
using System.Collections.Generic;
using System.Linq;
using Google.Protobuf;
using Onnx;

namespace Backprop.Generated.Fuzz;

/// <summary>
/// Structure-aware edits for the <c>onnx</c> target's <c>--mutate</c> mode: a seed parsed as an ONNX model, one to three
/// of its fields changed (tensor dimensions, element types and data; node operators, inputs and attributes; the
/// graph's input and output shapes; opset, IR version and cost metadata), and serialized again. Byte edits rarely get
/// past protobuf's nested lengths to the importer's own checks; these do.
/// </summary>
internal static class OnnxMutator
{
    private static readonly long[] InterestingLongs =
    [
        -1, 0, 1, 2, 3, 4, 5, 16_383, 16_384, 65_536, (1L << 28) - 1, 1L << 28, int.MaxValue, int.MaxValue + 1L,
        uint.MaxValue, (1L << 62) + 1, long.MaxValue, long.MinValue,
    ];

    private static readonly float[] InterestingFloats = [0f, 1f, -1f, 0.01f, 0.2f, 2f, float.NaN, float.PositiveInfinity, float.MaxValue, 1e-45f];

    private static readonly string[] Operators =
    [
        "Gemm", "MatMul", "Add", "Relu", "LeakyRelu", "Tanh", "Sigmoid", "Softmax", "Flatten", "Reshape", "Identity",
        "Dropout", "Constant", "Conv", "MaxPool", "AveragePool", "BatchNormalization", "Pad", "",
    ];

    private static readonly string[] AttributeNames =
        [
            "alpha", "beta", "transA", "transB", "axis", "allowzero", "is_test", "ratio", "value", "value_float", "value_floats", "value_int", "value_ints", "x",
            "kernel_shape", "strides", "pads", "dilations", "group", "auto_pad", "ceil_mode", "count_include_pad", "storage_order", "epsilon",
            "training_mode", "spatial", "mode",
        ];

    /// <summary>The seed with one to three structural edits, or null when it does not parse as an ONNX model.</summary>
    public static byte[]? Mutate(byte[] seed, Random random)
    {
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(seed);
        }
        catch (InvalidProtocolBufferException)
        {
            return null;
        }
        int edits = 1 + random.Next(3);
        for (int e = 0; e < edits; e++)
        {
            Edit(model, random);
        }
        return model.ToByteArray();
    }

    private static void Edit(ModelProto model, Random random)
    {
        GraphProto graph = model.Graph ??= new GraphProto();
        List<TensorProto> tensors = [.. graph.Initializer, .. graph.Node.SelectMany(n => n.Attribute).Where(a => a.T is not null).Select(a => a.T)];
        List<string> names = [.. graph.Node.SelectMany(n => n.Input.Concat(n.Output)), .. graph.Initializer.Select(t => t.Name), .. graph.Input.Select(v => v.Name), ""];
        switch (random.Next(12))
        {
            case 0 when tensors.Count > 0:
                EditDims(Pick(tensors, random).Dims, random);
                break;
            case 1 when tensors.Count > 0:
                EditData(Pick(tensors, random), random);
                break;
            case 2 when graph.Node.Count > 0:
                Pick(graph.Node, random).OpType = Pick(Operators, random);
                break;
            case 3 when graph.Node.Count > 0:
                EditInputs(Pick(graph.Node, random), names, random);
                break;
            case 4 when graph.Node.Count > 0:
                EditAttributes(Pick(graph.Node, random), random);
                break;
            case 5 when graph.Node.Count > 0:
                EditNodes(graph, random);
                break;
            case 6:
                EditValue(random.Next(2) == 0 ? graph.Input : graph.Output, random);
                break;
            case 7:
                EditModel(model, random);
                break;
            case 8 when graph.Initializer.Count > 0:
                // An initializer renamed, dropped, or duplicated under another's name.
                TensorProto initializer = Pick(graph.Initializer, random);
                switch (random.Next(3))
                {
                    case 0:
                        initializer.Name = Pick(names, random);
                        break;
                    case 1:
                        graph.Initializer.Remove(initializer);
                        break;
                    default:
                        TensorProto copy = initializer.Clone();
                        copy.Name = Pick(names, random);
                        graph.Initializer.Add(copy);
                        break;
                }
                break;
            case 9 when graph.Node.Count > 0:
                // A node's output renamed (to the graph's output, another tensor, nothing) or a second one added.
                NodeProto node = Pick(graph.Node, random);
                if (node.Output.Count > 0 && random.Next(2) == 0)
                {
                    node.Output[random.Next(node.Output.Count)] = Pick(names, random);
                }
                else
                {
                    node.Output.Add(Pick(names, random));
                }
                break;
            case 10 when graph.Node.Count > 0:
                Pick(graph.Node, random).Domain = Pick(["", "ai.onnx", "com.microsoft"], random);
                break;
            default:
                // A Constant node that holds a copy of an initializer, or a value attribute.
                var constant = new NodeProto { OpType = "Constant", Name = "c" + random.Next(100) };
                constant.Output.Add(Pick(names, random));
                if (graph.Initializer.Count > 0 && random.Next(2) == 0)
                {
                    constant.Attribute.Add(new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = Pick(graph.Initializer, random).Clone() });
                }
                else
                {
                    constant.Attribute.Add(RandomAttribute(random));
                }
                graph.Node.Insert(random.Next(graph.Node.Count + 1), constant);
                break;
        }
    }

    private static void EditDims(IList<long> dims, Random random)
    {
        switch (random.Next(4))
        {
            case 0 when dims.Count > 0:
                dims[random.Next(dims.Count)] = Pick(InterestingLongs, random);
                break;
            case 1 when dims.Count > 0:
                dims.RemoveAt(random.Next(dims.Count));
                break;
            case 2 when dims.Count >= 2:
                (dims[0], dims[1]) = (dims[1], dims[0]);
                break;
            default:
                dims.Insert(random.Next(dims.Count + 1), Pick(InterestingLongs, random));
                break;
        }
    }

    private static void EditData(TensorProto tensor, Random random)
    {
        switch (random.Next(7))
        {
            case 0:
                tensor.DataType = random.Next(18);
                break;
            case 1 when !tensor.RawData.IsEmpty:
                tensor.RawData = ByteString.CopyFrom(tensor.RawData.Span[..random.Next(tensor.RawData.Length)]);
                break;
            case 2 when !tensor.RawData.IsEmpty:
                // raw_data moved to float_data (or to both).
                float[] values = new float[tensor.RawData.Length / 4];
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = BitConverter.ToSingle(tensor.RawData.Span.Slice(i * 4, 4));
                }
                tensor.FloatData.Add(values);
                if (random.Next(2) == 0)
                {
                    tensor.RawData = ByteString.Empty;
                }
                break;
            case 3:
                tensor.RawData = ByteString.Empty;
                tensor.FloatData.Clear();
                break;
            case 4:
                tensor.DataLocation = (TensorProto.Types.DataLocation)random.Next(3);
                break;
            case 5:
                tensor.Int64Data.Add(Pick(InterestingLongs, random));
                tensor.Int32Data.Add(random.Next(3) - 1);
                break;
            default:
                tensor.Segment = new TensorProto.Types.Segment { Begin = 0, End = random.Next(4) };
                break;
        }
    }

    private static void EditInputs(NodeProto node, List<string> names, Random random)
    {
        switch (random.Next(4))
        {
            case 0 when node.Input.Count > 0:
                node.Input[random.Next(node.Input.Count)] = Pick(names, random);
                break;
            case 1 when node.Input.Count > 0:
                node.Input.RemoveAt(random.Next(node.Input.Count));
                break;
            case 2 when node.Input.Count >= 2:
                (node.Input[0], node.Input[1]) = (node.Input[1], node.Input[0]);
                break;
            default:
                node.Input.Add(Pick(names, random));
                break;
        }
    }

    private static void EditAttributes(NodeProto node, Random random)
    {
        List<AttributeProto> lists = [.. node.Attribute.Where(a => a.Ints.Count > 0)];
        if (lists.Count > 0 && random.Next(3) == 0)
        {
            // A kernel shape, stride, padding or dilation changed in place: one value, or one value dropped or added.
            RepeatedFieldLongs(Pick(lists, random).Ints, random);
        }
        else if (node.Attribute.Count > 0 && random.Next(3) == 0)
        {
            node.Attribute.RemoveAt(random.Next(node.Attribute.Count));
        }
        else
        {
            node.Attribute.Add(RandomAttribute(random));
        }
    }

    private static void RepeatedFieldLongs(IList<long> values, Random random)
    {
        switch (random.Next(3))
        {
            case 0:
                values.RemoveAt(random.Next(values.Count));
                break;
            case 1:
                values.Add(random.Next(4));
                break;
            default:
                values[random.Next(values.Count)] = random.Next(2) == 0 ? random.Next(5) : Pick(InterestingLongs, random);
                break;
        }
    }

    private static AttributeProto RandomAttribute(Random random)
    {
        var attribute = new AttributeProto { Name = Pick(AttributeNames, random), Type = (AttributeProto.Types.AttributeType)random.Next(8) };
        switch (random.Next(5))
        {
            case 0:
                attribute.I = Pick(InterestingLongs, random);
                break;
            case 1:
                attribute.F = Pick(InterestingFloats, random);
                break;
            case 2:
                attribute.Ints.Add(Enumerable.Range(0, random.Next(4)).Select(_ => Pick(InterestingLongs, random)));
                break;
            case 3:
                attribute.Floats.Add(Enumerable.Range(0, random.Next(4)).Select(_ => Pick(InterestingFloats, random)));
                break;
            default:
                var tensor = new TensorProto { DataType = Pick([1, 7, 9, 11], random) };
                tensor.Dims.Add(Enumerable.Range(0, random.Next(3)).Select(_ => Pick(InterestingLongs, random)));
                tensor.RawData = ByteString.CopyFrom(new byte[random.Next(17)]);
                attribute.T = tensor;
                break;
        }
        return attribute;
    }

    private static void EditNodes(GraphProto graph, Random random)
    {
        int at = random.Next(graph.Node.Count);
        switch (random.Next(3))
        {
            case 0:
                graph.Node.RemoveAt(at);
                break;
            case 1:
                graph.Node.Insert(random.Next(graph.Node.Count + 1), graph.Node[at].Clone());
                break;
            default:
                NodeProto node = graph.Node[at];
                graph.Node.RemoveAt(at);
                graph.Node.Insert(random.Next(graph.Node.Count + 1), node);
                break;
        }
    }

    private static void EditValue(IList<ValueInfoProto> values, Random random)
    {
        if (values.Count == 0 || random.Next(8) == 0)
        {
            values.Add(new ValueInfoProto { Name = "extra" });
            return;
        }
        ValueInfoProto value = Pick(values, random);
        if (value.Type is null || random.Next(8) == 0)
        {
            value.Type = random.Next(2) == 0 ? null : new TypeProto { SequenceType = new TypeProto.Types.Sequence() };
            return;
        }
        if (value.Type.TensorType is not TypeProto.Types.Tensor tensor)
        {
            return;
        }
        if (random.Next(5) == 0)
        {
            tensor.ElemType = random.Next(18);
            return;
        }
        IList<TensorShapeProto.Types.Dimension> dims = (tensor.Shape ??= new TensorShapeProto()).Dim;
        var dim = new TensorShapeProto.Types.Dimension();
        if (random.Next(4) == 0)
        {
            dim.DimParam = "n";
        }
        else
        {
            dim.DimValue = Pick(InterestingLongs, random);
        }
        switch (random.Next(3))
        {
            case 0 when dims.Count > 0:
                dims[random.Next(dims.Count)] = dim;
                break;
            case 1 when dims.Count > 0:
                dims.RemoveAt(random.Next(dims.Count));
                break;
            default:
                dims.Insert(random.Next(dims.Count + 1), dim);
                break;
        }
    }

    private static void EditModel(ModelProto model, Random random)
    {
        switch (random.Next(4))
        {
            case 0:
                model.IrVersion = Pick(InterestingLongs, random);
                break;
            case 1 when model.OpsetImport.Count > 0:
                model.OpsetImport[0].Version = Pick([1L, 9, 11, 12, 13, 17, 21, 0, -1, long.MaxValue], random);
                break;
            case 2:
                model.MetadataProps.Insert(0, new StringStringEntryProto
                {
                    Key = "backprop.cost",
                    Value = Pick(["CrossEntropy", "LogLikelihood", "Quadratic", "", "crossentropy", "3"], random),
                });
                break;
            default:
                model.MetadataProps.Clear();
                break;
        }
    }

    private static T Pick<T>(IList<T> items, Random random) => items[random.Next(items.Count)];
}
