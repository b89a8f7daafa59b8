using System;
using System.Collections.Generic;
using static System.FormattableString;

namespace Backprop;

/// <summary>
/// Per-column standardisation, x′ = (x − μ)/σ, with the mean μ and standard deviation σ of each column fitted on a
/// training set (population σ, as scikit-learn's <c>StandardScaler</c>; a constant column gets σ = 1). Fit it on the
/// training split, apply it to every split, train, and then fold it into the network
/// (<see cref="FoldIntoInputs{TNet}"/>, and for a standardised regression target <see cref="FoldIntoOutputs{TNet}"/>):
/// the network then takes raw rows and gives raw answers, so a saved or baked model needs nothing else and the scaling
/// costs nothing at run time.
/// </summary>
/// <example>
/// <code>
/// Standardization inputs = Standardization.FitInputs(training);
/// Standardization targets = Standardization.FitTargets(training);
/// Dataset scaledTraining = targets.ApplyToTargets(inputs.ApplyToInputs(training));
/// // … train the network on scaledTraining …
/// inputs.FoldIntoInputs(network);    // w² ← w²/σ, b² ← b² − w²·μ/σ
/// targets.FoldIntoOutputs(network);  // w^L ← σ_y·w^L, b^L ← σ_y·b^L + μ_y (identity output)
/// </code>
/// </example>
public sealed class Standardization
{
    private readonly double[] _means;
    private readonly double[] _deviations;

    private Standardization(double[] means, double[] deviations)
    {
        _means = means;
        _deviations = deviations;
    }

    /// <summary>The number of columns.</summary>
    public int Width => _means.Length;

    /// <summary>The mean μ of every column.</summary>
    public IReadOnlyList<double> Means => _means;

    /// <summary>The standard deviation σ of every column (1 for a constant column).</summary>
    public IReadOnlyList<double> StandardDeviations => _deviations;

    /// <summary>Fits μ and σ of each of the <paramref name="width"/> columns of <paramref name="rows"/> (row-major).</summary>
    /// <exception cref="ArgumentException">The rows are empty or not whole rows of <paramref name="width"/>.</exception>
    public static Standardization Fit(ReadOnlySpan<float> rows, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        if (rows.IsEmpty || rows.Length % width != 0)
        {
            throw new ArgumentException(Invariant($"rows must be one or more whole rows of {width} values, not {rows.Length} values."), nameof(rows));
        }
        int count = rows.Length / width;
        var means = new double[width];
        var deviations = new double[width];
        for (int r = 0; r < count; r++)
        {
            for (int j = 0; j < width; j++)
            {
                means[j] += rows[r * width + j];
            }
        }
        for (int j = 0; j < width; j++)
        {
            means[j] /= count;
        }
        // Two passes: the squares are taken around the mean, so large offsets cost no precision.
        for (int r = 0; r < count; r++)
        {
            for (int j = 0; j < width; j++)
            {
                double d = rows[r * width + j] - means[j];
                deviations[j] += d * d;
            }
        }
        for (int j = 0; j < width; j++)
        {
            double deviation = Math.Sqrt(deviations[j] / count);
            deviations[j] = deviation > 0 ? deviation : 1;
        }
        return new Standardization(means, deviations);
    }

    /// <summary>Fits the inputs of <paramref name="data"/> (one column per input value).</summary>
    public static Standardization FitInputs(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Fit(data.Inputs, data.InputSize);
    }

