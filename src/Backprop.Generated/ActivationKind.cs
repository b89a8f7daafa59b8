namespace Backprop;

/// <summary>
/// An activation function. The numeric values are stable identifiers: they are written into saved
/// models and must never be renumbered.
/// </summary>
public enum ActivationKind
{
    /// <summary>The logistic sigmoid, σ(z) = 1 / (1 + e^−z), with σ'(z) = σ(z)(1 − σ(z)).</summary>
    Sigmoid = 1,
}

/// <summary>
/// A cost function. The numeric values are stable identifiers: they are written into saved models
/// and must never be renumbered.
/// </summary>
public enum CostKind
{
    /// <summary>
    /// Cross-entropy, C_x = −Σ_k [y_k ln a_k + (1 − y_k) ln(1 − a_k)]; with a sigmoid output layer the
    /// output error is δ^L = a^L − y.
    /// </summary>
    CrossEntropy = 1,
}
