using System;

namespace Backprop;

/// <summary>Turning a classifier's outputs into a predicted class.</summary>
public static class Predictions
{
    /// <summary>The predicted class of one row of outputs, or −1 when there is none (every output NaN).</summary>
    /// <param name="outputs">The network's outputs for one sample.</param>
    /// <param name="threshold">
    /// For a single output (a binary classifier, e.g. one sigmoid neuron): the value from which class 1 is predicted.
    /// Ignored for several outputs.
    /// </param>
    /// <returns>
    /// <para>
    /// For a single output: 1 when the output is ≥ <paramref name="threshold"/> (so exactly 0.5 predicts 1 by
    /// default), 0 when it is below, and −1 when it is NaN.
    /// </para>
    /// <para>
    /// For several outputs: the index of the largest, or −1 when every value is NaN. Ties go to the first; NaN never
    /// wins, wherever it is (the first value included); +∞ beats every finite value, and −∞ wins only against NaN.
    /// These are the semantics of <see cref="Trainer.Evaluate"/>'s accuracy.
    /// </para>
    /// </returns>
    /// <exception cref="ArgumentException"><paramref name="outputs"/> is empty, or <paramref name="threshold"/> is NaN.</exception>
    public static int Class(ReadOnlySpan<float> outputs, float threshold = 0.5f)
    {
        if (outputs.IsEmpty)
        {
            throw new ArgumentException("There are no outputs to classify.", nameof(outputs));
        }
        if (float.IsNaN(threshold))
        {
            throw new ArgumentException("The threshold is NaN.", nameof(threshold));
        }
        if (outputs.Length == 1)
        {
            float value = outputs[0];
            return float.IsNaN(value) ? -1 : value >= threshold ? 1 : 0;
        }
        return ArgMax(outputs);
    }

    /// <summary>The index of the largest value (the first on ties, NaN never), or −1 when every value is NaN.</summary>
    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = -1;
        float largest = float.NegativeInfinity;
        for (int k = 0; k < values.Length; k++)
        {
            float value = values[k];
            // NaN compares false both ways: it is never taken. −∞ is taken only while nothing has been (best < 0).
            if (value > largest || (best < 0 && value == largest))
            {
                best = k;
                largest = value;
            }
        }
        return best;
    }
}
