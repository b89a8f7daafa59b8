using System;
using Backprop.Generated.Generator.Shared;

namespace Backprop.Generated.Generator.Model;

/// <summary>
/// What every activation and cost means to the emitter: its formulas for the comments, the runtime kernels that
/// compute it and its derivative. Which values exist and which pairs are valid is shared with the runtime
/// (<see cref="FunctionRules"/>). This is the one place of the generator to edit when adding an activation or a cost
/// (besides its enum value and rules in the shared sources and its kernels in <c>Backprop.Kernels</c>): every template
/// asks <see cref="Of(ActivationKind)"/> and <see cref="Of(CostKind)"/>, and both switches throw on a value they do not know,
/// so a new enum value without an entry fails every test instead of silently emitting another function.
/// </summary>
internal static class Functions
{
    /// <summary>The generator's description of <paramref name="activation"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An activation with no entry here.</exception>
    public static ActivationFunction Of(ActivationKind activation) => activation switch
    {
        ActivationKind.Sigmoid => Sigmoid,
        ActivationKind.Tanh => Tanh,
        ActivationKind.ReLU => ReLU,
        ActivationKind.LeakyReLU => LeakyReLU,
        ActivationKind.Identity => Identity,
        ActivationKind.Softmax => Softmax,
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "An activation with no entry in Functions.Of."),
    };

    /// <summary>The generator's description of <paramref name="cost"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A cost with no entry here.</exception>
    public static CostFunction Of(CostKind cost) => cost switch
    {
        CostKind.CrossEntropy => CrossEntropy,
        CostKind.Quadratic => Quadratic,
        CostKind.LogLikelihood => LogLikelihood,
        _ => throw new ArgumentOutOfRangeException(nameof(cost), cost, "A cost with no entry in Functions.Of."),
    };

    private static readonly ActivationFunction Sigmoid = new(
        ActivationKind.Sigmoid, "sigmoid", "σ", "σ(z) = 1/(1 + e^−z)", "σ'(z) = a ⊙ (1 − a)",
        "weights N(0, 1)/√n_(l−1), biases N(0, 1)");

    private static readonly ActivationFunction Tanh = new(
        ActivationKind.Tanh, "tanh", "tanh", "tanh(z) = (e^z − e^−z)/(e^z + e^−z)", "tanh'(z) = 1 − a ⊙ a",
        "weights N(0, 1)/√n_(l−1) (LeCun), biases 0");

    private static readonly ActivationFunction ReLU = new(
        ActivationKind.ReLU, "ReLU", "ReLU", "ReLU(z) = max(0, z)", "ReLU'(z) = 1 where a > 0, else 0 (0 at z = 0)",
        "weights N(0, 1)·√(2/n_(l−1)) (He), biases 0");

    private static readonly ActivationFunction LeakyReLU = new(
        ActivationKind.LeakyReLU, "leaky ReLU", "LReLU", "LReLU(z) = z for z > 0, else 0.01·z", "LReLU'(z) = 1 where a > 0, else 0.01",
        "weights N(0, 1)·√(2/n_(l−1)) (He), biases 0");

    private static readonly ActivationFunction Identity = new(
        ActivationKind.Identity, "identity", "id", "id(z) = z", "id'(z) = 1",
        "weights N(0, 1)/√n_(l−1) (LeCun), biases 0");

    private static readonly ActivationFunction Softmax = new(
        ActivationKind.Softmax, "softmax", "softmax", "softmax(z)_k = e^(z_k − max z)/Σ_j e^(z_j − max z)", "∂a_k/∂z_j = a_k (1[k = j] − a_j)",
        "weights N(0, 1)/√n_(l−1) (LeCun), biases 0");

    private static readonly CostFunction CrossEntropy = new(
        CostKind.CrossEntropy, "cross-entropy", "SigmoidCrossEntropyError",
        new[]
        {
            "C_x = −Σ_k [y_k ln a_k + (1 − y_k) ln(1 − a_k)], evaluated in z as Σ_k [max(z_k, 0) − y_k z_k + ln(1 + e^−|z_k|)]",
            "(finite however saturated a_k is).",
            "BP1: δ^L = ∇_a C ⊙ σ'(z^L) = (a − y)/(a ⊙ (1 − a)) ⊙ a ⊙ (1 − a) = a − y: the sigmoid's slope cancels.",
        });

    private static readonly CostFunction Quadratic = new(
        CostKind.Quadratic, "quadratic", "QuadraticError",
        new[]
        {
            "C_x = ½ Σ_k (a_k − y_k)².",
            "BP1: δ^L = ∇_a C ⊙ f'(z^L) = (a − y) ⊙ f'(z^L): the kernel writes a − y, then the derivative multiplies in",
            "(for a softmax output, its Jacobian: δ_k = a_k ((a − y)_k − Σ_j (a − y)_j a_j)).",
        });

    private static readonly CostFunction LogLikelihood = new(
        CostKind.LogLikelihood, "log-likelihood", "SoftmaxLogLikelihoodError",
        new[]
        {
            "C_x = −Σ_k y_k ln a_k, evaluated in z by log-sum-exp as Σ_k y_k (max z − z_k) + (Σ_k y_k) ln Σ_j e^(z_j − max z)",
            "(finite however large z is).",
            "BP1: δ^L = ∂C_x/∂z^L = (Σ_k y_k) a − y, which is a − y for a target that sums to 1: the softmax's Jacobian cancels.",
        });
}

