using System;
using System.IO;

namespace Backprop.Onnx;

/// <summary>Why an ONNX model cannot be imported (see <see cref="OnnxImportException"/>).</summary>
public enum OnnxImportError
{
    /// <summary>The bytes are not an ONNX model: they do not parse as a <c>ModelProto</c>, or it has no graph.</summary>
    NotOnnx = 1,

    /// <summary>The graph has no layer: no <c>Gemm</c> or <c>MatMul</c> between its input and its output.</summary>
    Empty = 2,

    /// <summary>A node's operator is not one a multilayer perceptron is made of (e.g. <c>Conv</c>), or is from another domain.</summary>
    UnsupportedOperator = 3,

    /// <summary>
    /// A node has an attribute value the runtime cannot reproduce: <c>LeakyRelu</c> with an alpha other than 0.01,
    /// <c>Gemm</c> with transA = 1, <c>Softmax</c> over another axis than the last, an attribute the importer does not know.
    /// </summary>
    UnsupportedAttribute = 4,

    /// <summary>A tensor (the input, the output or a weight) is not float32, or its data is stored externally.</summary>
    UnsupportedType = 5,

    /// <summary>
    /// The graph is not a chain from one input to one output: several real inputs or outputs, a tensor that feeds two
    /// nodes, a node off the chain, an output the chain never reaches, two activations in a row, or softmax before the
    /// output layer.
    /// </summary>
    UnsupportedGraph = 6,

    /// <summary>The widths do not fit: a layer's weights do not take the width of what feeds them, or a declared shape disagrees.</summary>
    ShapeMismatch = 7,

    /// <summary>A tensor is malformed: its data has another length than its dimensions say, or a weight is missing.</summary>
    InvalidTensor = 8,

    /// <summary>The model has more layers than a network can (see <see cref="NetworkSerializer.MaxLayerCount"/>), or sizes no network can have.</summary>
    TooLarge = 9,
}

/// <summary>
/// An ONNX model that cannot be imported as a Backprop.Generated model. The one-line message names the file, the node
/// (its name and operator) and what is supported; <see cref="FilePath"/>, <see cref="NodeName"/>,
/// <see cref="OperatorType"/> and <see cref="Reason"/> say the same for code.
/// </summary>
/// <remarks>
/// An <see cref="IOException"/>, as <see cref="ModelFormatException"/> is (<see cref="InvalidDataException"/>, the
/// natural base, is sealed).
/// </remarks>
public sealed class OnnxImportException : IOException
{
    /// <summary>Creates the exception for <paramref name="filePath"/>.</summary>
    /// <param name="message">The whole message, naming the file, the node and the problem.</param>
    /// <param name="filePath">The file's full path, or the name given for a stream.</param>
    /// <param name="reason">What is wrong.</param>
    /// <param name="nodeName">The name of the node the problem is in, or <see langword="null"/>.</param>
    /// <param name="operatorType">The operator (op_type) of that node, or <see langword="null"/>.</param>
    /// <param name="innerException">The exception that caused this one, if any.</param>
    public OnnxImportException(
        string message,
        string filePath,
        OnnxImportError reason,
        string? nodeName = null,
        string? operatorType = null,
        Exception? innerException = null)
        : base(message, innerException)
    {
        FilePath = filePath;
        Reason = reason;
        NodeName = nodeName;
        OperatorType = operatorType;
    }

    /// <summary>The full path of the file (or, for a stream, the name it was given) the problem is in.</summary>
    public string FilePath { get; }

    /// <summary>What is wrong.</summary>
    public OnnxImportError Reason { get; }

    /// <summary>The name of the node the problem is in (empty for a node without a name); <see langword="null"/> when it is not about one node.</summary>
    public string? NodeName { get; }

    /// <summary>The operator (op_type, e.g. <c>Conv</c>) of the node the problem is in; <see langword="null"/> when it is not about one node.</summary>
    public string? OperatorType { get; }
}
