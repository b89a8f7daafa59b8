using System;

namespace Backprop.Generated.Benchmarks.Previous;

/// <summary>
/// The one interface member the vendored baseline predates: it trains with <c>TrainBatch</c> (plain SGD) only, which is
/// all the benchmark asks of it.
/// </summary>
public partial class DigitNetPrevious
{
    /// <summary>Not part of the baseline: it always throws.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public static float UpdateBatch<TUpdate>(
        Span<float> parameters, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, ReadOnlySpan<int> batch,
        ref TUpdate update, Span<float> workspace, ReadOnlySpan<int> upcoming = default)
        where TUpdate : struct, IParameterUpdate
        => throw new NotSupportedException("The vendored baseline network trains with TrainBatch (plain SGD) only.");
}
