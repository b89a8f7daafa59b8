using System;

namespace Backprop;

/// <summary>
/// An in-memory dataset: <see cref="Count"/> inputs of <see cref="InputSize"/> floats each, stored contiguously, and
/// for each input either an integer class label (classification: one-hot targets are made on demand by
/// <see cref="Target"/>, so they cost no memory) or <see cref="TargetSize"/> real-valued targets (regression,
/// multi-output targets).
/// </summary>
/// <remarks>
/// A dataset is immutable once built. <see cref="Slice"/> and <see cref="Take"/> return views that
/// share the storage, so subsets cost nothing; <see cref="Split"/> shuffles into new storage once. Read one from IDX
/// files with <see cref="IdxReader"/>, or build one from arrays or spans of rows.
/// </remarks>
public sealed class Dataset
{
    private readonly float[] _inputs;
    private readonly int _offset;
    private readonly int[] _labels;
    private readonly float[] _targets;
    private readonly int _start;

    /// <summary>
    /// Creates a dataset over <paramref name="inputs"/> (sample i at
    /// [i·<paramref name="inputSize"/>, (i + 1)·<paramref name="inputSize"/>)) and
    /// <paramref name="labels"/>. The arrays are used as they are, not copied: do not change them
    /// afterwards.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="inputSize"/> is not positive, or a label is negative.</exception>
    /// <exception cref="ArgumentException">The lengths of the arrays do not agree, or an input is NaN or infinite.</exception>
    public Dataset(float[] inputs, int[] labels, int inputSize)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        if ((long)labels.Length * inputSize != inputs.Length)
        {
            throw new ArgumentException(
                $"inputs must hold {labels.Length} samples × {inputSize} values = {(long)labels.Length * inputSize} floats but holds {inputs.Length}.",
                nameof(inputs));
        }

        CheckFinite(inputs, inputSize, nameof(inputs));

