using System;
using System.Collections.Generic;
using Xunit;

namespace Backprop.Generated.Tests;

/// <summary>
/// <see cref="RegressionMetrics"/>, <see cref="ConfusionMatrix"/> and <see cref="Predictions"/>: every metric against a
/// hand computation on a small example (the arithmetic in the comments), cross-checked with scikit-learn 1.2.1
/// (Debian's python3-sklearn; sklearn.metrics.mean_squared_error, mean_absolute_error, r2_score,
/// precision_recall_fscore_support, accuracy_score, confusion_matrix), plus the edge cases and argument checks.
/// </summary>
public sealed class MetricsTests
{
    private const double Tolerance = 1e-12;

    // ---------------------------------------------------------------------------------------------------------------
    // 1. RegressionMetrics
    // ---------------------------------------------------------------------------------------------------------------

    [Fact]
    public void Regression_single_output_matches_hand_computation_and_sklearn()
    {
        // scikit-learn's documentation example.
        // y = 3, −0.5, 2, 7; ŷ = 2.5, 0, 2, 8 → ŷ − y = −0.5, 0.5, 0, 1.
        // MSE = (0.25 + 0.25 + 0 + 1)/4 = 1.5/4 = 0.375; RMSE = √0.375; MAE = (0.5 + 0.5 + 0 + 1)/4 = 0.5.
        // ȳ = 11.5/4 = 2.875; y − ȳ = 0.125, −3.375, −0.875, 4.125;
        // SS_tot = 0.015625 + 11.390625 + 0.765625 + 17.015625 = 29.1875; SS_res = 1.5; R² = 1 − 1.5/29.1875.
        float[] targets = [3f, -0.5f, 2f, 7f];
        float[] predictions = [2.5f, 0f, 2f, 8f];

        RegressionMetrics m = RegressionMetrics.Compute(predictions, targets, outputs: 1);

        Assert.Equal(0.375, m.MeanSquaredError, Tolerance);
        Assert.Equal(Math.Sqrt(0.375), m.RootMeanSquaredError, Tolerance);
        Assert.Equal(0.5, m.MeanAbsoluteError, Tolerance);
        Assert.Equal(1 - 1.5 / 29.1875, m.RSquared, Tolerance);
        Assert.Equal(4, m.Count);
        Assert.Equal(1, m.Outputs);

        // sklearn 1.2.1: mean_squared_error 0.375, its square root 0.6123724356957945, mean_absolute_error 0.5,
        // r2_score 0.9486081370449679.
        Assert.Equal(0.375, m.MeanSquaredError, Tolerance);
        Assert.Equal(0.6123724356957945, m.RootMeanSquaredError, Tolerance);
        Assert.Equal(0.5, m.MeanAbsoluteError, Tolerance);
        Assert.Equal(0.9486081370449679, m.RSquared, Tolerance);
    }

