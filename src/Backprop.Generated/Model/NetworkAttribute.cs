using System;
using System.Collections.Generic;

namespace Backprop;

/// <summary>
/// Marks a <c>partial</c> class as a neural network of fixed layer sizes. At build time the
/// Backprop.Generated source generator fills in the class: parameter storage, typed per-layer
/// weights, and <see cref="INetwork{TSelf}.Forward"/> and <see cref="INetwork{TSelf}.Backprop"/>
/// specialised to exactly these sizes.
/// </summary>
/// <example>
/// <code>
/// [Network(784, 30, 10)]
/// public partial class DigitNet { }
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class NetworkAttribute : Attribute
{
    /// <summary>Declares a network with the given layer sizes.</summary>
    /// <param name="layerSizes">
    /// The number of neurons in each layer, input first: the first size is the input width, the
    /// last the output width. At least two sizes, each at least 1, all compile-time constants.
    /// </param>
    public NetworkAttribute(params int[] layerSizes) => LayerSizes = layerSizes ?? Array.Empty<int>();

    /// <summary>The layer sizes, input first.</summary>
    public IReadOnlyList<int> LayerSizes { get; }

    /// <summary>
    /// The code shape to generate. <see cref="UnrollMode.Auto"/> (the default) unrolls tiny
    /// networks into straight-line code and emits blocked SIMD loops for everything else.
    /// </summary>
    public UnrollMode Unroll { get; set; }

    /// <summary>
    /// Trained weights to compile into the network: the file name (or a path suffix) of a model saved by
    /// <see cref="NetworkSerializer.SaveBase64{TNet}(TNet, string)"/>, passed to the compiler as an
    /// <c>AdditionalFiles</c> item. The network then has a <c>public static CreateTrained()</c> that returns
    /// a new network holding those weights, with no file or stream I/O at run time: the parameters live in
    /// the assembly's read-only data.
    /// </summary>
    /// <remarks>
    /// <para>
    /// The file is the saved-model format of <see cref="NetworkSerializer"/> in base64 text (the binary
    /// <c>.bpnet</c> itself cannot be used: compilers pass only text files to source generators). Its
    /// layer sizes, activations and cost must be the network's. Every problem is a build error on the
    /// attribute: the file is not among the AdditionalFiles (BPG017), is binary (BPG018), is not a valid
    /// model (BPG019), has a newer format version (BPG020), holds another shape (BPG021), matches several
    /// items (BPG022), or is too large to bake in (BPG023).
    /// </para>
    /// <para>Editing the file rebuilds the network; editing other code does not read it again.</para>
    /// </remarks>
    /// <example>
    /// <code>
    /// // In the project file: &lt;ItemGroup&gt;&lt;AdditionalFiles Include="digits.bpnet.b64" /&gt;&lt;/ItemGroup&gt;
    /// [Network(784, 30, 10, Weights = "digits.bpnet.b64")]
    /// public partial class DigitNet { }
    ///
    /// DigitNet network = DigitNet.CreateTrained();
    /// </code>
    /// </example>
    public string? Weights { get; set; }

    /// <summary>
    /// The activation of every hidden layer 2..L−1 (default <see cref="ActivationKind.Sigmoid"/>). Shorthand for
    /// <see cref="Activations"/>; not allowed together with it. <see cref="ActivationKind.Softmax"/> is an output
    /// activation only.
    /// </summary>
    public ActivationKind HiddenActivation { get; set; } = ActivationKind.Sigmoid;

    /// <summary>
    /// The activation of the output layer L (default <see cref="ActivationKind.Sigmoid"/>). Shorthand for the last
    /// element of <see cref="Activations"/>; not allowed together with it.
    /// </summary>
    public ActivationKind OutputActivation { get; set; } = ActivationKind.Sigmoid;

    /// <summary>
    /// One activation per layer 2..L (as many as there are layer sizes, less one), for networks whose hidden layers
    /// differ. Not allowed together with <see cref="HiddenActivation"/> or <see cref="OutputActivation"/>.
    /// </summary>
    /// <example>
    /// <code>
    /// [Network(3, 5, 4, 2, Activations = new[] { ActivationKind.LeakyReLU, ActivationKind.Tanh, ActivationKind.Sigmoid })]
    /// public partial class Mixed { }
    /// </code>
    /// </example>
    public ActivationKind[]? Activations { get; set; }

    /// <summary>
    /// The cost function. When not set it is the output activation's natural pair: sigmoid →
    /// <see cref="CostKind.CrossEntropy"/>, softmax → <see cref="CostKind.LogLikelihood"/>, any other →
    /// <see cref="CostKind.Quadratic"/>. Cross-entropy needs a sigmoid output and log-likelihood a softmax output.
    /// </summary>
    public CostKind Cost
    {
        get => _cost ?? NaturalCost(Activations is { Length: > 0 } all ? all[^1] : OutputActivation);
        set => _cost = value;
    }

    private CostKind? _cost;

    /// <summary>The cost a network gets when its attribute names none: the natural pair of its output activation.</summary>
    public static CostKind NaturalCost(ActivationKind output) => FunctionRules.NaturalCost(output);
}
