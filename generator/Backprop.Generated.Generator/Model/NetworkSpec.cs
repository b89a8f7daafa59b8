using System.Linq;
using Backprop.Generated.Generator.Helpers;
using Backprop.Generated.Generator.Shared;

namespace Backprop.Generated.Generator.Model;

/// <summary>Everything the emitter needs to write one network, as plain equatable values.</summary>
/// <param name="Target">Where the network type lives and how to re-open it.</param>
/// <param name="Input">The shape of the input (layer 1).</param>
/// <param name="Layers">The layers 2..L in order (the shared layer model: kind, shapes, activation, parameter counts).</param>
/// <param name="Cost">The cost function (already the output's natural pair when the attribute named none).</param>
/// <param name="Shape">The code shape chosen for this network.</param>
/// <param name="EmitConstructor">Whether to emit the public parameterless constructor (false when the user wrote one).</param>
/// <param name="HintName">The generated file's hint name.</param>
/// <param name="Weights">The trained weights to bake in (<c>Weights = "..."</c>), or null.</param>
internal sealed record NetworkSpec(
    TypeHierarchy Target,
    TensorShape Input,
    EquatableArray<LayerInfo> Layers,
    CostKind Cost,
    CodeShape Shape,
    bool EmitConstructor,
    string HintName,
    BakedWeights? Weights = null)
{
    /// <summary>The activation of the output layer L.</summary>
    public ActivationKind OutputActivation => Layers[Layers.Count - 1].Activation;

    /// <summary>The network the layers make: its parameter layout, sizes and declaration (shared with the runtime).</summary>
    public NetworkArchitecture Architecture => NetworkArchitecture.Create(Input, Layers, Cost);

    /// <summary>n_1..n_L: the number of values of every layer, input first.</summary>
    public int[] Sizes
    {
        get
        {
            var sizes = new int[Layers.Count + 1];
            sizes[0] = Input.Size;
            for (int i = 0; i < Layers.Count; i++)
            {
                sizes[i + 1] = Layers[i].Output.Size;
            }
            return sizes;
        }
    }

    /// <summary>The activation of every layer 2..L.</summary>
    public ActivationKind[] Activations => Layers.Select(layer => layer.Activation).ToArray();
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

/// <summary>The shape of the emitted kernels.</summary>
internal enum CodeShape
{
    /// <summary>Straight-line scalar code, one statement per weight, every value in a local.</summary>
    Unrolled,

    /// <summary>Constant-bound SIMD loops with register-blocked accumulators, one method per layer and vector width.</summary>
    Blocked,
}