    [Fact]
    public void Regression_several_outputs_average_R2_uniformly()
    {
        // scikit-learn's multi-output example, rows (y₀, y₁): (0.5, 1), (−1, 1), (7, −6); ŷ: (0, 2), (−1, 2), (8, −5).
        // Output 0: ŷ − y = −0.5, 0, 1 → SS_res = 0.25 + 0 + 1 = 1.25, Σ|e| = 1.5.
        //   ȳ₀ = 6.5/3; SS_tot = Σy² − 3ȳ² = (0.25 + 1 + 49) − 42.25/3 = 50.25 − 14.08333… = 217/6;
        //   R²₀ = 1 − 1.25/(217/6) = 1 − 7.5/217 = 209.5/217 ≈ 0.9654378.
        // Output 1: ŷ − y = 1, 1, 1 → SS_res = 3, Σ|e| = 3.
        //   ȳ₁ = −4/3; SS_tot = (1 + 1 + 36) − 3·16/9 = 38 − 16/3 = 98/3; R²₁ = 1 − 3/(98/3) = 1 − 9/98 = 89/98 ≈ 0.9081633.
        // MSE = (1.25 + 3)/6 = 0.708333…; MAE = (1.5 + 3)/6 = 0.75; R² = (209.5/217 + 89/98)/2.
        float[] targets = [0.5f, 1f, -1f, 1f, 7f, -6f];
        float[] predictions = [0f, 2f, -1f, 2f, 8f, -5f];

        RegressionMetrics m = RegressionMetrics.Compute(predictions, targets, outputs: 2);

        Assert.Equal(4.25 / 6, m.MeanSquaredError, Tolerance);
        Assert.Equal(Math.Sqrt(4.25 / 6), m.RootMeanSquaredError, Tolerance);
        Assert.Equal(0.75, m.MeanAbsoluteError, Tolerance);
        Assert.Equal((209.5 / 217 + 89.0 / 98) / 2, m.RSquared, Tolerance);
        Assert.Equal(3, m.Count);
        Assert.Equal(2, m.Outputs);

        // sklearn 1.2.1: mean_squared_error 0.7083333333333334 (square root 0.8416254115301732), mean_absolute_error
        // 0.75, r2_score 0.9368005266622779 (raw_values 0.96543779, 0.90816327: the average, not a pooled R²).
        Assert.Equal(0.7083333333333334, m.MeanSquaredError, Tolerance);
        Assert.Equal(0.8416254115301732, m.RootMeanSquaredError, Tolerance);
        Assert.Equal(0.9368005266622779, m.RSquared, Tolerance);
    }

    [Fact]
    public void Regression_constant_targets_follow_sklearn()
    {
        // Output 0 is constant (1, 1, 1). Output 1: y = 2, 3, 4 (ȳ = 3, SS_tot = 1 + 0 + 1 = 2).

        // Output 0 predicted exactly → R²₀ = 1. Output 1: ŷ = 2, 3, 5 → SS_res = 1, R²₁ = 1 − 1/2 = 0.5.
        // R² = (1 + 0.5)/2 = 0.75; MSE = MAE = (0 + 1)/6. sklearn 1.2.1: r2_score 0.75 (raw 1.0, 0.5).
        float[] targets = [1f, 2f, 1f, 3f, 1f, 4f];
        RegressionMetrics exact = RegressionMetrics.Compute([1f, 2f, 1f, 3f, 1f, 5f], targets, outputs: 2);
        Assert.Equal(0.75, exact.RSquared, Tolerance);
        Assert.Equal(1.0 / 6, exact.MeanSquaredError, Tolerance);
        Assert.Equal(1.0 / 6, exact.MeanAbsoluteError, Tolerance);

        // Output 0 missed once (ŷ₀ = 1, 1, 2: SS_res = 1 with SS_tot = 0) → R²₀ = 0, not −∞.
        // R² = (0 + 0.5)/2 = 0.25; MSE = MAE = (1 + 1)/6. sklearn 1.2.1: r2_score 0.25 (raw 0.0, 0.5).
        RegressionMetrics missed = RegressionMetrics.Compute([1f, 2f, 1f, 3f, 2f, 5f], targets, outputs: 2);
        Assert.Equal(0.25, missed.RSquared, Tolerance);
        Assert.Equal(2.0 / 6, missed.MeanSquaredError, Tolerance);

        // A single constant output: sklearn 1.2.1 r2_score([5, 5, 5], [5, 5, 5]) = 1.0, ([5, 5, 5], [5, 5, 4]) = 0.0.
        Assert.Equal(1.0, RegressionMetrics.Compute([5f, 5f, 5f], [5f, 5f, 5f], 1).RSquared);
        RegressionMetrics off = RegressionMetrics.Compute([5f, 5f, 4f], [5f, 5f, 5f], 1);
        Assert.Equal(0.0, off.RSquared);
        Assert.Equal(1.0 / 3, off.MeanSquaredError, Tolerance);
    }

