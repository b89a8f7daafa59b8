using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Backprop;

/// <summary>Counts of (actual class, predicted class) pairs, and the classification metrics that follow from them.</summary>
/// <remarks>
/// A sample can also have no prediction (<see cref="Add"/> with predicted = −1, which is what
/// <see cref="Predictions.Class"/> returns when every output is NaN): it counts in <see cref="Total"/> and
/// <see cref="Unpredicted"/>, and as a miss for <see cref="Accuracy"/> and for its actual class's
/// <see cref="Recall"/>, but in no cell of the matrix. Not thread-safe: one writer at a time.
/// </remarks>
public sealed class ConfusionMatrix
{
    private readonly int[] _counts;

    /// <summary>Unpredicted samples per actual class (false negatives that are in no cell).</summary>
    private readonly int[] _unpredicted;

    /// <summary>An empty matrix.</summary>
    /// <param name="classes">The number of classes, at least 1; for a single sigmoid output (see <see cref="Predictions.Class"/>), 2.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classes"/> is less than 1.</exception>
    public ConfusionMatrix(int classes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        Classes = classes;
        _counts = new int[checked(classes * classes)];
        _unpredicted = new int[classes];
    }

    /// <summary>The number of classes.</summary>
    public int Classes { get; }

    /// <summary>The samples of class <paramref name="actual"/> that were predicted as <paramref name="predicted"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A class is outside 0 … <see cref="Classes"/> − 1.</exception>
    public int this[int actual, int predicted]
    {
        get
        {
            CheckClass(actual, nameof(actual));
            CheckClass(predicted, nameof(predicted));
            return _counts[actual * Classes + predicted];
        }
    }

    /// <summary>The samples added, the unpredicted ones included.</summary>
    public int Total { get; private set; }

    /// <summary>The samples predicted as their actual class: the sum of the diagonal.</summary>
    public int Correct { get; private set; }

    /// <summary>The samples added without a prediction (predicted = −1).</summary>
    public int Unpredicted { get; private set; }

    /// <summary><see cref="Correct"/> / <see cref="Total"/>, or 0 when the matrix is empty.</summary>
    public double Accuracy => Total == 0 ? 0 : (double)Correct / Total;

    /// <summary>Counts one sample.</summary>
    /// <param name="actual">The sample's class, 0 … <see cref="Classes"/> − 1.</param>
    /// <param name="predicted">The predicted class, 0 … <see cref="Classes"/> − 1, or −1 for no prediction.</param>
    /// <exception cref="ArgumentOutOfRangeException">A class is out of range.</exception>
    public void Add(int actual, int predicted)
    {
        CheckClass(actual, nameof(actual));
        if (predicted != -1)
        {
            CheckClass(predicted, nameof(predicted));
        }

        Total++;
        if (predicted < 0)
        {
            Unpredicted++;
            _unpredicted[actual]++;
            return;
        }
        _counts[actual * Classes + predicted]++;
        if (actual == predicted)
        {
            Correct++;
        }
    }

    /// <summary>TP / (TP + FP): the fraction of the samples predicted as <paramref name="class"/> that are of it.</summary>
    /// <returns>NaN when no sample was predicted as <paramref name="class"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="class"/> is out of range.</exception>
    public double Precision(int @class)
    {
        CheckClass(@class, nameof(@class));
        int predicted = ColumnSum(@class);
        return predicted == 0 ? double.NaN : (double)TruePositives(@class) / predicted;
    }

    /// <summary>
    /// TP / (TP + FN): the fraction of the samples of <paramref name="class"/> predicted as it. The samples of the
    /// class without a prediction count as false negatives.
    /// </summary>
    /// <returns>NaN when no sample of <paramref name="class"/> was added.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="class"/> is out of range.</exception>
    public double Recall(int @class)
    {
        CheckClass(@class, nameof(@class));
        int actual = RowSum(@class);
        return actual == 0 ? double.NaN : (double)TruePositives(@class) / actual;
    }

    /// <summary>
    /// The harmonic mean of <see cref="Precision"/> and <see cref="Recall"/>, computed as 2TP / (2TP + FP + FN).
    /// </summary>
    /// <returns>
    /// NaN only when the class was neither present nor predicted (TP + FP + FN = 0). A class that is present but never
    /// predicted (precision NaN) or never predicted correctly scores 0, as in scikit-learn's <c>f1_score</c>.
    /// </returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="class"/> is out of range.</exception>
    public double F1(int @class)
    {
        CheckClass(@class, nameof(@class));
        int tp = TruePositives(@class);
        // TP + FP = the column; TP + FN = the row (unpredicted included).
        int denominator = ColumnSum(@class) + RowSum(@class);
        return denominator == 0 ? double.NaN : 2.0 * tp / denominator;
    }

