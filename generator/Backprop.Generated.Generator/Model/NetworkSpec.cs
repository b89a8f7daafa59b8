using Backprop.Generated.Generator.Helpers;

namespace Backprop.Generated.Generator.Model;

/// <summary>Everything the emitter needs to write one network, as plain equatable values.</summary>
/// <param name="Target">Where the network type lives and how to re-open it.</param>
/// <param name="Layers">The layer sizes n_1..n_L, input first.</param>
/// <param name="Activations">The activation of every weight layer 2..L, the output's last.</param>
/// <param name="Cost">The cost function (already the output's natural pair when the attribute named none).</param>
/// <param name="Shape">The code shape chosen for this network.</param>
/// <param name="EmitConstructor">Whether to emit the public parameterless constructor (false when the user wrote one).</param>
/// <param name="HintName">The generated file's hint name.</param>
/// <param name="Weights">The trained weights to bake in (<c>Weights = "..."</c>), or null.</param>
internal sealed record NetworkSpec(
    TypeHierarchy Target,
    EquatableArray<int> Layers,
    EquatableArray<Activation> Activations,
    Cost Cost,
    CodeShape Shape,
    bool EmitConstructor,
    string HintName,
    BakedWeights? Weights = null)
{
    /// <summary>The activation of the output layer L.</summary>
    public Activation OutputActivation => Activations[Activations.Count - 1];
}

/// <summary>The network type and the declarations around it.</summary>
/// <param name="Namespace">The containing namespace, or null for the global namespace.</param>
/// <param name="Containers">Containing types, outermost first.</param>
/// <param name="Name">The network type's name.</param>
/// <param name="FullyQualifiedName">The <c>global::</c> name, used as the interface's type argument.</param>
internal sealed record TypeHierarchy(
    string? Namespace,
    EquatableArray<ContainingType> Containers,
    string Name,
    string FullyQualifiedName);

/// <summary>A containing type to re-open.</summary>
/// <param name="Declaration">The keywords that re-open it, e.g. <c>static partial class</c>.</param>
/// <param name="Name">Its name with type parameters, e.g. <c>Outer&lt;T&gt;</c>.</param>
internal readonly record struct ContainingType(string Declaration, string Name);

/// <summary>
/// Activation functions the generator knows (names and values match <c>Backprop.ActivationKind</c>). What each one
/// means to the emitter (formulas, kernels, derivative, initialisation) is its entry in <c>Functions.Of</c>.
/// </summary>
internal enum Activation
{
    Sigmoid = 1,
    Tanh = 2,
    ReLU = 3,
    LeakyReLU = 4,
    Identity = 5,
    Softmax = 6,
}

/// <summary>
/// Cost functions the generator knows (names and values match <c>Backprop.CostKind</c>). What each one means to the
/// emitter is its entry in <c>Functions.Of</c>.
/// </summary>
internal enum Cost
{
    CrossEntropy = 1,
    Quadratic = 2,
    LogLikelihood = 3,
}

/// <summary>The shape of the emitted kernels.</summary>
internal enum CodeShape
{
    /// <summary>Straight-line scalar code, one statement per weight, every value in a local.</summary>
    Unrolled,

    /// <summary>Constant-bound SIMD loops with register-blocked accumulators, one method per layer and vector width.</summary>
    Blocked,
}

/// <summary>Values of <c>Backprop.UnrollMode</c>.</summary>
internal enum UnrollMode
{
    Auto = 0,
    Full = 1,
    Blocked = 2,
}