    [Fact]
    public void Regression_R2_of_a_single_row_is_NaN_as_in_sklearn()
    {
        // sklearn 1.2.1: r2_score([5.0], [5.0]) and r2_score([5.0], [4.0]) are nan ("not well-defined with less than
        // two samples"). The errors are still defined: (4 − 5)² = 1 and (7 − 5)² = 4 → MSE = 2.5, MAE = 1.5.
        RegressionMetrics m = RegressionMetrics.Compute([4f, 7f], [5f, 5f], outputs: 2);
        Assert.True(double.IsNaN(m.RSquared));
        Assert.Equal(2.5, m.MeanSquaredError, Tolerance);
        Assert.Equal(1.5, m.MeanAbsoluteError, Tolerance);
        Assert.Equal(1, m.Count);
        Assert.True(double.IsNaN(RegressionMetrics.Compute([5f], [5f], 1).RSquared));
    }

    [Fact]
    public void Regression_R2_is_negative_for_worse_than_the_mean_and_zero_for_the_mean()
    {
        // y = 1, 2, 3 (ȳ = 2, SS_tot = 2). ŷ = ȳ everywhere: SS_res = 2 → R² = 0.
        Assert.Equal(0.0, RegressionMetrics.Compute([2f, 2f, 2f], [1f, 2f, 3f], 1).RSquared, Tolerance);
        // ŷ = 3, 2, 1: SS_res = 4 + 0 + 4 = 8 → R² = 1 − 8/2 = −3.
        Assert.Equal(-3.0, RegressionMetrics.Compute([3f, 2f, 1f], [1f, 2f, 3f], 1).RSquared, Tolerance);
    }

    [Fact]
    public void Regression_is_numerically_stable_for_a_large_offset()
    {
        // 1e6 ± 1 is exact in float (spacing 0.0625 at 1e6). 10 000 rows of y = 1e6 − 1, 1e6, 1e6 + 1, 1e6
        // (ȳ = 1e6, SS_tot = 2 per 4 rows = 5000) and ŷ = y except the last of each 4, which is 1e6 + 1 (SS_res = 1 per
        // 4 rows = 2500): R² = 1 − 2500/5000 = 0.5 exactly; MSE = MAE = 2500/10 000 = 0.25.
        // Σy² − nȳ² would cancel 1e16 against 1e16 (and float accumulation would not even hold 1e6 exactly).
        const int rows = 10_000;
        var targets = new float[rows];
        var predictions = new float[rows];
        for (int i = 0; i < rows; i++)
        {
            targets[i] = 1e6f + (i % 4) switch { 0 => -1f, 2 => 1f, _ => 0f };
            predictions[i] = i % 4 == 3 ? 1e6f + 1f : targets[i];
        }

        RegressionMetrics m = RegressionMetrics.Compute(predictions, targets, 1);

        Assert.Equal(0.5, m.RSquared, Tolerance);
        Assert.Equal(0.25, m.MeanSquaredError, Tolerance);
        Assert.Equal(0.25, m.MeanAbsoluteError, Tolerance);

        // The same with the offset in a second output next to an unshifted copy: both give 0.5.
        var two = new float[2 * rows];
        var twoTargets = new float[2 * rows];
        for (int i = 0; i < rows; i++)
        {
            two[2 * i] = predictions[i] - 1e6f;
            twoTargets[2 * i] = targets[i] - 1e6f;
            two[2 * i + 1] = predictions[i];
            twoTargets[2 * i + 1] = targets[i];
        }
        Assert.Equal(0.5, RegressionMetrics.Compute(two, twoTargets, 2).RSquared, Tolerance);
    }

