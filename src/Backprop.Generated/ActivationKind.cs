namespace Backprop;

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
