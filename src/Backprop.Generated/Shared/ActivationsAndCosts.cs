// Shared source: compiled into the runtime (namespace Backprop) and linked into the generator (namespace
// Backprop.Generated.Generator.Shared; see its project file), so that the generator and the runtime know one list of
// activations and costs and one set of rules for them. netstandard2.0-compatible C# only.
using System.Collections.Generic;
using System.Globalization;
using System.Text;

#if BACKPROP_GENERATOR
namespace Backprop.Generated.Generator.Shared;
#else
namespace Backprop;
#endif

/// <summary>
/// An activation function f, applied neuron by neuron to z^l = w^l a^(l−1) + b^l (softmax: to the
/// whole layer). The numeric values are stable identifiers: they are written into saved models and
/// must never be renumbered.
/// </summary>
public enum ActivationKind
{
    /// <summary>The logistic sigmoid, σ(z) = 1 / (1 + e^−z), with σ'(z) = σ(z)(1 − σ(z)).</summary>
    Sigmoid = 1,

    /// <summary>The hyperbolic tangent, tanh(z) = (e^z − e^−z) / (e^z + e^−z), with tanh'(z) = 1 − tanh²(z).</summary>
    Tanh = 2,

    /// <summary>The rectified linear unit, ReLU(z) = max(0, z), with ReLU'(z) = 1 for z &gt; 0 and 0 otherwise (0 at z = 0).</summary>
    ReLU = 3,

    /// <summary>The leaky rectified linear unit, z for z &gt; 0 and 0.01·z otherwise; its slope is 1 for z &gt; 0 and 0.01 otherwise (0.01 at z = 0).</summary>
    LeakyReLU = 4,

    /// <summary>The identity, f(z) = z, with f'(z) = 1: a linear layer, usually the output of a regression.</summary>
    Identity = 5,

    /// <summary>
    /// Softmax over the whole layer, a_k = e^(z_k) / Σ_j e^(z_j) (computed with the maximum subtracted, so it never
    /// overflows). Output layer only; its natural cost is <see cref="CostKind.LogLikelihood"/>.
    /// </summary>
    Softmax = 6,
}

/// <summary>
/// A cost function C = (1/n) Σ_x C_x. The numeric values are stable identifiers: they are written into saved
/// models and must never be renumbered.
/// </summary>
public enum CostKind
{
    /// <summary>
    /// Cross-entropy, C_x = −Σ_k [y_k ln a_k + (1 − y_k) ln(1 − a_k)]; sigmoid output only. The output error is
    /// δ^L = a^L − y: the sigmoid's slope cancels.
    /// </summary>
    CrossEntropy = 1,

    /// <summary>
    /// The quadratic cost, C_x = ½ Σ_k (a_k − y_k)², with δ^L = (a^L − y) ⊙ f'(z^L) (for a softmax output, the
    /// softmax's Jacobian: δ^L_k = a_k ((a − y)_k − Σ_j (a − y)_j a_j)). Any output activation; the natural cost of
    /// every output but sigmoid and softmax.
    /// </summary>
    Quadratic = 2,

    /// <summary>
    /// The log-likelihood, C_x = −Σ_k y_k ln a_k, softmax output only, computed from z^L by log-sum-exp so that it is
    /// finite however large z is. The output error is δ^L = (Σ_k y_k) a^L − y, which is a^L − y for a target that sums
    /// to 1 (a one-hot label or a probability distribution).
    /// </summary>
    LogLikelihood = 3,
}

/// <summary>
/// Which activations and costs exist and which combinations a network may have: softmax is an output activation only,
/// cross-entropy needs a sigmoid output and log-likelihood a softmax output; quadratic goes with any output. The
/// generator's diagnostics, the model-file readers and <see cref="NetworkArchitecture"/> all ask here.
/// </summary>
internal static class FunctionRules
{
    /// <summary>The lowest and highest <see cref="ActivationKind"/> values; every value between is defined.</summary>
    public const ActivationKind FirstActivation = ActivationKind.Sigmoid, LastActivation = ActivationKind.Softmax;

    /// <summary>The lowest and highest <see cref="CostKind"/> values; every value between is defined.</summary>
    public const CostKind FirstCost = CostKind.CrossEntropy, LastCost = CostKind.LogLikelihood;