    [Fact]
    public void Regression_NaN_propagates()
    {
        // A NaN prediction: every metric NaN, even in a constant-target output (where SS_res == 0 is false for NaN).
        RegressionMetrics m = RegressionMetrics.Compute([1f, float.NaN, 1f, 2f], [1f, 5f, 1f, 6f], outputs: 2);
        Assert.True(double.IsNaN(m.MeanSquaredError));
        Assert.True(double.IsNaN(m.RootMeanSquaredError));
        Assert.True(double.IsNaN(m.MeanAbsoluteError));
        Assert.True(double.IsNaN(m.RSquared));

        RegressionMetrics constant = RegressionMetrics.Compute([float.NaN, 5f], [5f, 5f], outputs: 1);
        Assert.True(double.IsNaN(constant.RSquared));
        Assert.True(double.IsNaN(constant.MeanSquaredError));

        // A NaN target too.
        RegressionMetrics target = RegressionMetrics.Compute([1f, 2f, 3f], [1f, float.NaN, 3f], outputs: 1);
        Assert.True(double.IsNaN(target.MeanSquaredError));
        Assert.True(double.IsNaN(target.RSquared));
    }

    [Fact]
    public void Regression_checks_its_arguments()
    {
        Assert.Equal("outputs", Assert.Throws<ArgumentException>(
            () => RegressionMetrics.Compute([1f], [1f], 0)).ParamName);
        Assert.Equal("outputs", Assert.Throws<ArgumentException>(
            () => RegressionMetrics.Compute([1f], [1f], -1)).ParamName);
        Assert.Equal("targets", Assert.Throws<ArgumentException>(
            () => RegressionMetrics.Compute([1f, 2f], [1f], 1)).ParamName);
        Assert.Equal("predictions", Assert.Throws<ArgumentException>(
            () => RegressionMetrics.Compute([1f, 2f, 3f], [1f, 2f, 3f], 2)).ParamName);
        Assert.Equal("predictions", Assert.Throws<ArgumentException>(
            () => RegressionMetrics.Compute([], [], 1)).ParamName);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 2. ConfusionMatrix
    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>
    /// Ten samples of three classes, (actual, predicted): class 0: (0,0)×3, (0,1); class 1: (1,1)×2, (1,0), (1,2);
    /// class 2: (2,2), (2, none).
    /// </summary>
    private static ConfusionMatrix HandExample()
    {
        var matrix = new ConfusionMatrix(3);
        int[] actual = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2];
        int[] predicted = [0, 0, 0, 1, 1, 1, 0, 2, 2, -1];
        for (int i = 0; i < actual.Length; i++)
        {
            matrix.Add(actual[i], predicted[i]);
        }
        return matrix;
    }

    [Fact]
    public void Confusion_counts_and_metrics_match_hand_computation_and_sklearn()
    {
        ConfusionMatrix m = HandExample();

        //            predicted 0  1  2   none
        // actual 0             3  1  0   0
        // actual 1             1  2  1   0
        // actual 2             0  0  1   1
        // (sklearn 1.2.1 confusion_matrix(labels=[0, 1, 2]) with −1 for none: [[3 1 0] [1 2 1] [0 0 1]].)
        int[,] expected = { { 3, 1, 0 }, { 1, 2, 1 }, { 0, 0, 1 } };
        for (int a = 0; a < 3; a++)
        {
            for (int p = 0; p < 3; p++)
            {
                Assert.Equal(expected[a, p], m[a, p]);
            }
        }
        Assert.Equal(3, m.Classes);
        Assert.Equal(10, m.Total);
        Assert.Equal(6, m.Correct);        // 3 + 2 + 1
        Assert.Equal(1, m.Unpredicted);
        Assert.Equal(0.6, m.Accuracy, Tolerance); // 6/10; sklearn 1.2.1 accuracy_score 0.6

        // Class 0: TP 3, FP 1 (the (1,0)), FN 1 (the (0,1)) → P = 3/4, R = 3/4, F1 = 6/(6 + 1 + 1) = 0.75.
        Assert.Equal(0.75, m.Precision(0), Tolerance);
        Assert.Equal(0.75, m.Recall(0), Tolerance);
        Assert.Equal(0.75, m.F1(0), Tolerance);
        // Class 1: TP 2, FP 1 (the (0,1)), FN 2 → P = 2/3, R = 2/4, F1 = 4/(4 + 1 + 2) = 4/7 (= 2·(2/3)(1/2)/(2/3 + 1/2)).
        Assert.Equal(2.0 / 3, m.Precision(1), Tolerance);
        Assert.Equal(0.5, m.Recall(1), Tolerance);
        Assert.Equal(4.0 / 7, m.F1(1), Tolerance);
        // Class 2: TP 1, FP 1 (the (1,2)), FN 1 (the unpredicted one) → P = 1/2, R = 1/2, F1 = 2/(2 + 1 + 1) = 0.5.
        Assert.Equal(0.5, m.Precision(2), Tolerance);
        Assert.Equal(0.5, m.Recall(2), Tolerance);
        Assert.Equal(0.5, m.F1(2), Tolerance);

        // sklearn 1.2.1 precision_recall_fscore_support(labels=[0, 1, 2], −1 for none):
        // precision 0.75, 0.66666667, 0.5; recall 0.75, 0.5, 0.5; f1 0.75, 0.57142857, 0.5.
        Assert.Equal(0.57142857, m.F1(1), 1e-8);
    }

