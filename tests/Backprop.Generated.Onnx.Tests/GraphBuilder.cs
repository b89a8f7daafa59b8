using System;
using System.Buffers.Binary;
using Google.Protobuf;
using Onnx;

namespace Backprop.Onnx.Tests;

/// <summary>Builds small ONNX models by hand, to import variants and invalid models no exporter writes.</summary>
internal sealed class GraphBuilder
{
    public const int Float = (int)TensorProto.Types.DataType.Float;
    public const int DoubleType = (int)TensorProto.Types.DataType.Double;

    public GraphBuilder(int opset = 13)
    {
        Model = new ModelProto { IrVersion = opset >= 13 ? 7 : 6, ProducerName = "GraphBuilder", Graph = new GraphProto { Name = "test" } };
        Model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
    }

    public ModelProto Model { get; }

    private GraphProto Graph => Model.Graph;

    /// <summary>A graph input: float (or <paramref name="elementType"/>) with these dimensions, 0 standing for "batch".</summary>
    public GraphBuilder Input(string name, long[] dims, int elementType = Float)
    {
        Graph.Input.Add(Value(name, dims, elementType));
        return this;
    }

    public GraphBuilder Output(string name, long[] dims, int elementType = Float)
    {
        Graph.Output.Add(Value(name, dims, elementType));
        return this;
    }

    /// <summary>A float initializer in raw_data (little-endian).</summary>
    public GraphBuilder Initializer(string name, float[] values, params long[] dims)
    {
        Graph.Initializer.Add(RawTensor(name, values, dims));
        return this;
    }

    /// <summary>A float initializer in float_data.</summary>
    public GraphBuilder FloatDataInitializer(string name, float[] values, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = Float };
        tensor.Dims.Add(dims);
        tensor.FloatData.Add(values);
        Graph.Initializer.Add(tensor);
        return this;
    }

    /// <summary>A double initializer (not supported by the importer).</summary>
    public GraphBuilder DoubleInitializer(string name, double[] values, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = DoubleType };
        tensor.Dims.Add(dims);
        tensor.DoubleData.Add(values);
        Graph.Initializer.Add(tensor);
        return this;
    }

    public GraphBuilder Int64Initializer(string name, params long[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.Add(values.Length);
        tensor.Int64Data.Add(values);
        Graph.Initializer.Add(tensor);
        return this;
    }

    /// <summary>A Constant node holding a float tensor (raw_data).</summary>
    public GraphBuilder Constant(string name, float[] values, params long[] dims)
    {
        var node = new NodeProto { Name = name + "_constant", OpType = "Constant" };
        node.Output.Add(name);
        node.Attribute.Add(new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = RawTensor("", values, dims) });
        Graph.Node.Add(node);
        return this;
    }

    /// <summary>A Constant node holding an INT64 vector (its value_ints attribute), e.g. a Reshape's shape.</summary>
    public GraphBuilder Int64Constant(string name, params long[] values)
    {
        var node = new NodeProto { Name = name + "_constant", OpType = "Constant" };
        node.Output.Add(name);
        var attribute = new AttributeProto { Name = "value_ints", Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.Add(values);
        node.Attribute.Add(attribute);
        Graph.Node.Add(node);
        return this;
    }

    public GraphBuilder Node(string opType, string name, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { Name = name, OpType = opType };
        node.Input.Add(inputs);
        node.Output.Add(outputs);
        node.Attribute.Add(attributes);
        Graph.Node.Add(node);
        return this;
    }

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.Add(values);
        return attribute;
    }

    public static AttributeProto Text(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    public static AttributeProto FloatAttribute(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public byte[] Bytes() => Model.ToByteArray();

    /// <summary>Seeded values in [-1, 1).</summary>
    public static float[] Values(int count, int seed)
    {
        var random = new Random(seed);
        float[] values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (float)(random.NextDouble() * 2 - 1);
        }
        return values;
    }

    private static TensorProto RawTensor(string name, float[] values, long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = Float };
        tensor.Dims.Add(dims);
        byte[] raw = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * 4), values[i]);
        }
        tensor.RawData = ByteString.CopyFrom(raw);
        return tensor;
    }

    private static ValueInfoProto Value(string name, long[] dims, int elementType)
    {
        var shape = new TensorShapeProto();
        foreach (long dim in dims)
        {
            shape.Dim.Add(dim == 0
                ? new TensorShapeProto.Types.Dimension { DimParam = "batch" }
                : new TensorShapeProto.Types.Dimension { DimValue = dim });
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = elementType, Shape = shape } },
        };
    }
}
