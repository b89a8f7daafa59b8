using System;
using System.Diagnostics;
using System.Numerics;
using System.Threading;
using static System.FormattableString;

namespace Backprop;

/// <summary>
/// Mini-batch SGD on one network and data set, an epoch at a time (see <see cref="Trainer"/> for
/// the algorithm). Everything an epoch needs is allocated when the session is created, so that
/// <see cref="RunEpoch"/> allocates nothing at all.
/// </summary>
/// <typeparam name="TNet">The generated network type.</typeparam>
/// <remarks>
/// Dispose the session when done: with <see cref="TrainingOptions.Threads"/> above 1 it owns worker
/// threads. Not thread-safe: run one epoch at a time.
/// </remarks>
public sealed class TrainingSession<TNet> : IDisposable where TNet : class, INetwork<TNet>
{
    private readonly TNet _network;
    private readonly Dataset _training;
    private readonly TrainingOptions _options;
    private readonly int[] _order;
    private readonly DeterministicRandom _random;
    private readonly float[] _targets;
    private readonly float[] _workspace;
    private readonly Trainer.EvaluationBuffers<TNet>? _evaluation;
    private readonly float _weightDecay;
    private readonly int _reportInterval;
    private readonly ParallelStep? _parallel;

    /// <summary>Prepares to train <paramref name="network"/> on <paramref name="training"/>.</summary>
    /// <param name="network">The network to train in place; its current parameters are the starting point.</param>
    /// <param name="training">The training set: inputs of the network's input width, labels below its output width (one-hot targets).</param>
    /// <param name="options">The hyper-parameters.</param>
    /// <param name="test">A test set to evaluate after every epoch, or <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">A dataset is empty or does not fit the network.</exception>
    public TrainingSession(TNet network, Dataset training, TrainingOptions options, Dataset? test = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(training);
        ArgumentNullException.ThrowIfNull(options);
        Trainer.CheckFits<TNet>(training, nameof(training), "training set");
        if (test is not null)
        {
            Trainer.CheckFits<TNet>(test, nameof(test), "test set");
        }

        _network = network;
        _training = training;
        _options = options;
        int n = training.Count;
        _order = new int[n];
        for (int i = 0; i < n; i++)
        {
            _order[i] = i;
        }
        _random = new DeterministicRandom(options.Seed);
        _targets = Trainer.OneHotTargets<TNet>(training);
        _evaluation = test is null ? null : new Trainer.EvaluationBuffers<TNet>(test);
        // w ← weightDecay·w − (η/m)·Σ∂C/∂w, weightDecay = 1 − ηλ/n.
        _weightDecay = (float)(1.0 - options.LearningRate * options.L2Regularization / n);
        _reportInterval = Math.Max(1, (n + Trainer.ProgressReportsPerEpoch - 1) / Trainer.ProgressReportsPerEpoch);
        if (options.Threads > 1)
        {
            _parallel = new ParallelStep(this, options.Threads);
            _workspace = Array.Empty<float>();
        }
        else
        {
            _workspace = new float[TNet.BatchWorkspaceSize(options.MiniBatchSize)];
        }
    }

    /// <summary>The network being trained.</summary>
    public TNet Network => _network;

    /// <summary>The epochs run so far.</summary>
    public int EpochsCompleted { get; private set; }

    /// <summary>
    /// Runs one epoch: shuffles the training set, takes a step per mini-batch, checks the parameters
    /// and evaluates the test set if there is one. Allocates nothing.
    /// </summary>
    /// <param name="sampleProgress">
    /// Receives <see cref="EpochProgress"/> at the start of the epoch and then at most
    /// <see cref="Trainer.ProgressReportsPerEpoch"/> times during it (always at its end), on this thread.
    /// </param>
    /// <param name="cancellationToken">
    /// Checked before every mini-batch: when it is cancelled, the epoch stops there and throws
    /// <see cref="OperationCanceledException"/>; the parameters are those after the last completed mini-batch.
    /// </param>
    /// <returns>The epoch's result.</returns>
    /// <exception cref="TrainingDivergedException">A mini-batch's cost, or a parameter at the end of the epoch, is NaN or infinite.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public EpochResult RunEpoch(IProgress<EpochProgress>? sampleProgress = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_parallel is { Disposed: true }, this);
        int n = _training.Count, epoch = EpochsCompleted + 1, epochs = Math.Max(_options.Epochs, epoch);
        int miniBatchSize = _options.MiniBatchSize;
        double eta = _options.LearningRate;
        long epochStart = Stopwatch.GetTimestamp();
        _random.Shuffle(_order.AsSpan());
        sampleProgress?.Report(new EpochProgress(epoch, epochs, 0, n));

