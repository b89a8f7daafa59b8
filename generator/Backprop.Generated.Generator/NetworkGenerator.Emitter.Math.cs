using Backprop.Generated.Generator.Model;

namespace Backprop.Generated.Generator;

public sealed partial class NetworkGenerator
{
    internal static partial class Emitter
    {
        // The seams where activations and costs plug in. Every template asks these for the
        // activation, its derivative and the output error, so a new activation or cost is a new case
        // here, not an edit of every template.

        /// <summary>The comment that defines an activation, e.g. <c>σ(z) = 1/(1 + e^−z)</c>.</summary>
        private static string ActivationFormula(Activation activation) => activation switch
        {
            _ => "σ(z) = 1/(1 + e^−z)",
        };

        /// <summary>The symbol used for the activation in comments.</summary>
        private static string ActivationSymbol(Activation activation) => activation switch
        {
            _ => "σ",
        };

        /// <summary>The activation of a scalar expression.</summary>
        private static string ActivateScalar(Activation activation, string z) => activation switch
        {
            _ => $"{Kernels}.Sigmoid({z})",
        };

        /// <summary>A statement activating <paramref name="count"/> floats of <paramref name="source"/> into <paramref name="target"/> (whole padded rows).</summary>
        private static string ActivateRows(Activation activation, string source, string target, string count) => activation switch
        {
            _ => $"{Kernels}.Sigmoid(ref {source}, ref {target}, {count});",
        };

        /// <summary>The comment for the derivative written in terms of the activation a.</summary>
        private static string DerivativeFormula(Activation activation) => activation switch
        {
            _ => "σ'(z) = a ⊙ (1 − a)",
        };

        /// <summary>σ'(z) from a = σ(z), for a scalar (a simple name: it is used twice).</summary>
        private static string DerivativeScalar(Activation activation, string a) => activation switch
        {
            _ => $"{a} * (1f - {a})",
        };

        /// <summary>σ'(z) from a = σ(z), for a vector (a simple name: it is used twice).</summary>
        private static string DerivativeVector(Activation activation, Isa isa, string a) => activation switch
        {
            _ => $"{a} * ({isa.One} - {a})",
        };

        /// <summary>The comment lines that derive the output error δ^L.</summary>
        private static string[] OutputErrorComment(Cost cost, Activation output, int l) => (cost, output) switch
        {
            _ => new[]
            {
                $"// δ^{l} = ∇_a C ⊙ σ'(z^{l}) = (a^{l} − y) / (a^{l} ⊙ (1 − a^{l})) ⊙ a^{l} ⊙ (1 − a^{l}) = a^{l} − y",
                "//   (with cross-entropy the sigmoid's slope cancels: no σ' factor, no learning slowdown)",
            },
        };

        /// <summary>δ^L_k from the output's activation, pre-activation and target (scalar expressions).</summary>
        private static string OutputErrorScalar(Cost cost, Activation output, string a, string z, string y) => (cost, output) switch
        {
            _ => $"{a} - {y}",
        };

        /// <summary>The comment lines that define the per-sample cost.</summary>
        private static string[] CostComment(Cost cost, Activation output) => (cost, output) switch
        {
            _ => new[]
            {
                "// C_x = −Σ_k [y_k ln a_k + (1 − y_k) ln(1 − a_k)], written in z as",
                "//     Σ_k [max(z_k, 0) − y_k z_k + ln(1 + e^−|z_k|)], which stays finite however saturated a_k is",
            },
        };

        /// <summary>One output's cost term from its pre-activation and target (scalar expressions).</summary>
        private static string CostTermScalar(Cost cost, Activation output, string z, string y) => (cost, output) switch
        {
            _ => $"{Kernels}.SigmoidCrossEntropy({z}, {y})",
        };
    }
}
