using System;
using System.Collections.Generic;
using System.Threading;
using static System.FormattableString;

namespace Backprop;

/// <summary>
/// Mini-batch training and evaluation for any generated network: stochastic gradient descent with L2 regularisation
/// (the training of the reference implementation, Nielsen's <c>network2.py</c>), or momentum, Nesterov, Adam and
/// AdamW; learning-rate schedules, a validation split and early stopping.
/// </summary>
/// <remarks>
/// <para>
/// Each epoch takes its learning rate η from <see cref="TrainingOptions.Schedule"/>, shuffles the order of the
/// training samples (one <see cref="DeterministicRandom"/> seeded with <see cref="TrainingOptions.Seed"/> for the whole
/// run; the order is shuffled again, in place, every epoch), cuts it into mini-batches of
/// <see cref="TrainingOptions.MiniBatchSize"/> samples (the last one smaller when needed) and, for each mini-batch B of
/// m samples, takes one step of <see cref="TrainingOptions.Optimizer"/> on the gradient of the regularised mean cost
/// g = (1/m)·Σ_{x∈B} ∂C_x/∂θ + (λ/n)·w (the λ term on weights only, n the number of training samples). For the
/// default, plain SGD, that step is
/// </para>
/// <code>
/// w ← (1 − ηλ/n)·w − (η/m)·Σ_{x∈B} ∂C_x/∂w      (weights)
/// b ← b − (η/m)·Σ_{x∈B} ∂C_x/∂b                   (biases: no decay)
/// </code>
/// <para>
/// which the network's generated <see cref="INetwork{TSelf}.TrainBatch"/> applies block by block as the sums complete
/// (1 − ηλ/n is computed in double and rounded to float); the other optimizers (see <see cref="Optimizer"/> for their
/// formulas) step the gradient that <see cref="INetwork{TSelf}.AccumulateGradient(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{int}, Span{float}, Span{float})"/> sums. Same seed, data, starting
/// parameters, options, thread count and machine give bit-identical parameters.
/// </para>
/// <para>
/// The work lives in <see cref="TrainingSession{TNet}"/>, which allocates its buffers once and then nothing at all
/// per epoch, and saves and loads checkpoints; <c>Train</c> runs one for <see cref="TrainingOptions.Epochs"/>
/// epochs, or until early stopping ends it.
/// </para>
/// </remarks>
public static class Trainer
{
    /// <summary>How many times, at most, <see cref="EpochProgress"/> is reported per epoch (besides its start).</summary>
    public const int ProgressReportsPerEpoch = 100;

    /// <summary>Samples evaluated per call of the generated <see cref="INetwork{TSelf}.Evaluate"/>.</summary>
    private const int EvaluationBlock = 256;