    /// <summary>The matrix as a table, the classes named by their numbers (see <see cref="ToString(IReadOnlyList{string})"/>).</summary>
    public override string ToString()
    {
        var names = new string[Classes];
        for (int k = 0; k < Classes; k++)
        {
            names[k] = k.ToString(CultureInfo.InvariantCulture);
        }
        return Format(names);
    }

    /// <summary>
    /// The matrix as a table: a header row of the predicted classes, then a row per actual class. The first column
    /// (the actual classes, under the heading <c>actual\predicted</c>) is aligned left, the counts right, the columns
    /// two spaces apart; when some samples had no prediction, a last column <c>none</c> counts them per actual class.
    /// Lines end with <c>\n</c> (none after the last); numbers use the invariant culture.
    /// </summary>
    /// <param name="classNames">A name per class, in class order.</param>
    /// <exception cref="ArgumentNullException"><paramref name="classNames"/> or one of its names is null.</exception>
    /// <exception cref="ArgumentException">There are not <see cref="Classes"/> names.</exception>
    public string ToString(IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        if (classNames.Count != Classes)
        {
            throw new ArgumentException(
                $"There are {classNames.Count} class names for {Classes} classes.", nameof(classNames));
        }
        var names = new string[Classes];
        for (int k = 0; k < Classes; k++)
        {
            names[k] = classNames[k] ?? throw new ArgumentNullException(nameof(classNames), $"The name of class {k} is null.");
        }
        return Format(names);
    }

    private const string Corner = "actual\\predicted";

    private const string NoneHeading = "none";

    private string Format(string[] names)
    {
        bool none = Unpredicted > 0;
        int columns = Classes + (none ? 1 : 0);

        // The cells as text, [row, column], row 0 the header.
        var cells = new string[Classes + 1, columns + 1];
        cells[0, 0] = Corner;
        for (int p = 0; p < Classes; p++)
        {
            cells[0, p + 1] = names[p];
        }
        if (none)
        {
            cells[0, columns] = NoneHeading;
        }
        for (int a = 0; a < Classes; a++)
        {
            cells[a + 1, 0] = names[a];
            for (int p = 0; p < Classes; p++)
            {
                cells[a + 1, p + 1] = _counts[a * Classes + p].ToString(CultureInfo.InvariantCulture);
            }
            if (none)
            {
                cells[a + 1, columns] = _unpredicted[a].ToString(CultureInfo.InvariantCulture);
            }
        }

        var widths = new int[columns + 1];
        for (int c = 0; c <= columns; c++)
        {
            for (int r = 0; r <= Classes; r++)
            {
                widths[c] = Math.Max(widths[c], cells[r, c].Length);
            }
        }

        var text = new StringBuilder();
        for (int r = 0; r <= Classes; r++)
        {
            if (r > 0)
            {
                text.Append('\n');
            }
            text.Append(cells[r, 0].PadRight(widths[0]));
            for (int c = 1; c <= columns; c++)
            {
                text.Append("  ").Append(cells[r, c].PadLeft(widths[c]));
            }
        }
        return text.ToString();
    }

    private int TruePositives(int @class) => _counts[@class * Classes + @class];

    /// <summary>The samples predicted as <paramref name="class"/>: TP + FP.</summary>
    private int ColumnSum(int @class)
    {
        int sum = 0;
        for (int a = 0; a < Classes; a++)
        {
            sum += _counts[a * Classes + @class];
        }
        return sum;
    }

    /// <summary>The samples of <paramref name="class"/>, unpredicted ones included: TP + FN.</summary>
    private int RowSum(int @class)
    {
        int sum = _unpredicted[@class];
        for (int p = 0; p < Classes; p++)
        {
            sum += _counts[@class * Classes + p];
        }
        return sum;
    }

    private void CheckClass(int value, string paramName)
    {
        if ((uint)value >= (uint)Classes)
        {
            throw new ArgumentOutOfRangeException(
                paramName, value, $"A class must be from 0 to {Classes - 1}.");
        }
    }
}