        _inputs = inputs;
        _offset = 0;
        _labels = labels;
        _targets = [];
        _start = 0;
        InputSize = inputSize;
        Count = labels.Length;
        ClassCount = CountClasses(labels, nameof(labels));
    }

    /// <summary>
    /// Creates a dataset with real-valued targets over <paramref name="inputs"/> (sample i at
    /// [i·<paramref name="inputSize"/>, (i + 1)·<paramref name="inputSize"/>)) and <paramref name="targets"/> (sample i at
    /// [i·<paramref name="targetSize"/>, (i + 1)·<paramref name="targetSize"/>)): a regression or multi-output data set.
    /// The arrays are used as they are, not copied: do not change them afterwards.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="inputSize"/> or <paramref name="targetSize"/> is not positive.</exception>
    /// <exception cref="ArgumentException">The lengths of the arrays do not agree, or a value is NaN or infinite.</exception>
    public Dataset(float[] inputs, float[] targets, int inputSize, int targetSize)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(targetSize);
        if (inputs.Length % inputSize != 0)
        {
            throw new ArgumentException($"inputs holds {inputs.Length} floats, which is not whole rows of {inputSize}.", nameof(inputs));
        }
        int count = inputs.Length / inputSize;
        if ((long)count * targetSize != targets.Length)
        {
            throw new ArgumentException(
                $"targets must hold {count} samples × {targetSize} values = {(long)count * targetSize} floats (one row per input row) but holds {targets.Length}.",
                nameof(targets));
        }
        CheckFinite(inputs, inputSize, nameof(inputs));
        CheckFinite(targets, targetSize, nameof(targets));

        _inputs = inputs;
        _offset = 0;
        _labels = [];
        _targets = targets;
        _start = 0;
        InputSize = inputSize;
        TargetSize = targetSize;
        Count = count;
    }

    /// <summary>
    /// A dataset with real-valued targets copied from rows of <paramref name="inputs"/> and <paramref name="targets"/>
    /// (one copy, into arrays the dataset owns).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="inputSize"/> or <paramref name="targetSize"/> is not positive.</exception>
    /// <exception cref="ArgumentException">The lengths do not agree, or a value is NaN or infinite.</exception>
    public static Dataset FromRows(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int inputSize, int targetSize)
        => new(inputs.ToArray(), targets.ToArray(), inputSize, targetSize);

    /// <summary>A dataset over inputs that start at <paramref name="offset"/> in <paramref name="storage"/> (see <see cref="InputStorage"/>); values known finite.</summary>
    internal Dataset(float[] storage, int offset, int[] labels, int inputSize)
    {
        _inputs = storage;
        _offset = offset;
        _labels = labels;
        _targets = [];
        _start = 0;
        InputSize = inputSize;
        Count = labels.Length;
        ClassCount = CountClasses(labels, nameof(labels));
    }

    private Dataset(Dataset source, int start, int count)
    {
        _inputs = source._inputs;
        _offset = source._offset;
        _labels = source._labels;
        _targets = source._targets;
        _start = source._start + start;
        InputSize = source.InputSize;
        TargetSize = source.TargetSize;
        Count = count;
        ClassCount = source.HasLabels ? CountClasses(_labels.AsSpan(_start, count), nameof(source)) : 0;
    }

    /// <summary>The number of samples.</summary>
    public int Count { get; }

    /// <summary>The number of values in each input.</summary>
    public int InputSize { get; }

    /// <summary>One more than the largest label (0 for an empty dataset, or one with real-valued targets): the narrowest one-hot target that fits every label.</summary>
    public int ClassCount { get; }

    /// <summary>The number of real-valued targets per sample; 0 for a dataset of class labels.</summary>
    public int TargetSize { get; }

    /// <summary>Whether the samples have class labels (<see cref="Labels"/>) rather than real-valued targets (<see cref="Targets"/>).</summary>
    public bool HasLabels => TargetSize == 0;

    /// <summary>Every real-valued target, contiguous: sample i at [i·<see cref="TargetSize"/>, (i + 1)·<see cref="TargetSize"/>); empty for a dataset of class labels.</summary>
    public ReadOnlySpan<float> Targets => _targets.AsSpan(_start * TargetSize, Count * TargetSize);

    /// <summary>Every input, contiguous: sample i at [i·<see cref="InputSize"/>, (i + 1)·<see cref="InputSize"/>).</summary>
    public ReadOnlySpan<float> Inputs => _inputs.AsSpan(_offset + _start * InputSize, Count * InputSize);

    /// <summary>Every label, in sample order; empty for a dataset of real-valued targets.</summary>
    public ReadOnlySpan<int> Labels => HasLabels ? _labels.AsSpan(_start, Count) : [];

    /// <summary>The input of sample <paramref name="index"/>: <see cref="InputSize"/> values.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not in [0, <see cref="Count"/>).</exception>
    public ReadOnlySpan<float> Input(int index)
    {
        CheckIndex(index);
        return _inputs.AsSpan(_offset + (_start + index) * InputSize, InputSize);
    }

    /// <summary>The label of sample <paramref name="index"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not in [0, <see cref="Count"/>).</exception>
    /// <exception cref="InvalidOperationException">The dataset has real-valued targets, not labels.</exception>
    public int Label(int index)
    {
        CheckIndex(index);
        if (!HasLabels)
        {
            throw new InvalidOperationException("This dataset has real-valued targets, not class labels: read them with Target or Targets.");
        }
        return _labels[_start + index];
    }

    /// <summary>
    /// Writes the target of sample <paramref name="index"/> into <paramref name="target"/>: its real-valued targets, or
    /// for a class label the one-hot vector (1 at the label's position, 0 everywhere else) — except for a single output,
    /// where the target of label 0 or 1 is that number (a yes/no network).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not in [0, <see cref="Count"/>).</exception>
    /// <exception cref="ArgumentException">The label or the targets do not fit in <paramref name="target"/>.</exception>
    public void Target(int index, Span<float> target)
    {
        if (!HasLabels)
        {
            CheckIndex(index);
            if (target.Length != TargetSize)
            {
                throw new ArgumentException($"Sample {index} has {TargetSize} targets, which do not fit a target of width {target.Length}.", nameof(target));
            }
            _targets.AsSpan((_start + index) * TargetSize, TargetSize).CopyTo(target);
            return;
        }
        int label = Label(index);
        if (target.Length == 1 && label <= 1)
        {
            target[0] = label;
            return;
        }
        if (label >= target.Length)
        {
            throw new ArgumentException(
                $"Sample {index} has label {label}, which does not fit a one-hot target of width {target.Length}.", nameof(target));
        }

        target.Clear();
        target[label] = 1f;
    }

    /// <summary>The samples [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>), sharing this dataset's storage.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range does not lie within the dataset.</exception>
    public Dataset Slice(int start, int count)
    {
        if ((uint)start > (uint)Count)
        {
            throw new ArgumentOutOfRangeException(nameof(start), start, $"start must be in [0, {Count}].");
        }
        if ((uint)count > (uint)(Count - start))
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"count must be in [0, {Count - start}] for start {start}.");
        }
        return new Dataset(this, start, count);
    }

    /// <summary>The first <paramref name="count"/> samples (all of them if there are fewer), sharing this dataset's storage.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    public Dataset Take(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return count >= Count ? this : new Dataset(this, 0, count);
    }

    /// <summary>
    /// Shuffles the samples with <paramref name="seed"/> (the same seed, the same order on every machine) and cuts them in
    /// two: the first ⌊<paramref name="fraction"/> · Count⌉ samples, and the rest. Copies the data once.
    /// </summary>
    /// <param name="fraction">The share of the first part, in (0, 1): e.g. 0.8 for an 80/20 training/test split.</param>
    /// <param name="seed">The seed of the shuffle.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fraction"/> is not in (0, 1), or leaves a part empty.</exception>
    public (Dataset First, Dataset Second) Split(double fraction, int seed)
    {
        if (!(fraction > 0 && fraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "The fraction must be more than 0 and less than 1.");
        }
        int first = (int)Math.Round(fraction * Count, MidpointRounding.AwayFromZero);
        if (first == 0 || first == Count)
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, $"A fraction of {fraction} of {Count} samples leaves one part empty.");
        }
        var order = new int[Count];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }
        new DeterministicRandom(seed).Shuffle(order.AsSpan());
        Dataset shuffled = Gather(order);
        return (shuffled.Slice(0, first), shuffled.Slice(first, Count - first));
    }

    /// <summary>A new dataset of the samples <paramref name="rows"/>, in that order (copied).</summary>
    private Dataset Gather(ReadOnlySpan<int> rows)
    {
        var inputs = new float[(long)rows.Length * InputSize];
        ReadOnlySpan<float> source = Inputs;
        for (int k = 0; k < rows.Length; k++)
        {
            source.Slice(rows[k] * InputSize, InputSize).CopyTo(inputs.AsSpan(k * InputSize, InputSize));
        }
        if (HasLabels)
        {
            var labels = new int[rows.Length];
            ReadOnlySpan<int> all = Labels;
            for (int k = 0; k < rows.Length; k++)
            {
                labels[k] = all[rows[k]];
            }
            return new Dataset(inputs, 0, labels, InputSize);
        }
        var targets = new float[(long)rows.Length * TargetSize];
        ReadOnlySpan<float> allTargets = Targets;
        for (int k = 0; k < rows.Length; k++)
        {
            allTargets.Slice(rows[k] * TargetSize, TargetSize).CopyTo(targets.AsSpan(k * TargetSize, TargetSize));
        }
        return new Dataset(inputs, targets, InputSize, TargetSize);
    }

    /// <summary>
    /// Checked once when a dataset is built, so that training never has to: a NaN in the data would otherwise only show up
    /// as a diverged cost after it had reached the parameters.
    /// </summary>
    private static void CheckFinite(float[] values, int rowSize, string paramName)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw new ArgumentException(
                    $"{paramName}[{i}] (sample {i / rowSize}, value {i % rowSize}) is {values[i]}; every value must be a finite number.",
                    paramName);
            }
        }
    }

    private void CheckIndex(int index)
    {
        if ((uint)index >= (uint)Count)
        {
            ThrowIndex(index);
        }
    }

    private void ThrowIndex(int index)
        => throw new ArgumentOutOfRangeException(nameof(index), index, $"index must be in [0, {Count}).");

    private static int CountClasses(ReadOnlySpan<int> labels, string paramName)
    {
        int max = -1;
        for (int i = 0; i < labels.Length; i++)
        {
            int label = labels[i];
            if (label < 0)
            {
                throw new ArgumentOutOfRangeException(paramName, label, $"Label {i} is negative ({label}); labels must be class numbers 0, 1, 2, ….");
            }
            max = Math.Max(max, label);
        }
        return max + 1;
    }
}