    /// <summary>Fits the real-valued targets of <paramref name="data"/>.</summary>
    /// <exception cref="ArgumentException">The dataset has class labels, not real-valued targets.</exception>
    public static Standardization FitTargets(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.HasLabels)
        {
            throw new ArgumentException("The dataset has class labels; only real-valued targets are standardised.", nameof(data));
        }
        return Fit(data.Targets, data.TargetSize);
    }

    /// <summary>Standardises <paramref name="rows"/> (row-major, <see cref="Width"/> columns) in place.</summary>
    public void Apply(Span<float> rows)
    {
        CheckRows(rows.Length, nameof(rows));
        for (int k = 0; k < rows.Length; k++)
        {
            int j = k % Width;
            rows[k] = (float)((rows[k] - _means[j]) / _deviations[j]);
        }
    }

    /// <summary>Undoes <see cref="Apply"/> on <paramref name="rows"/> in place: x = σ·x′ + μ.</summary>
    public void Restore(Span<float> rows)
    {
        CheckRows(rows.Length, nameof(rows));
        for (int k = 0; k < rows.Length; k++)
        {
            int j = k % Width;
            rows[k] = (float)(rows[k] * _deviations[j] + _means[j]);
        }
    }

    /// <summary>A copy of <paramref name="data"/> with standardised inputs (labels or targets unchanged).</summary>
    /// <exception cref="ArgumentException">The dataset's inputs are not <see cref="Width"/> wide.</exception>
    public Dataset ApplyToInputs(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckWidth(data.InputSize, "inputs");
        float[] inputs = data.Inputs.ToArray();
        Apply(inputs);
        return data.HasLabels
            ? new Dataset(inputs, data.Labels.ToArray(), data.InputSize)
            : new Dataset(inputs, data.Targets.ToArray(), data.InputSize, data.TargetSize);
    }

    /// <summary>A copy of <paramref name="data"/> with standardised real-valued targets (inputs unchanged).</summary>
    /// <exception cref="ArgumentException">The dataset has labels, or its targets are not <see cref="Width"/> wide.</exception>
    public Dataset ApplyToTargets(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.HasLabels)
        {
            throw new ArgumentException("The dataset has class labels; only real-valued targets are standardised.", nameof(data));
        }
        CheckWidth(data.TargetSize, "targets");
        float[] targets = data.Targets.ToArray();
        Apply(targets);
        return new Dataset(data.Inputs.ToArray(), targets, data.InputSize, data.TargetSize);
    }

    /// <summary>
    /// Folds the standardisation of the inputs into the first weight layer, so that the network computes on raw inputs
    /// what it computed on standardised ones: w²_ij ← w²_ij/σ_j and b²_i ← b²_i − Σ_j w²_ij·μ_j/σ_j (in double).
    /// </summary>
    /// <exception cref="ArgumentException">The network's input layer is not <see cref="Width"/> wide.</exception>
    public void FoldIntoInputs<TNet>(TNet network) where TNet : class, INetwork<TNet>
    {
        ArgumentNullException.ThrowIfNull(network);
        CheckWidth(TNet.InputSize, "the network's input layer");
        int inputs = TNet.InputSize, outputs = TNet.LayerSizes[1];
        Span<float> w = network.Parameters[..(inputs * outputs)];
        Span<float> b = network.Parameters.Slice(inputs * outputs, outputs);
        for (int i = 0; i < outputs; i++)
        {
            double shift = 0;
            for (int j = 0; j < inputs; j++)
            {
                double scaled = w[i * inputs + j] / _deviations[j];
                shift += scaled * _means[j];
                w[i * inputs + j] = (float)scaled;
            }
            b[i] = (float)(b[i] - shift);
        }
    }

    /// <summary>
    /// Folds the inverse standardisation of the targets into the output layer, so that the network gives raw targets:
    /// w^L_ij ← σ_i·w^L_ij and b^L_i ← σ_i·b^L_i + μ_i. Only for an identity output (the output must be linear in z^L).
    /// </summary>
    /// <exception cref="InvalidOperationException">The network's output activation is not <see cref="ActivationKind.Identity"/>.</exception>
    /// <exception cref="ArgumentException">The network's output layer is not <see cref="Width"/> wide.</exception>
    public void FoldIntoOutputs<TNet>(TNet network) where TNet : class, INetwork<TNet>
    {
        ArgumentNullException.ThrowIfNull(network);
        if (TNet.OutputActivation != ActivationKind.Identity)
        {
            throw new InvalidOperationException(
                $"Only an identity output can take the targets' scaling into its weights; {typeof(TNet).Name}'s output is {TNet.OutputActivation}.");
        }
        CheckWidth(TNet.OutputSize, "the network's output layer");
        ReadOnlySpan<int> sizes = TNet.LayerSizes;
        int outputs = sizes[^1], inputs = sizes[^2];
        int start = TNet.ParameterCount - outputs - inputs * outputs;
        Span<float> w = network.Parameters.Slice(start, inputs * outputs);
        Span<float> b = network.Parameters[^outputs..];
        for (int i = 0; i < outputs; i++)
        {
            for (int j = 0; j < inputs; j++)
            {
                w[i * inputs + j] = (float)(w[i * inputs + j] * _deviations[i]);
            }
            b[i] = (float)(b[i] * _deviations[i] + _means[i]);
        }
    }

    private void CheckRows(int length, string paramName)
    {
        if (length % Width != 0)
        {
            throw new ArgumentException(Invariant($"{paramName} must be whole rows of {Width} values, not {length} values."), paramName);
        }
    }

    private void CheckWidth(int width, string what)
    {
        if (width != Width)
        {
            throw new ArgumentException(Invariant($"This standardisation has {Width} columns, but {what} {(what.StartsWith("the", StringComparison.Ordinal) ? "is" : "are")} {width} wide."));
        }
    }
}
