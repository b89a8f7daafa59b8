using Microsoft.CodeAnalysis;

namespace Backprop.Generated.Generator;

/// <summary>Every diagnostic the generator reports. IDs are never reused; see AnalyzerReleases.*.md.</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "Backprop.Generated";

    public static readonly DiagnosticDescriptor NetworkTypeMustBePartial = new(
        id: "BPG001",
        title: "A network type must be partial",
        messageFormat: "The network type '{0}' must be declared partial so that the generator can add its members: write 'partial class {0}'",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor NetworkNeedsTwoLayers = new(
        id: "BPG002",
        title: "A network needs at least two layer sizes",
        messageFormat: "The network '{0}' has {1} layer size(s); give at least two, the input width first and the output width last, e.g. [Network(784, 30, 10)].",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor LayerSizeMustBePositive = new(
        id: "BPG003",
        title: "Every layer size must be at least 1",
        messageFormat: "Layer {1} of the network '{0}' has size {2}; every layer needs at least one neuron",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor LayerSizesMustBeConstant = new(
        id: "BPG004",
        title: "Layer sizes must be compile-time int constants",
        messageFormat: "The layer sizes of the network '{0}' must be int literals or constants, e.g. [Network(784, 30, 10)] or [Network(Inputs, 30, 10)] with 'const int Inputs = 784'.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor NetworkTypeMustNotBeGeneric = new(
        id: "BPG005",
        title: "A network type must not be generic",
        messageFormat: "The network type '{0}' must not have type parameters: its sizes and code are fixed at compile time; remove the type parameters",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor ContainingTypeMustBePartial = new(
        id: "BPG006",
        title: "The types containing a network must be partial",
        messageFormat: "The network '{0}' is nested in '{1}', which must be declared partial so that the generator can re-open it: write 'partial' on '{1}'",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor NetworkTooLarge = new(
        id: "BPG007",
        title: "The network is too large to generate",
        messageFormat: "The network '{0}' is too large to generate: {1}. The limits are at most {2} layers, at most {3} neurons in the non-input layers together (their activations live on the stack), and at most {4} parameters; use fewer or smaller layers.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor NetworkTypeMustNotBeStaticOrAbstract = new(
        id: "BPG008",
        title: "A network type must be instantiable",
        messageFormat: "The network type '{0}' must not be {1}: the generator gives it instance members and a public parameterless constructor; remove the '{1}' modifier",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor ParameterlessConstructorMustBePublic = new(
        id: "BPG009",
        title: "A network's parameterless constructor must be public",
        messageFormat: "The network type '{0}' declares a parameterless constructor that is not public; make it public or remove it (the generator then supplies one)",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor NetworkTooLargeToUnroll = new(
        id: "BPG010",
        title: "The network is too large to unroll",
        messageFormat: "The network '{0}' would unroll to about {1} IL instructions per method, more than the {2} that UnrollMode.Full allows (the JIT stops optimising methods past 20,000); blocked SIMD code is generated instead. Remove 'Unroll = UnrollMode.Full' to silence this warning.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor UnknownUnrollMode = new(
        id: "BPG011",
        title: "Unknown unroll mode",
        messageFormat: "The network '{0}' asks for unroll mode {1}, which is not a value of Backprop.UnrollMode; use UnrollMode.Auto, UnrollMode.Full or UnrollMode.Blocked",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor NetworkTypeMustNotBeFileLocal = new(
        id: "BPG012",
        title: "A network type must not be file-local",
        messageFormat: "The network type '{0}' is declared 'file', so the generated part in another file cannot extend it; remove the 'file' modifier (use 'internal' to keep it out of the public API)",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor PrimaryConstructorNeedsParameterlessConstructor = new(
        id: "BPG013",
        title: "A network with a primary constructor must declare its parameterless constructor",
        messageFormat: "The network type '{0}' has a primary constructor, so the generator cannot add the public parameterless constructor networks need; declare 'public {0}() : this(...)' yourself",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor NetworkTypeNameCollidesWithMember = new(
        id: "BPG014",
        title: "A network type must not be named like a generated member",
        messageFormat: "The network type '{0}' has the name of a member the generator adds to it, and a member cannot share its type's name; rename the type",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor NetworkTypeMustNotBeRecord = new(
        id: "BPG015",
        title: "A network type must be a class, not a record",
        messageFormat: "The network type '{0}' is a record; declare it as 'partial class {0}' (a network's identity is its parameters, not value equality)",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor NetworkNeedsCSharp11 = new(
        id: "BPG016",
        title: "Generated networks need C# 11 or later",
        messageFormat: "The network '{0}' cannot be generated for C# {1}: networks implement static abstract interface members, which need C# 11 or later; set <LangVersion> to 11 or later (the default for .NET 8 and newer)",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor WeightsFileNotFound = new(
        id: "BPG017",
        title: "The weights file is not among the AdditionalFiles",
        messageFormat: "The network '{0}' bakes in the weights file '{1}', but no AdditionalFiles item has that file name or path suffix; pass it to the compiler: <ItemGroup><AdditionalFiles Include=\"{1}\" /></ItemGroup> in the project file (the path relative to the project){2}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor WeightsFileMustBeText = new(
        id: "BPG018",
        title: "The weights file must be the text form of a model",
        messageFormat: "The weights file '{1}' of the network '{0}' {2}: compilers pass only text files to generators (reading a binary one fails with CS2015). Bake the model's base64 text form instead: write it with NetworkSerializer.SaveBase64 (or 'base64 -w 76 model.bpnet > model.bpnet.b64'), pass that file as <AdditionalFiles Include=\"model.bpnet.b64\" /> and name it in Weights = \"model.bpnet.b64\".",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor WeightsFileCorrupt = new(
        id: "BPG019",
        title: "The weights file is not a valid model",
        messageFormat: "The weights file '{1}' of the network '{0}' is not a valid model: {2}. Save the model again with NetworkSerializer.SaveBase64.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor WeightsFormatVersionUnsupported = new(
        id: "BPG020",
        title: "The weights file has a model format version this generator does not read",
        messageFormat: "The weights file '{1}' of the network '{0}' has model format version {2}; this generator reads versions 1 to 3{3}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor WeightsShapeMismatch = new(
        id: "BPG021",
        title: "The weights file holds a network of another shape, other activations or another cost",
        messageFormat: "The weights file '{1}' holds {2}, but the network '{0}' is {3}; bake a model trained for this network, or change the attribute to match the file",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor WeightsFileAmbiguous = new(
        id: "BPG022",
        title: "Several AdditionalFiles items match the weights file name",
        messageFormat: "The network '{0}' bakes in the weights file '{1}', which matches {2} AdditionalFiles items ({3}); name it by a longer path suffix that matches only one, such as Weights = \"Models/{1}\"",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor WeightsTooLargeToBake = new(
        id: "BPG023",
        title: "The weights file is too large to bake in",
        messageFormat: "The weights file '{1}' of the network '{0}' holds {2} parameters, more than the {3} that can be baked into an assembly (each byte becomes a literal the compiler must parse); load it at run time with NetworkSerializer.Load instead",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor SoftmaxOnHiddenLayer = new(
        id: "BPG024",
        title: "Softmax is an output activation only",
        messageFormat: "Layer {1} of the network '{0}' is a hidden layer with the Softmax activation, which couples every neuron of a layer and is only defined for the output; use ReLU, LeakyReLU, Tanh, Sigmoid or Identity for hidden layers (Softmax may be the OutputActivation or the last element of Activations)",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor LogLikelihoodNeedsSoftmax = new(
        id: "BPG025",
        title: "The log-likelihood cost needs a softmax output",
        messageFormat: "The network '{0}' has Cost = CostKind.LogLikelihood with a {1} output; the log-likelihood −Σ y ln a needs outputs that form a probability distribution: set OutputActivation = ActivationKind.Softmax, or use CostKind.Quadratic",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor CrossEntropyNeedsSigmoid = new(
        id: "BPG026",
        title: "The cross-entropy cost needs a sigmoid output",
        messageFormat: "The network '{0}' has Cost = CostKind.CrossEntropy with a {1} output; cross-entropy −Σ [y ln a + (1 − y) ln(1 − a)] needs outputs in (0, 1): set OutputActivation = ActivationKind.Sigmoid, or use {2}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor ActivationsWrongLength = new(
        id: "BPG027",
        title: "Activations needs one activation per layer after the input",
        messageFormat: "The network '{0}' has {1} layers and so {2} weight layers, but Activations has {3} element(s); give exactly {2}, one for each layer 2..L, the output's last",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor ActivationsWithShorthand = new(
        id: "BPG028",
        title: "Activations cannot be combined with HiddenActivation or OutputActivation",
        messageFormat: "The network '{0}' sets both Activations and {1}; Activations already names every layer's activation: remove {1}, or remove Activations and use HiddenActivation and OutputActivation",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor UnknownActivation = new(
        id: "BPG029",
        title: "Unknown activation",
        messageFormat: "The network '{0}' uses the activation value {1} in {2}, which is not an ActivationKind; use one of {3}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor UnknownCost = new(
        id: "BPG030",
        title: "Unknown cost",
        messageFormat: "The network '{0}' uses the cost value {1}, which is not a CostKind; use one of {2}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor SoftmaxOverOneOutput = new(
        id: "BPG031",
        title: "A softmax over one output is always 1",
        messageFormat: "The network '{0}' has a softmax output layer of one neuron, whose output is always 1 and whose gradient is always 0, so it cannot learn; for one output use OutputActivation = ActivationKind.Sigmoid (a probability) or Identity (a regression), or give the output layer one neuron per class",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor LayerAttributeWithoutNetwork = new(
        id: "BPG032",
        title: "A layer attribute needs [Network]",
        messageFormat: "The type '{0}' has the layer attribute [{1}] but no [Network]; add [Network] (without sizes) before its [Input] and layer attributes",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor LayerAttributesWithSizes = new(
        id: "BPG033",
        title: "Layer attributes replace the sizes and activations of [Network]",
        messageFormat: "The network '{0}' gives {1} in [Network] as well as layer attributes; declare it one way: [Network(784, 30, 10, ...)] alone, or [Network] (with Cost, Weights or Unroll only) followed by [Input] and one attribute per layer, each with its own Activation",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor NetworkNeedsInput = new(
        id: "BPG034",
        title: "A network declared layer by layer starts with [Input]",
        messageFormat: "The network '{0}' {1}; write [Input(n)], [Input(channels, length)] or [Input(channels, height, width)] first, then one attribute per layer",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InputShapeInvalid = new(
        id: "BPG035",
        title: "The input shape has one to three dimensions, each at least 1",
        messageFormat: "The network '{0}' has the input shape ({1}); give (n) for a vector, (channels, length) for a signal or (channels, height, width) for an image, each at least 1",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor LayerArgumentOutOfRange = new(
        id: "BPG036",
        title: "A layer's size is out of range",
        messageFormat: "Layer {1} ([{2}]) of the network '{0}' has {3} = {4}; it must be at least {5}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor WindowLargerThanInput = new(
        id: "BPG037",
        title: "A kernel or pool is larger than its input",
        messageFormat: "Layer {1} ([{2}]) of the network '{0}' slides a window of {3} over {4} values (with padding {5} on each side); make the window smaller, pad the input (Padding) or drop a pooling layer before it",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor OutputSizeNotWhole = new(
        id: "BPG038",
        title: "A layer's output size is not a whole number",
        messageFormat: "Layer {1} ([{2}]) of the network '{0}' slides a window of {3} over {4} values with padding {5} and stride {6}: ({4} + 2·{5} − {3}) is not a multiple of {6}, so the window does not fit a whole number of times; change the stride, the padding or the window, for example {7}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor LayerTakesOtherShape = new(
        id: "BPG039",
        title: "A layer cannot take the output of the layer before it",
        messageFormat: "Layer {1} ([{2}]) of the network '{0}' takes {3}, but {4}; {5}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor LayerAttributesOnTwoDeclarations = new(
        id: "BPG040",
        title: "Layer attributes belong on one declaration",
        messageFormat: "The network '{0}' has layer attributes on more than one partial declaration, where their order is not defined; put [Network], [Input] and every layer attribute on one declaration",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor OnlyDenseNetworksUnroll = new(
        id: "BPG041",
        title: "Only dense networks unroll",
        messageFormat: "The network '{0}' has {1} layers, which have no unrolled form; blocked SIMD code is generated instead. Remove 'Unroll = UnrollMode.Full' to silence this warning.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor DropoutRateOutOfRange = new(
        id: "BPG042",
        title: "A dropout rate is at least 0 and below 1",
        messageFormat: "Layer {1} ([{2}]) of the network '{0}' has the dropout rate {3}; give the probability of dropping a value while training, at least 0 and below 1, such as [Dropout(0.2)]",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    /// <summary>The descriptor with <paramref name="id"/>.</summary>
    public static DiagnosticDescriptor ById(string id) => id switch
    {
        "BPG001" => NetworkTypeMustBePartial,
        "BPG002" => NetworkNeedsTwoLayers,
        "BPG003" => LayerSizeMustBePositive,
        "BPG004" => LayerSizesMustBeConstant,
        "BPG005" => NetworkTypeMustNotBeGeneric,
        "BPG006" => ContainingTypeMustBePartial,
        "BPG007" => NetworkTooLarge,
        "BPG008" => NetworkTypeMustNotBeStaticOrAbstract,
        "BPG009" => ParameterlessConstructorMustBePublic,
        "BPG010" => NetworkTooLargeToUnroll,
        "BPG011" => UnknownUnrollMode,
        "BPG012" => NetworkTypeMustNotBeFileLocal,
        "BPG013" => PrimaryConstructorNeedsParameterlessConstructor,
        "BPG014" => NetworkTypeNameCollidesWithMember,
        "BPG015" => NetworkTypeMustNotBeRecord,
        "BPG016" => NetworkNeedsCSharp11,
        "BPG017" => WeightsFileNotFound,
        "BPG018" => WeightsFileMustBeText,
        "BPG019" => WeightsFileCorrupt,
        "BPG020" => WeightsFormatVersionUnsupported,
        "BPG021" => WeightsShapeMismatch,
        "BPG022" => WeightsFileAmbiguous,
        "BPG023" => WeightsTooLargeToBake,
        "BPG024" => SoftmaxOnHiddenLayer,
        "BPG025" => LogLikelihoodNeedsSoftmax,
        "BPG026" => CrossEntropyNeedsSigmoid,
        "BPG027" => ActivationsWrongLength,
        "BPG028" => ActivationsWithShorthand,
        "BPG029" => UnknownActivation,
        "BPG030" => UnknownCost,
        "BPG031" => SoftmaxOverOneOutput,
        "BPG032" => LayerAttributeWithoutNetwork,
        "BPG033" => LayerAttributesWithSizes,
        "BPG034" => NetworkNeedsInput,
        "BPG035" => InputShapeInvalid,
        "BPG036" => LayerArgumentOutOfRange,
        "BPG037" => WindowLargerThanInput,
        "BPG038" => OutputSizeNotWhole,
        "BPG039" => LayerTakesOtherShape,
        "BPG040" => LayerAttributesOnTwoDeclarations,
        "BPG041" => OnlyDenseNetworksUnroll,
        "BPG042" => DropoutRateOutOfRange,
        _ => throw new System.ArgumentOutOfRangeException(nameof(id), id, "Unknown diagnostic ID."),
    };
}
