using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Numerics;
using System.Threading;
using static System.FormattableString;

namespace Backprop;

/// <summary>
/// Mini-batch stochastic gradient descent with L2 weight decay, and evaluation, for any generated
/// network: the training of the reference implementation (Nielsen's <c>network2.py</c>).
/// </summary>
/// <remarks>
/// <para>
/// Each epoch shuffles the order of the training samples (one <see cref="DeterministicRandom"/>
/// seeded with <see cref="TrainingOptions.Seed"/> for the whole run; the order is shuffled again,
/// in place, every epoch), cuts it into mini-batches of <see cref="TrainingOptions.MiniBatchSize"/>
/// samples (the last one smaller when needed) and, for each mini-batch B of m samples, sums the
/// per-sample gradients ∂C_x/∂θ from <see cref="INetwork{TSelf}.Backprop"/> and steps:
/// </para>
/// <code>
/// w ← (1 − ηλ/n)·w − (η/m)·Σ_{x∈B} ∂C_x/∂w      (weights)
/// b ← b − (η/m)·Σ_{x∈B} ∂C_x/∂b                   (biases: no decay)
/// </code>
/// <para>
/// with n the training-set size. The two factors are computed in double and rounded to float; the
/// update is two correctly rounded float operations per parameter (no fused multiply-add), so it
/// is the same at every vector width. Same seed, data, starting parameters and machine give
/// bit-identical parameters.
/// </para>
/// <para>
/// Nothing is allocated per sample or per mini-batch: the buffers are allocated once per call to
/// <see cref="Train"/>, and each epoch allocates only its <see cref="EpochResult"/>.
/// </para>
/// </remarks>
public static class Trainer
{
    /// <summary>How many times, at most, <see cref="EpochProgress"/> is reported per epoch (besides its start).</summary>
    public const int ProgressReportsPerEpoch = 100;

    /// <summary>Samples between clears of the evaluation's scratch gradient (it is never read; clearing keeps it finite).</summary>
    private const int ScratchClearInterval = 256;

