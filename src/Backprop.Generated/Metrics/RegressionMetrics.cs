using System;

namespace Backprop;

/// <summary>
/// Errors of a regression network's outputs against real targets, averaged over samples and outputs
/// (see <see cref="Compute"/>).
/// </summary>
/// <param name="MeanSquaredError">The mean of (ŷ − y)² over every sample and every output.</param>
/// <param name="RootMeanSquaredError">√<paramref name="MeanSquaredError"/>.</param>
/// <param name="MeanAbsoluteError">The mean of |ŷ − y| over every sample and every output.</param>
/// <param name="RSquared">The coefficient of determination R², per output then averaged over the outputs (see <see cref="Compute"/>).</param>
/// <param name="Count">The samples (rows).</param>
/// <param name="Outputs">The values per sample.</param>
public readonly record struct RegressionMetrics(
    double MeanSquaredError,
    double RootMeanSquaredError,
    double MeanAbsoluteError,
    double RSquared,
    int Count,
    int Outputs)
{
    /// <summary>The errors of <paramref name="predictions"/> against <paramref name="targets"/>.</summary>
    /// <param name="predictions">The network's outputs: <see cref="Count"/> rows of <paramref name="outputs"/> values each, row after row.</param>
    /// <param name="targets">The true values, laid out as <paramref name="predictions"/>.</param>
    /// <param name="outputs">The values per row (the network's output size).</param>
    /// <remarks>
    /// <para>
    /// Everything is accumulated in double precision. MSE = Σ(ŷ − y)² / (n·m) and MAE = Σ|ŷ − y| / (n·m) over the
    /// n rows and m outputs, RMSE = √MSE; these are scikit-learn's <c>mean_squared_error</c> and
    /// <c>mean_absolute_error</c> with <c>multioutput='uniform_average'</c> (the mean of the per-output means).
    /// </para>
    /// <para>
    /// R² is computed per output j as 1 − SS_res/SS_tot, with SS_res = Σᵢ(ŷᵢⱼ − yᵢⱼ)² and
    /// SS_tot = Σᵢ(yᵢⱼ − ȳⱼ)² around that output's mean of the targets, then the plain average over the outputs is
    /// taken: scikit-learn's <c>r2_score</c> with <c>multioutput='uniform_average'</c>. SS_tot takes two passes (the
    /// mean first, then the squared deviations from it), so targets with a large common offset (1e6 ± 1) lose no
    /// precision. R² is 1 for perfect predictions, 0 for always predicting the mean, and negative for worse.
    /// </para>
    /// <para>
    /// Constant targets follow scikit-learn's <c>r2_score</c> (<c>force_finite=True</c>, its default): an output
    /// whose targets are all equal (SS_tot = 0) scores 1 when it is predicted exactly (SS_res = 0) and 0 otherwise.
    /// As in scikit-learn, R² is not defined for a single row: with <see cref="Count"/> = 1 it is NaN (the other
    /// metrics are not affected).
    /// </para>
    /// <para>
    /// A NaN in <paramref name="predictions"/> (a diverged network) makes every metric NaN: MSE, RMSE and MAE, and R²
    /// through the output it is in (the constant-target convention does not hide it). A NaN in
    /// <paramref name="targets"/> does the same. scikit-learn refuses NaN inputs instead.
    /// </para>
    /// </remarks>
    /// <exception cref="ArgumentException">
    /// <paramref name="outputs"/> is less than 1, the two spans differ in length, their length is not a whole number
    /// of rows, or there are no rows.
    /// </exception>
    public static RegressionMetrics Compute(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, int outputs)
    {
        if (outputs < 1)
        {
            throw new ArgumentException($"There must be at least one output per row, not {outputs}.", nameof(outputs));
        }
        if (targets.Length != predictions.Length)
        {
            throw new ArgumentException(
                $"The targets have {targets.Length} values but the predictions have {predictions.Length}.", nameof(targets));
        }
        if (predictions.Length % outputs != 0)
        {
            throw new ArgumentException(
                $"The {predictions.Length} predictions are not whole rows of {outputs} outputs.", nameof(predictions));
        }
        if (predictions.Length == 0)
        {
            throw new ArgumentException("There are no rows to measure.", nameof(predictions));
        }

        int count = predictions.Length / outputs;
        double squared = 0;
        double absolute = 0;
        double rSquaredSum = 0;
        // Output by output (a column of the row-major layout): no allocation, and the two passes of SS_tot.
        for (int j = 0; j < outputs; j++)
        {
            double mean = 0;
            for (int i = j; i < targets.Length; i += outputs)
            {
                mean += targets[i];
            }
            mean /= count;

            double ssTot = 0;
            double ssRes = 0;
            for (int i = j; i < targets.Length; i += outputs)
            {
                double y = targets[i];
                double error = (double)predictions[i] - y;
                double deviation = y - mean;
                ssTot += deviation * deviation;
                ssRes += error * error;
                absolute += Math.Abs(error);
            }
            squared += ssRes;
            rSquaredSum += RSquaredOf(ssRes, ssTot);
        }

        int values = predictions.Length;
        double mse = squared / values;
        double rSquared = count < 2 ? double.NaN : rSquaredSum / outputs;
        return new RegressionMetrics(mse, Math.Sqrt(mse), absolute / values, rSquared, count, outputs);
    }

    /// <summary>1 − SS_res/SS_tot, with scikit-learn's convention for constant targets; NaN stays NaN.</summary>
    private static double RSquaredOf(double ssRes, double ssTot)
    {
        if (double.IsNaN(ssRes) || double.IsNaN(ssTot))
        {
            return double.NaN;
        }
        if (ssTot == 0)
        {
            return ssRes == 0 ? 1 : 0;
        }
        return 1 - ssRes / ssTot;
    }
}