    [Fact]
    public void Confusion_undefined_metrics()
    {
        var empty = new ConfusionMatrix(2);
        Assert.Equal(0, empty.Total);
        Assert.Equal(0.0, empty.Accuracy);
        Assert.True(double.IsNaN(empty.Precision(0)));
        Assert.True(double.IsNaN(empty.Recall(0)));
        Assert.True(double.IsNaN(empty.F1(0)));

        // Class 1 present (twice) but never predicted: precision NaN, recall 0, F1 = 2·0/(0 + 0 + 2) = 0.
        // Class 0 predicted (three times, once right) : precision 1/3, recall 1/1.
        var m = new ConfusionMatrix(2);
        m.Add(0, 0);
        m.Add(1, 0);
        m.Add(1, 0);
        Assert.True(double.IsNaN(m.Precision(1)));
        Assert.Equal(0.0, m.Recall(1));
        Assert.Equal(0.0, m.F1(1));
        Assert.Equal(1.0 / 3, m.Precision(0), Tolerance);
        Assert.Equal(1.0, m.Recall(0));
        Assert.Equal(0.5, m.F1(0), Tolerance); // 2/(2 + 2 + 0)

        // Only unpredicted samples: counted, no cell, accuracy 0, recall 0 for their class, precision NaN.
        var none = new ConfusionMatrix(1);
        none.Add(0, -1);
        none.Add(0, -1);
        Assert.Equal(2, none.Total);
        Assert.Equal(2, none.Unpredicted);
        Assert.Equal(0, none.Correct);
        Assert.Equal(0, none[0, 0]);
        Assert.Equal(0.0, none.Accuracy);
        Assert.Equal(0.0, none.Recall(0));
        Assert.True(double.IsNaN(none.Precision(0)));
        Assert.Equal(0.0, none.F1(0));
    }

    [Fact]
    public void Confusion_ToString_lays_out_an_aligned_table()
    {
        // The hand example: unpredicted samples add a "none" column.
        Assert.Equal(
            "actual\\predicted  0  1  2  none\n" +
            "0                 3  1  0     0\n" +
            "1                 1  2  1     0\n" +
            "2                 0  0  1     1",
            HandExample().ToString());

        // Named classes, no unpredicted sample, counts wider than one digit and names longer than the corner.
        var m = new ConfusionMatrix(2);
        for (int i = 0; i < 12; i++)
        {
            m.Add(0, 0);
        }
        for (int i = 0; i < 3; i++)
        {
            m.Add(0, 1);
        }
        for (int i = 0; i < 1000; i++)
        {
            m.Add(1, 1);
        }
        Assert.Equal(
            "actual\\predicted    cat  a rather long name\n" +
            "cat                  12                   3\n" +
            "a rather long name    0                1000",
            m.ToString(["cat", "a rather long name"]));
        Assert.Equal(
            "actual\\predicted   0     1\n" +
            "0                 12     3\n" +
            "1                  0  1000",
            m.ToString());
    }