    /// <summary>
    /// Trains <paramref name="network"/> in place on <paramref name="training"/> with mini-batch SGD
    /// (see <see cref="Trainer"/>), evaluating on <paramref name="test"/> after each epoch if given.
    /// </summary>
    /// <param name="network">The network to train; its current parameters are the starting point.</param>
    /// <param name="training">The training set: inputs of the network's input width, labels below its output width (one-hot targets).</param>
    /// <param name="options">The hyper-parameters.</param>
    /// <param name="test">A test set to evaluate after every epoch, or <see langword="null"/>.</param>
    /// <param name="progress">
    /// Receives each epoch's <see cref="EpochResult"/>, on the training thread, as soon as the epoch
    /// ends. (<see cref="Progress{T}"/> would post it elsewhere, later: pass a synchronous
    /// <see cref="IProgress{T}"/> to react at once, e.g. to cancel.)
    /// </param>
    /// <param name="sampleProgress">
    /// Receives <see cref="EpochProgress"/> at the start of each epoch and then at most
    /// <see cref="ProgressReportsPerEpoch"/> times during it (always at its end), on the training
    /// thread, for live progress bars.
    /// </param>
    /// <param name="cancellationToken">
    /// Checked before every mini-batch. When it is cancelled, training stops there and throws
    /// <see cref="OperationCanceledException"/>; the parameters are those after the last completed
    /// mini-batch.
    /// </param>
    /// <returns>The result of every epoch, in order.</returns>
    /// <exception cref="ArgumentException">A dataset is empty or does not fit the network.</exception>
    /// <exception cref="TrainingDivergedException">
    /// A mini-batch's cost, or a parameter at the end of an epoch, is NaN or infinite. A mini-batch
    /// whose cost is not finite is not applied.
    /// </exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static IReadOnlyList<EpochResult> Train<TNet>(
        TNet network,
        Dataset training,
        TrainingOptions options,
        Dataset? test = null,
        IProgress<EpochResult>? progress = null,
        IProgress<EpochProgress>? sampleProgress = null,
        CancellationToken cancellationToken = default)
        where TNet : class, INetwork<TNet>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(training);
        ArgumentNullException.ThrowIfNull(options);
        CheckFits<TNet>(training, nameof(training), "training set");
        if (test is not null)
        {
            CheckFits<TNet>(test, nameof(test), "test set");
        }

        int n = training.Count;
        int epochs = options.Epochs;
        int miniBatchSize = options.MiniBatchSize;
        double eta = options.LearningRate;

        // Everything the epochs need, allocated once.
        var order = new int[n];
        for (int i = 0; i < n; i++)
        {
            order[i] = i;
        }
        var random = new DeterministicRandom(options.Seed);
        var gradient = new float[TNet.ParameterCount];
        var target = new float[TNet.OutputSize];
        var output = new float[TNet.OutputSize];
        var results = new List<EpochResult>(epochs);
        // Copied once: the generated LayerSizes may build its span afresh on every access.
        int[] layerSizes = TNet.LayerSizes.ToArray();

        // w ← weightDecay·w − step·Σ∂C/∂w with weightDecay = 1 − ηλ/n; step = η/m per mini-batch.
        float weightDecay = (float)(1.0 - eta * options.L2Regularization / n);
        int reportInterval = Math.Max(1, (n + ProgressReportsPerEpoch - 1) / ProgressReportsPerEpoch);

        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            long epochStart = Stopwatch.GetTimestamp();
            random.Shuffle(order.AsSpan());
            sampleProgress?.Report(new EpochProgress(epoch, epochs, 0, n));

            double costSum = 0;
            int done = 0;
            int nextReport = reportInterval;
            int miniBatch = 0;
            while (done < n)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int m = Math.Min(miniBatchSize, n - done);
                double cost = TrainMiniBatch(network, layerSizes, training, order.AsSpan(done, m), gradient, target, weightDecay, (float)(eta / m));
                miniBatch++;
                if (!double.IsFinite(cost))
                {
                    throw Diverged(epoch, eta, Invariant($"the cost of mini-batch {miniBatch} (samples {done + 1}–{done + m} of the epoch) is {cost}"));
                }

                costSum += cost;
                done += m;
                if (sampleProgress is not null && (done >= nextReport || done == n))
                {
                    sampleProgress.Report(new EpochProgress(epoch, epochs, done, n));
                    while (nextReport <= done)
                    {
                        nextReport += reportInterval;
                    }
                }
            }
            long trainingEnd = Stopwatch.GetTimestamp();

            int bad = IndexOfNonFinite(network.Parameters);
            if (bad >= 0)
            {
                throw Diverged(epoch, eta, Invariant($"parameter {bad} is {network.Parameters[bad]} at the end of the epoch"));
            }

            EvaluationResult? testResult = test is null ? null : EvaluateCore(network, test, output, target, gradient);
            long epochEnd = Stopwatch.GetTimestamp();

            TimeSpan trainingTime = Stopwatch.GetElapsedTime(epochStart, trainingEnd);
            double seconds = trainingTime.TotalSeconds;
            var result = new EpochResult(
                epoch,
                epochs,
                costSum / n,
                testResult,
                trainingTime,
                Stopwatch.GetElapsedTime(epochStart, epochEnd),
                seconds > 0 ? n / seconds : double.PositiveInfinity);
            results.Add(result);
            progress?.Report(result);
        }

        return results;
    }

    /// <summary>
    /// The accuracy (arg-max of the output against the label) and mean cost of
    /// <paramref name="network"/> on <paramref name="data"/>. Reads the parameters only.
    /// </summary>
    /// <exception cref="ArgumentException">The dataset is empty or does not fit the network.</exception>
    public static EvaluationResult Evaluate<TNet>(TNet network, Dataset data) where TNet : class, INetwork<TNet>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        CheckFits<TNet>(data, nameof(data), "dataset");
        return EvaluateCore(network, data, new float[TNet.OutputSize], new float[TNet.OutputSize], new float[TNet.ParameterCount]);
    }

    /// <summary>
    /// One step of mini-batch SGD on a network of layer sizes <paramref name="sizes"/>: sums the gradients of the samples <paramref name="miniBatch"/>
    /// into <paramref name="gradient"/>, then, if the summed cost is finite, applies
    /// w ← weightDecay·w − step·Σ∂C/∂w to the weights and b ← b − step·Σ∂C/∂b to the biases.
    /// </summary>
    /// <returns>The sum of the samples' costs; when it is not finite, no parameter was changed.</returns>
    private static double TrainMiniBatch<TNet>(
        TNet network,
        ReadOnlySpan<int> sizes,
        Dataset data,
        ReadOnlySpan<int> miniBatch,
        Span<float> gradient,
        Span<float> target,
        float weightDecay,
        float step)
        where TNet : class, INetwork<TNet>
    {
        // Σ_x ∂C_x/∂θ: Backprop adds each sample's gradient.
        gradient.Clear();
        double cost = 0;
        foreach (int index in miniBatch)
        {
            data.Target(index, target);
            cost += network.Backprop(data.Input(index), target, gradient);
        }
        if (!double.IsFinite(cost))
        {
            return cost;
        }

        // The step, layer by layer in the Parameters layout: weights w^l (decayed), then biases b^l.
        Span<float> parameters = network.Parameters;
        int offset = 0;
        for (int l = 1; l < sizes.Length; l++)
        {
            int weights = sizes[l - 1] * sizes[l];
            ScaleAndSubtract(parameters.Slice(offset, weights), gradient.Slice(offset, weights), weightDecay, step);
            offset += weights;
            ScaleAndSubtract(parameters.Slice(offset, sizes[l]), gradient.Slice(offset, sizes[l]), 1f, step);
            offset += sizes[l];
        }
        return cost;
    }

    /// <summary>p ← scale·p − step·g, element-wise, as two correctly rounded operations (identical at every vector width).</summary>
    private static void ScaleAndSubtract(Span<float> p, ReadOnlySpan<float> g, float scale, float step)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && p.Length >= Vector<float>.Count)
        {
            var scaleVector = new Vector<float>(scale);
            var stepVector = new Vector<float>(step);
            for (; i <= p.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var value = new Vector<float>(p[i..]);
                var slope = new Vector<float>(g[i..]);
                (value * scaleVector - slope * stepVector).CopyTo(p[i..]);
            }
        }
        for (; i < p.Length; i++)
        {
            p[i] = scale * p[i] - step * g[i];
        }
    }

    private static EvaluationResult EvaluateCore<TNet>(TNet network, Dataset data, Span<float> output, Span<float> target, Span<float> scratchGradient)
        where TNet : class, INetwork<TNet>
    {
        // The cost comes from Backprop (stable in z^L, the same C_x training reports); the gradient
        // it adds into the scratch buffer is never read.
        int correct = 0;
        double cost = 0;
        for (int i = 0; i < data.Count; i++)
        {
            if (i % ScratchClearInterval == 0)
            {
                scratchGradient.Clear();
            }

            ReadOnlySpan<float> input = data.Input(i);
            network.Forward(input, output);
            int label = data.Label(i);
            if (ArgMax(output) == label)
            {
                correct++;
            }
            data.Target(i, target);
            cost += network.Backprop(input, target, scratchGradient);
        }
        return new EvaluationResult(correct, data.Count, cost / data.Count);
    }

    /// <summary>The index of the largest value (the first on ties; NaN never wins).</summary>
    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int k = 1; k < values.Length; k++)
        {
            if (values[k] > values[best])
            {
                best = k;
            }
        }
        return best;
    }

    private static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                return i;
            }
        }
        return -1;
    }

    private static TrainingDivergedException Diverged(int epoch, double eta, string what)
        => new(
            Invariant($"Training diverged in epoch {epoch}: {what}. The learning rate η = {eta} is probably too large; try a smaller one, e.g. η = {eta / 10:G3}."),
            epoch,
            eta);

    private static void CheckFits<TNet>(Dataset data, string paramName, string what) where TNet : class, INetwork<TNet>
    {
        if (data.Count == 0)
        {
            throw new ArgumentException($"The {what} is empty.", paramName);
        }
        if (data.InputSize != TNet.InputSize)
        {
            throw new ArgumentException(
                Invariant($"The {what}'s inputs have {data.InputSize} values but the network's input layer has {TNet.InputSize} neurons."), paramName);
        }
        if (data.ClassCount > TNet.OutputSize)
        {
            throw new ArgumentException(
                Invariant($"The {what} has labels up to {data.ClassCount - 1} but the network's output layer has only {TNet.OutputSize} neurons (one per class)."), paramName);
        }
    }
}