    /// <summary>Whether <paramref name="kind"/> is an activation this version knows.</summary>
    public static bool IsDefined(ActivationKind kind) => kind is >= FirstActivation and <= LastActivation;

    /// <summary>Whether <paramref name="kind"/> is a cost this version knows.</summary>
    public static bool IsDefined(CostKind kind) => kind is >= FirstCost and <= LastCost;

    /// <summary>The cost a network gets when it names none: the natural pair of its output activation.</summary>
    public static CostKind NaturalCost(ActivationKind output) => output switch
    {
        ActivationKind.Sigmoid => CostKind.CrossEntropy,
        ActivationKind.Softmax => CostKind.LogLikelihood,
        _ => CostKind.Quadratic,
    };

    /// <summary>Whether a hidden layer may have <paramref name="kind"/>: every activation but softmax, which couples a whole layer.</summary>
    public static bool AllowedInHiddenLayer(ActivationKind kind) => kind != ActivationKind.Softmax;

    /// <summary>The only output activation <paramref name="cost"/> pairs with, or null when it pairs with any.</summary>
    public static ActivationKind? RequiredOutput(CostKind cost) => cost switch
    {
        CostKind.CrossEntropy => ActivationKind.Sigmoid,
        CostKind.LogLikelihood => ActivationKind.Softmax,
        _ => null,
    };

    /// <summary>
    /// Why no network has <paramref name="activations"/> (one per weight layer 2..L, the output's last) with
    /// <paramref name="cost"/>, or null when one can, e.g. "softmax is an output activation only, and layer 2 is hidden".
    /// </summary>
    public static string? Contradiction(IReadOnlyList<ActivationKind> activations, CostKind cost)
    {
        for (int l = 0; l < activations.Count - 1; l++)
        {
            if (!AllowedInHiddenLayer(activations[l]))
            {
                return string.Format(CultureInfo.InvariantCulture, "{0} is an output activation only, and layer {1} is hidden", Prose(activations[l]), l + 2);
            }
        }
        ActivationKind output = activations[activations.Count - 1];
        ActivationKind? required = RequiredOutput(cost);
        return required is { } needed && needed != output
            ? string.Format(CultureInfo.InvariantCulture, "{0} needs a {1} output, not {2}", Prose(cost), Prose(needed), output)
            : null;
    }

    /// <summary>E.g. "activations ReLU, Softmax and cost LogLikelihood".</summary>
    public static string Describe(IEnumerable<ActivationKind> activations, CostKind cost)
        => "activations " + string.Join(", ", activations) + " and cost " + cost;

    /// <summary>Every activation with its value, e.g. "1 (Sigmoid), 2 (Tanh), …".</summary>
    public static string KnownActivations()
    {
        var text = new StringBuilder();
        for (ActivationKind kind = FirstActivation; kind <= LastActivation; kind++)
        {
            text.Append(text.Length == 0 ? "" : ", ").Append(((int)kind).ToString(CultureInfo.InvariantCulture)).Append(" (").Append(kind).Append(')');
        }
        return text.ToString();
    }

    /// <summary>Every cost with its value, e.g. "1 (CrossEntropy), 2 (Quadratic), 3 (LogLikelihood)".</summary>
    public static string KnownCosts()
    {
        var text = new StringBuilder();
        for (CostKind kind = FirstCost; kind <= LastCost; kind++)
        {
            text.Append(text.Length == 0 ? "" : ", ").Append(((int)kind).ToString(CultureInfo.InvariantCulture)).Append(" (").Append(kind).Append(')');
        }
        return text.ToString();
    }

    /// <summary>The activation in a sentence: "leaky ReLU", "softmax".</summary>
    public static string Prose(ActivationKind kind) => kind switch
    {
        ActivationKind.Sigmoid => "sigmoid",
        ActivationKind.Tanh => "tanh",
        ActivationKind.ReLU => "ReLU",
        ActivationKind.LeakyReLU => "leaky ReLU",
        ActivationKind.Identity => "identity",
        ActivationKind.Softmax => "softmax",
        _ => ((int)kind).ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>The cost in a sentence: "cross-entropy".</summary>
    public static string Prose(CostKind kind) => kind switch
    {
        CostKind.CrossEntropy => "cross-entropy",
        CostKind.Quadratic => "quadratic",
        CostKind.LogLikelihood => "log-likelihood",
        _ => ((int)kind).ToString(CultureInfo.InvariantCulture),
    };
}
