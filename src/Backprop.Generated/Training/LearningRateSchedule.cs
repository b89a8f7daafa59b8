using System;
using static System.FormattableString;

namespace Backprop;

/// <summary>
/// How the learning rate changes from epoch to epoch: the rate of epoch e (from 1) of E is
/// <see cref="Rate"/>(η₀, e, E), with η₀ = <see cref="TrainingOptions.LearningRate"/>. The rate holds for the whole
/// epoch and is reported in <see cref="EpochResult.LearningRate"/>. Built in: <see cref="ConstantSchedule"/> (the
/// default), <see cref="StepSchedule"/> and <see cref="CosineSchedule"/>; derive from this class for your own.
/// </summary>
/// <remarks>A schedule holds only its settings: it is immutable, and <see cref="Rate"/> must be a pure function.</remarks>
public abstract class LearningRateSchedule
{
    /// <summary>The name used in output, e.g. <c>cosine</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The learning rate of epoch <paramref name="epoch"/> (1 ≤ epoch) of a run of <paramref name="epochs"/> epochs.</summary>
    /// <param name="initialRate">η₀, positive and finite.</param>
    /// <param name="epoch">The epoch, from 1. It may exceed <paramref name="epochs"/> when a run is extended.</param>
    /// <param name="epochs">The epochs of the run, E (at least 1).</param>
    /// <returns>A positive, finite rate.</returns>
    public abstract double Rate(double initialRate, int epoch, int epochs);

    /// <summary>The schedule and its settings, e.g. <c>step (×0.1 every 10 epochs)</c>.</summary>
    public override string ToString() => Name;
}

/// <summary>The same rate every epoch: η_e = η₀. The default.</summary>
public sealed class ConstantSchedule : LearningRateSchedule
{
    /// <summary>The one instance (the schedule has no settings).</summary>
    public static ConstantSchedule Instance { get; } = new();

    /// <inheritdoc/>
    public override string Name => "constant";

    /// <inheritdoc/>
    public override double Rate(double initialRate, int epoch, int epochs) => initialRate;
}

/// <summary>
/// Step decay, as PyTorch's <c>StepLR</c>: the rate is multiplied by <see cref="Factor"/> every <see cref="StepSize"/>
/// epochs, η_e = η₀·γ^⌊(e − 1)/s⌋.
/// </summary>
public sealed class StepSchedule : LearningRateSchedule
{
    private readonly int _stepSize = 10;
    private readonly double _factor = 0.1;

    /// <summary>s: the epochs between two decays, at least 1; 10 by default.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int StepSize
    {
        get => _stepSize;
        init => _stepSize = value >= 1
            ? value
            : throw new ArgumentOutOfRangeException(nameof(StepSize), value, Invariant($"StepSize must be at least 1 but is {value}."));
    }

    /// <summary>γ: the factor of each decay, in (0, 1]; 0.1 by default.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not in (0, 1].</exception>
    public double Factor
    {
        get => _factor;
        init => _factor = value is > 0 and <= 1
            ? value
            : throw new ArgumentOutOfRangeException(nameof(Factor), value, Invariant($"Factor (γ) must be more than 0 and at most 1 but is {value}."));
    }

    /// <inheritdoc/>
    public override string Name => "step";

    /// <inheritdoc/>
    public override double Rate(double initialRate, int epoch, int epochs)
        => Math.Max(initialRate * Math.Pow(_factor, (epoch - 1) / _stepSize), double.Epsilon);

    /// <inheritdoc/>
    public override string ToString() => Invariant($"step (×{_factor} every {_stepSize} epochs)");
}

/// <summary>
/// Cosine annealing without restarts, as PyTorch's <c>CosineAnnealingLR</c> with T_max = E stepped once per epoch:
/// η_e = η_min + (η₀ − η_min)·(1 + cos(π·(e − 1)/E))/2, from η₀ in the first epoch down towards η_min. Epochs past E
/// (a run extended after the fact) keep the last epoch's rate.
/// </summary>
public sealed class CosineSchedule : LearningRateSchedule
{
    private readonly double _minimumRate;

    /// <summary>η_min, the rate the curve bends towards: zero or positive and finite, at most η₀; 0 by default.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative, infinite or NaN.</exception>
    public double MinimumRate
    {
        get => _minimumRate;
        init => _minimumRate = value >= 0 && double.IsFinite(value)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(MinimumRate), value, Invariant($"MinimumRate (η_min) must be zero or positive and finite but is {value}."));
    }

    /// <inheritdoc/>
    public override string Name => "cosine";

    /// <inheritdoc/>
    public override double Rate(double initialRate, int epoch, int epochs)
    {
        int e = Math.Min(epoch, epochs) - 1;
        double minimum = Math.Min(_minimumRate, initialRate);
        return minimum + (initialRate - minimum) * (1 + Math.Cos(Math.PI * e / epochs)) / 2;
    }

    /// <inheritdoc/>
    public override string ToString() => _minimumRate == 0 ? Name : Invariant($"cosine (to {_minimumRate})");
}