    /// <summary>
    /// Trains <paramref name="network"/> in place on <paramref name="training"/> with the options' optimizer
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
    /// <returns>
    /// The result of every epoch, in order: <see cref="TrainingOptions.Epochs"/> of them, or fewer when early stopping
    /// ended training (the last result then has <see cref="EpochResult.StoppedEarly"/> set, and the network holds the
    /// parameters of its <see cref="EpochResult.BestEpoch"/>).
    /// </returns>
    /// <exception cref="ArgumentException">A dataset is empty or does not fit the network.</exception>
    /// <exception cref="TrainingDivergedException">
    /// A mini-batch's cost, or a parameter at the end of an epoch, is NaN or infinite. Training stops there, and the
    /// network holds the parameters it had at the start of that epoch (the last good ones).
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
        using var session = new TrainingSession<TNet>(network, training, options, test);
        var results = new List<EpochResult>(options.Epochs);
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            EpochResult result = session.RunEpoch(sampleProgress, cancellationToken);
            results.Add(result);
            progress?.Report(result);
            if (result.StoppedEarly)
            {
                break;
            }
        }

        return results;
    }

    /// <summary>
    /// Trains as <see cref="Train{TNet}(TNet, Dataset, TrainingOptions, Dataset?, IProgress{EpochResult}?, IProgress{EpochProgress}?, CancellationToken)"/>
    /// does, calling <paramref name="onEpoch"/> on the training thread as soon as each epoch ends: for example
    /// <c>onEpoch: epoch => Console.WriteLine(epoch)</c> prints a line per epoch (see <see cref="EpochResult.ToString"/>;
    /// the method group <c>Console.WriteLine</c> itself does not convert to <c>Action&lt;EpochResult&gt;</c>, a struct).
    /// </summary>
    public static IReadOnlyList<EpochResult> Train<TNet>(
        TNet network,
        Dataset training,
        TrainingOptions options,
        Dataset? test,
        Action<EpochResult> onEpoch,
        CancellationToken cancellationToken = default)
        where TNet : class, INetwork<TNet>
    {
        ArgumentNullException.ThrowIfNull(onEpoch);
        return Train(network, training, options, test, new EpochCallback(onEpoch), null, cancellationToken);
    }

    /// <summary>An <see cref="IProgress{T}"/> that runs its callback at once, on the reporting thread.</summary>
    private sealed class EpochCallback(Action<EpochResult> onEpoch) : IProgress<EpochResult>
    {
        public void Report(EpochResult value) => onEpoch(value);
    }

    /// <summary>
    /// How <paramref name="network"/> does on <paramref name="data"/>: the mean cost, and for class labels the accuracy and
    /// the confusion matrix, for real-valued targets MSE, RMSE, MAE and R² (<see cref="EvaluationResult.Regression"/>).
    /// Reads the parameters only.
    /// </summary>
    /// <remarks>
    /// A sample is correct when its label's output is the largest: the same rule for every output activation
    /// (each is monotonic in z^L, softmax included). On a tie the first of the tied outputs is the prediction; a NaN
    /// output is never the prediction, and a sample whose outputs are all NaN counts as wrong. A network with a single
    /// output is a yes/no classifier: it predicts 1 when its output is at least 0.5 (see <see cref="Predictions.Class"/>).
    /// The mean cost is the network's own <see cref="INetwork{TSelf}.Cost"/>, without the regularisation term.
    /// </remarks>
    /// <exception cref="ArgumentException">The dataset is empty or does not fit the network.</exception>
    public static EvaluationResult Evaluate<TNet>(TNet network, Dataset data) where TNet : class, INetwork<TNet>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        CheckFits<TNet>(data, nameof(data), "dataset");
        return new EvaluationBuffers<TNet>(data, withConfusion: true).Evaluate(network);
    }

    /// <summary>The target rows of every sample, of the network's output width: one-hot for labels (0/1 for a single output), else the dataset's own.</summary>
    internal static float[] OneHotTargets<TNet>(Dataset data) where TNet : class, INetwork<TNet>
    {
        if (!data.HasLabels)
        {
            return data.Targets.ToArray();
        }
        var targets = new float[checked(data.Count * TNet.OutputSize)];
        for (int i = 0; i < data.Count; i++)
        {
            data.Target(i, targets.AsSpan(i * TNet.OutputSize, TNet.OutputSize));
        }
        return targets;
    }

    /// <summary>What evaluating a dataset needs, allocated once so that each epoch's evaluation allocates nothing.</summary>
    internal sealed class EvaluationBuffers<TNet> where TNet : class, INetwork<TNet>
    {
        private readonly Dataset _data;
        private readonly float[] _targets;
        private readonly float[] _outputs;
        private readonly bool _withConfusion;

        /// <param name="data">The dataset.</param>
        /// <param name="withConfusion">Whether each evaluation also builds a <see cref="ConfusionMatrix"/> (which allocates).</param>
        public EvaluationBuffers(Dataset data, bool withConfusion = false)
        {
            _data = data;
            _targets = OneHotTargets<TNet>(data);
            _withConfusion = withConfusion && data.HasLabels;
            // Regression metrics need every output at once (R² is taken around the targets' mean); classification, a block.
            _outputs = new float[(data.HasLabels ? Math.Min(EvaluationBlock, data.Count) : data.Count) * TNet.OutputSize];
        }

        public EvaluationResult Evaluate(TNet network)
        {
            int width = TNet.OutputSize, correct = 0;
            double cost = 0;
            ReadOnlySpan<float> inputs = _data.Inputs;
            ReadOnlySpan<int> labels = _data.Labels;
            ConfusionMatrix? confusion = _withConfusion ? new ConfusionMatrix(width == 1 ? 2 : width) : null;
            for (int start = 0; start < _data.Count; start += EvaluationBlock)
            {
                int count = Math.Min(EvaluationBlock, _data.Count - start);
                Span<float> outputs = _outputs.AsSpan(_data.HasLabels ? 0 : start * width, count * width);
                // The cost comes from z^L (stable), the same C_x training reports.
                cost += network.Evaluate(
                    inputs.Slice(start * TNet.InputSize, count * TNet.InputSize),
                    _targets.AsSpan(start * width, count * width),
                    outputs);
                for (int s = 0; s < count && !labels.IsEmpty; s++)
                {
                    int predicted = Predictions.Class(outputs.Slice(s * width, width));
                    confusion?.Add(labels[start + s], predicted);
                    if (predicted == labels[start + s])
                    {
                        correct++;
                    }
                }
            }
            return new EvaluationResult(correct, _data.Count, cost / _data.Count)
            {
                Regression = _data.HasLabels ? null : RegressionMetrics.Compute(_outputs, _data.Targets, width),
                Confusion = confusion,
            };
        }
    }

    internal static int IndexOfNonFinite(ReadOnlySpan<float> values)
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

    internal static TrainingDivergedException Diverged(int epoch, double eta, string what)
        => new(
            Invariant($"Training diverged in epoch {epoch}: {what}. The learning rate η = {eta} is probably too large; try a smaller one, e.g. η = {eta / 10:G3}."),
            epoch,
            eta);

    internal static void CheckFits<TNet>(Dataset data, string paramName, string what) where TNet : class, INetwork<TNet>
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
        if (!data.HasLabels)
        {
            if (data.TargetSize != TNet.OutputSize)
            {
                throw new ArgumentException(
                    Invariant($"The {what} has {data.TargetSize} targets per sample but the network's output layer has {TNet.OutputSize} neurons."), paramName);
            }
            return;
        }
        if (data.ClassCount > TNet.OutputSize && !(TNet.OutputSize == 1 && data.ClassCount <= 2))
        {
            throw new ArgumentException(
                Invariant($"The {what} has labels up to {data.ClassCount - 1} but the network's output layer has only {TNet.OutputSize} neurons (one per class, or one for labels 0 and 1)."), paramName);
        }
    }
}
