using System;
using System.Diagnostics;
using System.IO;
using System.Numerics;
using System.Threading;
using static System.FormattableString;

namespace Backprop;

/// <summary>
/// Training of one network on one data set, an epoch at a time (see <see cref="Trainer"/> for the algorithm), with the
/// optimizer, schedule, validation split and early stopping of its <see cref="TrainingOptions"/>. Everything an epoch
/// needs is allocated when the session is created, so that <see cref="RunEpoch"/> allocates nothing at all.
/// </summary>
/// <typeparam name="TNet">The generated network type.</typeparam>
/// <remarks>
/// <para>
/// A session can be saved between epochs with <see cref="SaveCheckpoint"/> and taken up again, in a new process, with
/// <see cref="LoadCheckpoint"/>: the parameters, the optimizer's state, the epoch count, the shuffle generator and the
/// sample order, and the early-stopping record all come back, so the epochs that follow are bit for bit those an
/// uninterrupted session would have run.
/// </para>
/// <para>
/// Dispose the session when done: with <see cref="TrainingOptions.Threads"/> above 1 it owns worker threads. Not
/// thread-safe: run one epoch at a time.
/// </para>
/// </remarks>
public sealed class TrainingSession<TNet> : IDisposable where TNet : class, INetwork<TNet>
{
    private readonly TNet _network;
    private readonly Dataset _training;
    private readonly Dataset? _validation;
    private readonly TrainingOptions _options;
    private readonly Optimizer _optimizer;
    private readonly int[] _order;
    private readonly DeterministicRandom _random;
    private readonly float[] _targets;
    // How the optimizer takes a step (fused into the kernels, or on the summed gradient, on one thread or several) and
    // where its state lives: the loop makes one call per mini-batch and knows no optimizer by name.
    private readonly OptimizerStepper<TNet> _stepper;
    private readonly double _l2;
    private readonly Trainer.EvaluationBuffers<TNet>? _testEvaluation;
    private readonly Trainer.EvaluationBuffers<TNet>? _validationEvaluation;
    private readonly Trainer.EvaluationBuffers<TNet>? _trainingEvaluation;
    private readonly int _reportInterval;
    private bool _disposed;

    // The start of the running epoch, put back if it diverges.
    private readonly float[] _goodParameters;
    private readonly float[] _goodState;
    private readonly int[] _goodOrder;
    private DeterministicRandom.State _goodRandom;
    private long _goodSteps;

    // Early stopping: the best epoch by validation accuracy, and its parameters when there is patience.
    private readonly float[]? _bestParameters;
    private int _bestEpoch;
    private double _bestAccuracy;
    private int _sinceBest;

    private long _steps;

    /// <summary>Prepares to train <paramref name="network"/> on <paramref name="training"/>.</summary>
    /// <param name="network">The network to train in place; its current parameters are the starting point.</param>
    /// <param name="training">
    /// The training set: inputs of the network's input width, labels below its output width (one-hot targets). With
    /// <see cref="TrainingOptions.ValidationCount"/> N, its last N samples are the validation split and are not trained on.
    /// </param>
    /// <param name="options">The hyper-parameters.</param>
    /// <param name="test">A test set to evaluate after every epoch, or <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">
    /// A dataset is empty or does not fit the network, the validation split leaves no training sample, or
    /// <see cref="TrainingOptions.Patience"/> is set without a validation split.
    /// </exception>
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
        if (options.ValidationCount >= training.Count)
        {
            throw new ArgumentException(
                Invariant($"The validation split of {options.ValidationCount:N0} samples leaves none of the {training.Count:N0} training samples to train on."),
                nameof(options));
        }
        if (options.Patience > 0 && options.ValidationCount == 0)
        {
            throw new ArgumentException(
                Invariant($"Early stopping (Patience = {options.Patience}) watches the validation accuracy: set ValidationCount too."), nameof(options));
        }

        string name = options.Optimizer.Name;
        if (string.IsNullOrEmpty(name) || System.Text.Encoding.UTF8.GetByteCount(name) > TrainingState.MaxNameBytes)
        {
            throw new ArgumentException(
                Invariant($"The optimizer's Name must be 1 to {TrainingState.MaxNameBytes} bytes of UTF-8 (checkpoints store it), but is '{name}'."), nameof(options));
        }