/// <summary>An activation function as the emitter writes it.</summary>
/// <param name="Kind">The enum value; its name is also the name of the runtime's kernels (<c>Kernels.ReLU</c>, <c>Kernels.ReLUDerivative</c>).</param>
/// <param name="Prose">Its name in a sentence: "leaky ReLU".</param>
/// <param name="Symbol">Its symbol in formulas: "σ".</param>
/// <param name="Formula">Its definition, for the comments.</param>
/// <param name="Derivative">Its derivative in terms of a = f(z), for the comments.</param>
/// <param name="Initialization">How <c>ParameterInitializer.Initialize</c> draws a layer with this activation.</param>
internal sealed record ActivationFunction(
    ActivationKind Kind,
    string Prose,
    string Symbol,
    string Formula,
    string Derivative,
    string Initialization)
{
    /// <summary>The runtime's name for it: <c>Kernels.{Name}</c>, <c>ActivationKind.{Name}</c>.</summary>
    public string Name => Kind.ToString();

    /// <summary>Whether it acts neuron by neuron (everything but softmax, which couples a whole layer).</summary>
    public bool IsElementwise => Kind != ActivationKind.Softmax;


    /// <summary>Whether f' = 1, so that multiplying by it is left out.</summary>
    public bool HasUnitDerivative => Kind == ActivationKind.Identity;

    /// <summary>f(z) of a scalar expression (elementwise activations only).</summary>
    public string Scalar(string z) => HasUnitDerivative ? z : $"Kernels.{Name}({z})";

    /// <summary>f'(z) from a = f(z), for a scalar or a vector (the runtime overloads both); not for identity or softmax.</summary>
    public string DerivativeOf(string a) => $"Kernels.{Name}Derivative({a})";

    /// <summary>The statement that activates <paramref name="m"/> rows of <paramref name="count"/> values, <paramref name="stride"/> floats apart.</summary>
    public string ActivateRows(string source, string target, string m, int count, int stride) => IsElementwise
        ? $"Kernels.{Name}(ref {source}, ref {target}, {m} * {stride});"
        : $"Kernels.{Name}(ref {source}, ref {target}, {m}, {count}, {stride});";

    /// <summary>The statement that multiplies the raw output errors d by f'(z) = f'(a), row by row; null for identity.</summary>
    public string? MultiplyDerivativeRows(string a, string d, string m, int count, int stride)
    {
        if (HasUnitDerivative)
        {
            return null;
        }
        return IsElementwise
            ? $"Kernels.{Name}Derivative(ref {a}, ref {d}, {m} * {stride});"
            : $"Kernels.{Name}Derivative(ref {a}, ref {d}, {m}, {count}, {stride});";
    }
}

/// <summary>A cost function as the emitter writes it.</summary>
/// <param name="Kind">The enum value.</param>
/// <param name="Prose">Its name in a sentence.</param>
/// <param name="Kernel">The runtime kernel that returns Σ_x C_x over a mini-batch and writes δ^L (<c>Kernels.{Kernel}</c>).</param>
/// <param name="Comment">The comment lines that define C_x and derive δ^L from BP1.</param>
internal sealed record CostFunction(CostKind Kind, string Prose, string Kernel, string[] Comment)
{
    /// <summary>Whether its output error still needs f'(z^L) multiplied in (quadratic); the others cancel it.</summary>
    public bool MultipliesDerivative => Kind == CostKind.Quadratic;

    /// <summary>Whether <paramref name="output"/> may pair with it (the shared rules).</summary>
    public bool Accepts(ActivationKind output) => FunctionRules.RequiredOutput(Kind) is not { } required || required == output;
}