        double costSum = 0;
        int done = 0, nextReport = _reportInterval, miniBatch = 0;
        while (done < n)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int m = Math.Min(miniBatchSize, n - done);
            double cost;
            if (_parallel is null)
            {
                int upcoming = Math.Min(miniBatchSize, n - done - m);
                cost = _network.TrainBatch(
                    _training.Inputs, _targets, _order.AsSpan(done, m), (float)eta, _weightDecay, _workspace, _order.AsSpan(done + m, upcoming));
            }
            else
            {
                cost = _parallel.Step(done, m);
            }
            miniBatch++;
            if (!double.IsFinite(cost))
            {
                EpochsCompleted = epoch;
                throw Trainer.Diverged(epoch, eta, Invariant($"the cost of mini-batch {miniBatch} (samples {done + 1}–{done + m} of the epoch) is {cost}"));
            }

            costSum += cost;
            done += m;
            if (sampleProgress is not null && (done >= nextReport || done == n))
            {
                sampleProgress.Report(new EpochProgress(epoch, epochs, done, n));
                while (nextReport <= done)
                {
                    nextReport += _reportInterval;
                }
            }
        }
        long trainingEnd = Stopwatch.GetTimestamp();
        EpochsCompleted = epoch;

        int bad = Trainer.IndexOfNonFinite(_network.Parameters);
        if (bad >= 0)
        {
            throw Trainer.Diverged(epoch, eta, Invariant($"parameter {bad} is {_network.Parameters[bad]} at the end of the epoch"));
        }

        EvaluationResult? test = _evaluation?.Evaluate(_network);
        long epochEnd = Stopwatch.GetTimestamp();
        TimeSpan trainingTime = Stopwatch.GetElapsedTime(epochStart, trainingEnd);
        return new EpochResult(
            epoch,
            epochs,
            costSum / n,
            test,
            trainingTime,
            Stopwatch.GetElapsedTime(epochStart, epochEnd),
            trainingTime.TotalSeconds > 0 ? n / trainingTime.TotalSeconds : double.PositiveInfinity);
    }

    /// <summary>Stops the worker threads, if any.</summary>
    public void Dispose() => _parallel?.Dispose();

    /// <summary>
    /// The data-parallel step: the mini-batch is cut into one part per thread, each thread adds its
    /// part's gradient into a buffer of its own, and the calling thread sums them and steps. The
    /// workers live as long as the session and meet the caller twice per mini-batch at a spinning
    /// barrier: a mini-batch takes microseconds, less than waking a blocked thread (and, unlike
    /// <see cref="Barrier"/>, it allocates nothing, ever). Long waits (between epochs) fall back to
    /// yielding and sleeping, so idle workers do not hold a core.
    /// </summary>
    private sealed class ParallelStep : IDisposable
    {
        private readonly TrainingSession<TNet> _session;
        private readonly int _threads;
        private readonly float[][] _gradients;
        private readonly float[][] _workspaces;
        private readonly double[] _costs;
        /// <summary>Spins (a few milliseconds) before a waiting thread starts sleeping.</summary>
        private const int LongWait = 4096;

        private int _arrived;
        private int _generation;
        private readonly Thread[] _workers;
        private readonly int[] _sizes;
        private int _start, _count;
        private volatile bool _stopping;

        public ParallelStep(TrainingSession<TNet> session, int threads)
        {
            _session = session;
            _threads = threads;
            int part = (session._options.MiniBatchSize + threads - 1) / threads;
            _gradients = new float[threads][];
            _workspaces = new float[threads][];
            for (int t = 0; t < threads; t++)
            {
                _gradients[t] = new float[TNet.ParameterCount];
                _workspaces[t] = new float[TNet.BatchWorkspaceSize(part)];
            }
            _costs = new double[threads];
            _sizes = TNet.LayerSizes.ToArray();
            _workers = new Thread[threads - 1];
            for (int t = 1; t < threads; t++)
            {
                int index = t;
                _workers[t - 1] = new Thread(() => Work(index)) { IsBackground = true, Name = $"Backprop trainer {t}" };
                _workers[t - 1].Start();
            }
        }

        public bool Disposed { get; private set; }

        /// <summary>One step on the samples order[start..start+count); returns the summed cost.</summary>
        public double Step(int start, int count)
        {
            _start = start;
            _count = count;
            Meet(); // the parts start
            Part(0);
            Meet(); // every part is done

            double cost = 0;
            for (int t = 0; t < _threads; t++)
            {
                cost += _costs[t];
            }
            if (!double.IsFinite(cost))
            {
                return cost;
            }

            Span<float> sum = _gradients[0];
            for (int t = 1; t < _threads; t++)
            {
                Add(sum, _gradients[t]);
            }
            Apply(_session._network.Parameters, sum, _sizes, _session._weightDecay, (float)(_session._options.LearningRate / count));
            return cost;
        }

        private void Work(int index)
        {
            while (true)
            {
                Meet();
                if (_stopping)
                {
                    return;
                }
                Part(index);
                Meet();
            }
        }

        /// <summary>Waits until all threads have arrived; the last one to arrive releases the others.</summary>
        private void Meet()
        {
            int generation = Volatile.Read(ref _generation);
            if (Interlocked.Increment(ref _arrived) == _threads)
            {
                _arrived = 0;
                Volatile.Write(ref _generation, generation + 1);
                return;
            }
            // Spin (yielding, never sleeping) through the short waits of a mini-batch; sleep only when
            // the wait is long, as between epochs.
            var spinner = new SpinWait();
            while (Volatile.Read(ref _generation) == generation)
            {
                if (spinner.Count < LongWait)
                {
                    spinner.SpinOnce(sleep1Threshold: -1);
                }
                else
                {
                    Thread.Sleep(1);
                }
            }
        }

        /// <summary>Thread <paramref name="index"/>'s share of the current mini-batch.</summary>
        private void Part(int index)
        {
            int size = (_count + _threads - 1) / _threads;
            int first = Math.Min(_count, index * size), length = Math.Min(size, _count - first);
            float[] gradient = _gradients[index];
            Array.Clear(gradient);
            _costs[index] = length == 0 ? 0 : _session._network.AccumulateGradient(
                _session._training.Inputs, _session._targets, _session._order.AsSpan(_start + first, length), gradient, _workspaces[index]);
        }

        private static void Add(Span<float> sum, ReadOnlySpan<float> other)
        {
            int i = 0;
            for (; i <= sum.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                (new Vector<float>(sum[i..]) + new Vector<float>(other[i..])).CopyTo(sum[i..]);
            }
            for (; i < sum.Length; i++)
            {
                sum[i] += other[i];
            }
        }

        /// <summary>w ← decay·w − rate·g on the weights, b ← b − rate·g on the biases, layer by layer.</summary>
        private static void Apply(Span<float> parameters, ReadOnlySpan<float> gradient, int[] sizes, float decay, float rate)
        {
            for (int l = 1, offset = 0; l < sizes.Length; l++)
            {
                int weights = sizes[l - 1] * sizes[l];
                Step(parameters.Slice(offset, weights), gradient.Slice(offset, weights), decay, rate);
                offset += weights;
                Step(parameters.Slice(offset, sizes[l]), gradient.Slice(offset, sizes[l]), 1f, rate);
                offset += sizes[l];
            }
        }

        private static void Step(Span<float> p, ReadOnlySpan<float> g, float decay, float rate)
        {
            int i = 0;
            var decays = new Vector<float>(decay);
            var rates = new Vector<float>(rate);
            for (; i <= p.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                (new Vector<float>(p[i..]) * decays - new Vector<float>(g[i..]) * rates).CopyTo(p[i..]);
            }
            for (; i < p.Length; i++)
            {
                p[i] = decay * p[i] - rate * g[i];
            }
        }

        public void Dispose()
        {
            if (Disposed)
            {
                return;
            }
            Disposed = true;
            _stopping = true;
            Meet();
            foreach (Thread worker in _workers)
            {
                worker.Join();
            }
        }
    }
}