        DebugBuildNotice.Check(typeof(TNet));
        _network = network;
        _options = options;
        _optimizer = options.Optimizer;
        if (options.ValidationCount > 0)
        {
            _validation = training.Slice(training.Count - options.ValidationCount, options.ValidationCount);
            training = training.Slice(0, training.Count - options.ValidationCount);
            _validationEvaluation = new Trainer.EvaluationBuffers<TNet>(_validation);
        }
        _training = training;
        int n = training.Count, parameterCount = TNet.ParameterCount;
        _order = new int[n];
        for (int i = 0; i < n; i++)
        {
            _order[i] = i;
        }
        _random = new DeterministicRandom(options.Seed);
        _targets = Trainer.OneHotTargets<TNet>(training);
        _testEvaluation = test is null ? null : new Trainer.EvaluationBuffers<TNet>(test);
        _trainingEvaluation = options.EvaluateTrainingSet ? new Trainer.EvaluationBuffers<TNet>(training) : null;
        _l2 = options.L2Regularization / n;
        _stepper = _optimizer.CreateStepper(new StepperSetup<TNet>(network, training, _targets, _order, options.MiniBatchSize, options.Threads));
        _reportInterval = Math.Max(1, (n + Trainer.ProgressReportsPerEpoch - 1) / Trainer.ProgressReportsPerEpoch);
        _goodParameters = new float[parameterCount];
        _goodState = new float[_optimizer.StatePerParameter * parameterCount];
        _goodOrder = new int[n];
        _bestParameters = options.Patience > 0 ? new float[parameterCount] : null;
    }

    /// <summary>The network being trained.</summary>
    public TNet Network => _network;

    /// <summary>The samples trained on: the training set given, without the validation split.</summary>
    public Dataset Training => _training;

    /// <summary>The validation split (the last <see cref="TrainingOptions.ValidationCount"/> samples of the training set given), or null.</summary>
    public Dataset? Validation => _validation;

    /// <summary>The epochs run so far (a diverged epoch does not count: its start is put back).</summary>
    public int EpochsCompleted { get; private set; }

    /// <summary>The optimizer steps (mini-batches) taken so far: t of the next step is one more.</summary>
    public long StepsTaken => _steps;

    /// <summary>The epoch with the best validation accuracy so far (0 before the first, or without a validation split).</summary>
    public int BestEpoch => _bestEpoch;

    /// <summary>
    /// Whether early stopping has ended training (see <see cref="TrainingOptions.Patience"/>): the network holds the
    /// parameters of <see cref="BestEpoch"/>, and <see cref="RunEpoch"/> may not be called again.
    /// </summary>
    public bool StoppedEarly { get; private set; }

    /// <summary>
    /// Runs one epoch: shuffles the training samples, takes an optimizer step per mini-batch, checks the parameters and
    /// evaluates the training, validation and test sets as the options ask. Allocates nothing.
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
    /// <exception cref="TrainingDivergedException">
    /// A mini-batch's cost, or a parameter at the end of the epoch, is NaN or infinite. The session is then put back as
    /// it was at the start of the epoch (parameters, optimizer state, shuffle), so the network holds the last good
    /// parameters.
    /// </exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="InvalidOperationException">Early stopping has already ended training (<see cref="StoppedEarly"/>).</exception>
    /// <remarks>
    /// With <see cref="Adam"/>, <see cref="AdamW"/> or <see cref="Momentum"/> on one thread, the step is fused into the generated kernels, which
    /// train a working copy of the parameters next to the optimizer's state; the network receives it when the epoch's
    /// mini-batches end (or are cancelled). A <paramref name="sampleProgress"/> callback that reads
    /// <see cref="INetwork{TSelf}.Parameters"/> mid-epoch sees the values of the epoch's start, and what it writes
    /// there is overwritten.
    /// </remarks>
    public EpochResult RunEpoch(IProgress<EpochProgress>? sampleProgress = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (StoppedEarly)
        {
            throw new InvalidOperationException(Invariant(
                $"Early stopping ended training after epoch {EpochsCompleted}, and the network holds the parameters of epoch {_bestEpoch}: to train further, start a session without Patience (it may load this session's checkpoint)."));
        }
        int n = _training.Count, epoch = EpochsCompleted + 1, epochs = Math.Max(_options.Epochs, epoch);
        int miniBatchSize = _options.MiniBatchSize;
        // The schedule spans the options' epochs; one run past them (a resumed run) keeps its last rate.
        double eta = _options.Schedule.Rate(_options.LearningRate, epoch, _options.Epochs);
        if (!(eta > 0 && double.IsFinite(eta)))
        {
            throw new InvalidOperationException(Invariant($"The schedule {_options.Schedule} gives epoch {epoch} the learning rate {eta}; a rate must be positive and finite."));
        }
        long epochStart = Stopwatch.GetTimestamp();
        KeepGood();
        _random.Shuffle(_order.AsSpan());
        sampleProgress?.Report(new EpochProgress(epoch, epochs, 0, n));

        double costSum = 0;
        int done = 0, nextReport = _reportInterval, miniBatch = 0;
        _stepper.TakeParameters();
        try
        {
            while (done < n)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int m = Math.Min(miniBatchSize, n - done);
                int upcoming = Math.Min(miniBatchSize, n - done - m);
                _steps++;
                double cost = _stepper.Step(new MiniBatch(done, m, upcoming, eta, _steps, _l2, Kernels.DropoutKey(_options.Seed, _steps)));
                miniBatch++;
                if (!double.IsFinite(cost))
                {
                    PutBackGood();
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
        }
        finally
        {
            // A fused step trains a working copy: the network gets it back however the loop ends.
            _stepper.GiveParameters();
        }
        long trainingEnd = Stopwatch.GetTimestamp();

        int bad = Trainer.IndexOfNonFinite(_network.Parameters);
        if (bad >= 0)
        {
            float value = _network.Parameters[bad];
            PutBackGood();
            throw Trainer.Diverged(epoch, eta, Invariant($"parameter {bad} is {value} at the end of the epoch"));
        }
        EpochsCompleted = epoch;

        EvaluationResult? test = _testEvaluation?.Evaluate(_network);
        EvaluationResult? validation = _validationEvaluation?.Evaluate(_network);
        EvaluationResult? training = _trainingEvaluation?.Evaluate(_network);
        bool stop = validation is { } v && RecordValidation(epoch, v.Accuracy);
        long epochEnd = Stopwatch.GetTimestamp();
        TimeSpan trainingTime = Stopwatch.GetElapsedTime(epochStart, trainingEnd);
        return new EpochResult(
            epoch,
            epochs,
            costSum / n,
            test,
            trainingTime,
            Stopwatch.GetElapsedTime(epochStart, epochEnd),
            trainingTime.TotalSeconds > 0 ? n / trainingTime.TotalSeconds : double.PositiveInfinity)
        {
            LearningRate = eta,
            Validation = validation,
            Training = training,
            BestEpoch = _bestEpoch,
            StoppedEarly = stop,
        };
    }

    /// <summary>
    /// Saves a checkpoint to <paramref name="path"/>, atomically: the model file of the network's parameters (which
    /// <see cref="NetworkSerializer"/> loads like any other) followed by the training state — the optimizer's state, the
    /// epochs and steps completed, the shuffle generator and sample order, and the early-stopping record. Save between
    /// epochs: after a cancelled epoch the parameters are saved as they are, and the next epoch starts afresh.
    /// </summary>
    /// <exception cref="IOException">The file cannot be written (the previous file, if any, is intact).</exception>
    public void SaveCheckpoint(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        TrainingState state = CaptureState();
        AtomicFile.Write(path, stream =>
        {
            NetworkSerializer.Save(_network, stream);
            state.Write(stream);
        });
    }

    /// <summary>
    /// Takes up training from <paramref name="path"/>: a checkpoint (<see cref="SaveCheckpoint"/>) restores the network's
    /// parameters and the whole training state; a plain model file restores the parameters only, and the session starts
    /// afresh from them (epoch 0, zero optimizer state, the options' seed). On failure nothing changes.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ModelFormatException">
    /// The file is not a valid model of this network, its training state is damaged, or the state belongs to another
    /// optimizer or a training set of another size (<see cref="ModelFormatError.TrainingStateMismatch"/>).
    /// </exception>
    public void LoadCheckpoint(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"The checkpoint '{full}' does not exist.", full);
        }
        TNet loaded = TNet.Create();
        byte[]? payload;
        using (var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16))
        {
            NetworkSerializer.LoadInto(loaded, stream, path, out payload);
        }

        if (payload is null)
        {
            loaded.Parameters.CopyTo(_network.Parameters);
            Reset();
            return;
        }

        TrainingState state = TrainingState.Parse(payload, path, TNet.ParameterCount);
        if (state.OptimizerName != _optimizer.Name || state.StatePerParameter != _optimizer.StatePerParameter)
        {
            throw NetworkSerializer.Error(path, ModelFormatError.TrainingStateMismatch, Invariant(
                $"holds the state of the optimizer {state.OptimizerName} ({state.StatePerParameter} floats per parameter), but this session trains with {_optimizer.Name} ({_optimizer.StatePerParameter})."));
        }
        if (state.Order.Length != _training.Count)
        {
            throw NetworkSerializer.Error(path, ModelFormatError.TrainingStateMismatch, Invariant(
                $"was saved while training on {state.Order.Length:N0} samples, but this session trains on {_training.Count:N0} (after a validation split of {_options.ValidationCount:N0})."));
        }

        loaded.Parameters.CopyTo(_network.Parameters);
        state.OptimizerState.CopyTo(State);
        state.Order.CopyTo(_order, 0);
        _random.CurrentState = state.Random;
        _steps = state.Steps;
        EpochsCompleted = state.EpochsCompleted;
        // The early-stopping record means something only to a session that validates, and a stop only to one with patience.
        bool validates = _validation is not null;
        _bestEpoch = validates ? state.BestEpoch : 0;
        _bestAccuracy = validates ? state.BestAccuracy : 0;
        _sinceBest = validates ? state.SinceBest : 0;
        StoppedEarly = state.StoppedEarly && _options.Patience > 0;
        if (_bestParameters is not null)
        {
            // A checkpoint saved without patience has no best parameters: the best is then the current ones.
            (state.BestParameters ?? loaded.Parameters.ToArray()).CopyTo(_bestParameters, 0);
        }
    }

    /// <summary>Stops the worker threads, if any.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _stepper.Dispose();
        }
    }

    /// <summary>The optimizer's state: <see cref="Optimizer.StatePerParameter"/> slots of P floats.</summary>
    private Span<float> State => _stepper.State;

    /// <summary>Records the start of an epoch, to put it back if the epoch diverges.</summary>
    private void KeepGood()
    {
        _network.Parameters.CopyTo(_goodParameters);
        State.CopyTo(_goodState);
        _order.CopyTo(_goodOrder, 0);
        _goodRandom = _random.CurrentState;
        _goodSteps = _steps;
    }

    private void PutBackGood()
    {
        _goodParameters.CopyTo(_network.Parameters);
        _stepper.TakeParameters();
        _goodState.CopyTo(State);
        _goodOrder.CopyTo(_order, 0);
        _random.CurrentState = _goodRandom;
        _steps = _goodSteps;
    }

    /// <summary>Notes the epoch's validation accuracy; returns whether early stopping ends training now (and puts the best parameters back).</summary>
    private bool RecordValidation(int epoch, double accuracy)
    {
        if (_bestEpoch == 0 || accuracy > _bestAccuracy)
        {
            _bestEpoch = epoch;
            _bestAccuracy = accuracy;
            _sinceBest = 0;
            if (_bestParameters is not null)
            {
                _network.Parameters.CopyTo(_bestParameters);
            }
            return false;
        }
        _sinceBest++;
        if (_options.Patience > 0 && _sinceBest >= _options.Patience)
        {
            _bestParameters.AsSpan().CopyTo(_network.Parameters);
            StoppedEarly = true;
            return true;
        }
        return false;
    }

    private TrainingState CaptureState() => new()
    {
        EpochsCompleted = EpochsCompleted,
        Steps = _steps,
        Random = _random.CurrentState,
        Order = _order,
        OptimizerName = _optimizer.Name,
        StatePerParameter = _optimizer.StatePerParameter,
        OptimizerState = State.ToArray(),
        BestEpoch = _bestEpoch,
        BestAccuracy = _bestAccuracy,
        SinceBest = _sinceBest,
        StoppedEarly = StoppedEarly,
        BestParameters = _bestParameters is not null && _bestEpoch > 0 ? _bestParameters : null,
    };

    /// <summary>The state of a new session (after loading parameters only).</summary>
    private void Reset()
    {
        State.Clear();
        for (int i = 0; i < _order.Length; i++)
        {
            _order[i] = i;
        }
        _random.CurrentState = new DeterministicRandom(_options.Seed).CurrentState;
        _steps = 0;
        EpochsCompleted = 0;
        _bestEpoch = 0;
        _bestAccuracy = 0;
        _sinceBest = 0;
        StoppedEarly = false;
    }
}
