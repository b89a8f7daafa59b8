using System;

namespace Backprop;

/// <summary>
/// An in-memory classification dataset: <see cref="Count"/> inputs of <see cref="InputSize"/>
/// floats each, stored contiguously, and one integer label per input. One-hot targets are made on
/// demand by <see cref="Target"/>, so they cost no memory.
/// </summary>
/// <remarks>
/// A dataset is immutable once built. <see cref="Slice"/> and <see cref="Take"/> return views that
/// share the storage, so subsets cost nothing. Read one from IDX files with <see cref="IdxReader"/>.
/// </remarks>
public sealed class Dataset
{
    private readonly float[] _inputs;
    private readonly int _offset;
    private readonly int[] _labels;
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

        // Checked once here, so that training never has to: a NaN in the data would otherwise only
        // show up as a diverged cost after it had reached the parameters.
        for (int i = 0; i < inputs.Length; i++)
        {
            if (!float.IsFinite(inputs[i]))
            {
                throw new ArgumentException(
                    $"inputs[{i}] (sample {i / inputSize}, value {i % inputSize}) is {inputs[i]}; every input must be a finite number.",
                    nameof(inputs));
            }
        }

        _inputs = inputs;
        _offset = 0;
        _labels = labels;
        _start = 0;
        InputSize = inputSize;
        Count = labels.Length;
        ClassCount = CountClasses(labels, nameof(labels));
    }

    /// <summary>A dataset over inputs that start at <paramref name="offset"/> in <paramref name="storage"/> (see <see cref="InputStorage"/>); values known finite.</summary>
    internal Dataset(float[] storage, int offset, int[] labels, int inputSize)
    {
        _inputs = storage;
        _offset = offset;
        _labels = labels;
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
        _start = source._start + start;
        InputSize = source.InputSize;
        Count = count;
        ClassCount = CountClasses(_labels.AsSpan(_start, count), nameof(source));
    }

    /// <summary>The number of samples.</summary>
    public int Count { get; }

    /// <summary>The number of values in each input.</summary>
    public int InputSize { get; }

    /// <summary>One more than the largest label (0 for an empty dataset): the narrowest one-hot target that fits every label.</summary>
    public int ClassCount { get; }

    /// <summary>Every input, contiguous: sample i at [i·<see cref="InputSize"/>, (i + 1)·<see cref="InputSize"/>).</summary>
    public ReadOnlySpan<float> Inputs => _inputs.AsSpan(_offset + _start * InputSize, Count * InputSize);

    /// <summary>Every label, in sample order.</summary>
    public ReadOnlySpan<int> Labels => _labels.AsSpan(_start, Count);

    /// <summary>The input of sample <paramref name="index"/>: <see cref="InputSize"/> values.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not in [0, <see cref="Count"/>).</exception>
    public ReadOnlySpan<float> Input(int index)
    {
        CheckIndex(index);
        return _inputs.AsSpan(_offset + (_start + index) * InputSize, InputSize);
    }

    /// <summary>The label of sample <paramref name="index"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not in [0, <see cref="Count"/>).</exception>
    public int Label(int index)
    {
        CheckIndex(index);
        return _labels[_start + index];
    }

    /// <summary>
    /// Writes the one-hot target of sample <paramref name="index"/> into <paramref name="target"/>:
    /// 1 at the label's position, 0 everywhere else.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not in [0, <see cref="Count"/>).</exception>
    /// <exception cref="ArgumentException">The label does not fit in <paramref name="target"/>.</exception>
    public void Target(int index, Span<float> target)
    {
        int label = Label(index);
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