    [Fact]
    public void Confusion_checks_its_arguments()
    {
        Assert.Equal("classes", Assert.Throws<ArgumentOutOfRangeException>(() => new ConfusionMatrix(0)).ParamName);

        var m = new ConfusionMatrix(2);
        Assert.Equal("actual", Assert.Throws<ArgumentOutOfRangeException>(() => m.Add(2, 0)).ParamName);
        Assert.Equal("actual", Assert.Throws<ArgumentOutOfRangeException>(() => m.Add(-1, 0)).ParamName);
        Assert.Equal("predicted", Assert.Throws<ArgumentOutOfRangeException>(() => m.Add(0, 2)).ParamName);
        Assert.Equal("predicted", Assert.Throws<ArgumentOutOfRangeException>(() => m.Add(0, -2)).ParamName);
        Assert.Equal(0, m.Total); // nothing counted by the failed calls
        Assert.Equal("predicted", Assert.Throws<ArgumentOutOfRangeException>(() => m[0, -1]).ParamName);
        Assert.Equal("actual", Assert.Throws<ArgumentOutOfRangeException>(() => m[2, 0]).ParamName);
        Assert.Equal("class", Assert.Throws<ArgumentOutOfRangeException>(() => m.Precision(2)).ParamName);
        Assert.Equal("class", Assert.Throws<ArgumentOutOfRangeException>(() => m.Recall(-1)).ParamName);
        Assert.Equal("class", Assert.Throws<ArgumentOutOfRangeException>(() => m.F1(5)).ParamName);
        Assert.Equal("classNames", Assert.Throws<ArgumentException>(() => m.ToString(["only one"])).ParamName);
        Assert.Equal("classNames", Assert.Throws<ArgumentNullException>(() => m.ToString(null!)).ParamName);
        Assert.Equal("classNames", Assert.Throws<ArgumentNullException>(() => m.ToString(new string[] { "a", null! })).ParamName);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 3. Predictions.Class
    // ---------------------------------------------------------------------------------------------------------------

    [Fact]
    public void Class_of_a_single_output_thresholds()
    {
        Assert.Equal(1, Predictions.Class([0.5f]));                  // exactly the threshold → 1
        Assert.Equal(0, Predictions.Class([BitDecrement(0.5f)]));    // the float just below → 0
        Assert.Equal(1, Predictions.Class([1f]));
        Assert.Equal(0, Predictions.Class([0f]));
        Assert.Equal(-1, Predictions.Class([float.NaN]));
        Assert.Equal(1, Predictions.Class([float.PositiveInfinity]));
        Assert.Equal(0, Predictions.Class([float.NegativeInfinity]));

        // Another threshold (e.g. for a tanh output): −0 ≥ 0 holds.
        Assert.Equal(1, Predictions.Class([0f], threshold: 0f));
        Assert.Equal(1, Predictions.Class([-0f], threshold: 0f));
        Assert.Equal(0, Predictions.Class([-1e-30f], threshold: 0f));
        Assert.Equal(-1, Predictions.Class([float.NaN], threshold: 0f));
    }

    private static float BitDecrement(float value) => MathF.BitDecrement(value);

    [Fact]
    public void Class_of_several_outputs_is_the_arg_max()
    {
        Assert.Equal(2, Predictions.Class([0.1f, 0.2f, 0.7f]));
        Assert.Equal(1, Predictions.Class([1f, 3f, 3f]));                                   // ties to the first
        Assert.Equal(0, Predictions.Class([1f, 1f]));
        Assert.Equal(0, Predictions.Class([-0f, 0f]));                                      // −0 == 0: a tie
        Assert.Equal(2, Predictions.Class([float.NaN, 1f, 2f]));                            // NaN first never wins
        Assert.Equal(0, Predictions.Class([3f, float.NaN, 3f]));
        Assert.Equal(0, Predictions.Class([2f, float.NaN]));
        Assert.Equal(-1, Predictions.Class([float.NaN, float.NaN]));                        // all NaN → none
        Assert.Equal(1, Predictions.Class([float.MaxValue, float.PositiveInfinity]));       // +∞ beats finite
        Assert.Equal(0, Predictions.Class([float.PositiveInfinity, float.PositiveInfinity]));
        Assert.Equal(1, Predictions.Class([float.NegativeInfinity, -5f]));
        Assert.Equal(0, Predictions.Class([float.NegativeInfinity, float.NaN]));            // −∞ wins only against NaN
        Assert.Equal(1, Predictions.Class([float.NaN, float.NegativeInfinity]));
        Assert.Equal(0, Predictions.Class([float.NegativeInfinity, float.NegativeInfinity]));
        Assert.Equal(1, Predictions.Class([0.1f, 0.9f], threshold: 0.95f));                 // threshold ignored
    }

    [Fact]
    public void Class_of_several_outputs_matches_a_reference_on_random_rows()
    {
        // Reference: among the non-NaN values, the first index holding the largest (ties by ==, so −0 ties 0).
        float[] pool = [float.NaN, float.NegativeInfinity, float.PositiveInfinity, -1f, -0f, 0f, 0.5f, 1f, float.MaxValue];
        var random = new Random(12345);
        var row = new float[5];
        for (int trial = 0; trial < 20_000; trial++)
        {
            int width = 2 + random.Next(4);
            for (int k = 0; k < width; k++)
            {
                row[k] = pool[random.Next(pool.Length)];
            }
            ReadOnlySpan<float> values = row.AsSpan(0, width);
            Assert.Equal(ReferenceArgMax(values), Predictions.Class(values));
        }
    }

    private static int ReferenceArgMax(ReadOnlySpan<float> values)
    {
        bool any = false;
        float largest = 0;
        foreach (float value in values)
        {
            if (!float.IsNaN(value) && (!any || value > largest))
            {
                largest = value;
                any = true;
            }
        }
        if (!any)
        {
            return -1;
        }
        for (int k = 0; k < values.Length; k++)
        {
            if (values[k] == largest)
            {
                return k;
            }
        }
        throw new InvalidOperationException("unreachable");
    }

    [Fact]
    public void Class_checks_its_arguments()
    {
        Assert.Equal("outputs", Assert.Throws<ArgumentException>(() => Predictions.Class([])).ParamName);
        Assert.Equal("threshold", Assert.Throws<ArgumentException>(() => Predictions.Class([0.5f], float.NaN)).ParamName);
    }

    [Fact]
    public void Class_feeds_a_confusion_matrix()
    {
        // One sigmoid output: two classes. Rows (output, label): (0.9, 1), (0.5, 0), (0.2, 0), (NaN, 1).
        // Predicted: 1, 1, 0, −1 → cells [1,1] = 1, [0,1] = 1, [0,0] = 1; one unpredicted; accuracy 2/4.
        float[] outputs = [0.9f, 0.5f, 0.2f, float.NaN];
        int[] labels = [1, 0, 0, 1];
        var m = new ConfusionMatrix(2);
        for (int i = 0; i < outputs.Length; i++)
        {
            m.Add(labels[i], Predictions.Class(outputs.AsSpan(i, 1)));
        }
        Assert.Equal(1, m[1, 1]);
        Assert.Equal(1, m[0, 1]);
        Assert.Equal(1, m[0, 0]);
        Assert.Equal(0, m[1, 0]);
        Assert.Equal(1, m.Unpredicted);
        Assert.Equal(0.5, m.Accuracy);
        Assert.Equal(0.5, m.Recall(1)); // 1/(1 + 1 unpredicted)
        IReadOnlyList<string> names = ["negative", "positive"];
        Assert.Equal(
            "actual\\predicted  negative  positive  none\n" +
            "negative                 1         1     0\n" +
            "positive                 0         1     1",
            m.ToString(names));
    }
}
