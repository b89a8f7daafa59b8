using System;
using System.Numerics;
using System.Threading;

namespace Backprop;

/// <summary>What a <see cref="TrainingSession{TNet}"/> hands its optimizer's stepper: the network and what it trains on.</summary>
/// <param name="Network">The network being trained.</param>
/// <param name="Training">The training samples.</param>
/// <param name="Targets">Their one-hot (or given) targets, a row per sample.</param>
/// <param name="Order">The epoch's sample order; a mini-batch is a run of it.</param>
/// <param name="MiniBatchSize">The largest mini-batch.</param>
/// <param name="Threads">The threads a mini-batch may be split between.</param>
internal readonly record struct StepperSetup<TNet>(TNet Network, Dataset Training, float[] Targets, int[] Order, int MiniBatchSize, int Threads)
    where TNet : class, INetwork<TNet>;

/// <summary>One step: the mini-batch <c>Order[Start..Start+Count)</c>, the next one's rows to prefetch, and the step's settings.</summary>
/// <param name="Start">Where the mini-batch starts in the order.</param>
/// <param name="Count">m, its samples.</param>
/// <param name="Upcoming">The samples after it that the next step trains on (prefetched; a hint only).</param>
/// <param name="LearningRate">η of this step.</param>
/// <param name="Step">t: this step's number, 1 for the first of a training run.</param>
/// <param name="L2">λ/n, the L2 coefficient of the weights.</param>
/// <param name="DropoutKey">The key of this step's dropout masks (from the session's seed and the step).</param>
internal readonly record struct MiniBatch(int Start, int Count, int Upcoming, double LearningRate, long Step, double L2, ulong DropoutKey = 0)
{
    /// <summary>The <see cref="OptimizerStep"/> of one block of parameters: the L2 term applies to weights only.</summary>
    public OptimizerStep For(bool isWeights) => new(LearningRate, Step, Count, isWeights ? L2 : 0, isWeights);
}

/// <summary>
/// An optimizer's way of taking a step on a mini-batch, made by <see cref="Optimizer"/> for one session; the session's
/// loop calls <see cref="Step"/> once per mini-batch and knows nothing else of it.
/// </summary>
internal abstract class OptimizerStepper<TNet> : IDisposable where TNet : class, INetwork<TNet>
{
    protected OptimizerStepper(in StepperSetup<TNet> setup) => Setup = setup;

    protected StepperSetup<TNet> Setup { get; }

    /// <summary>The optimizer's state, <see cref="Optimizer.StatePerParameter"/> slots of P floats (what checkpoints store).</summary>
    public abstract Span<float> State { get; }

    /// <summary>Takes the network's parameters (before an epoch, and after they were put back): a fused stepper trains a copy.</summary>
    public virtual void TakeParameters()
    {
    }

    /// <summary>Gives the network the parameters trained since <see cref="TakeParameters"/> (after an epoch, however it ends).</summary>
    public virtual void GiveParameters()
    {
    }

    /// <summary>One step on <paramref name="batch"/>; returns Σ_x C_x before the step (not finite: the step may not have been taken).</summary>
    public abstract double Step(in MiniBatch batch);

    public virtual void Dispose()
    {
    }
}

/// <summary>
/// Steps whose update is fused into the generated kernels (<see cref="INetwork{TSelf}.UpdateBatch{TUpdate}(Span{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{int}, ref TUpdate, Span{float}, ReadOnlySpan{int})"/>): they train a working
/// copy of the parameters that the optimizer's state follows in one array, [θ | slot 1 | slot 2 …], so that a
/// parameter's state lies a fixed distance after it.
/// </summary>
/// <typeparam name="TNet">The network.</typeparam>
/// <typeparam name="TUpdate">The optimizer's fused update, made afresh for each step by <paramref name="update"/>.</typeparam>
internal sealed class FusedStepper<TNet, TUpdate>(in StepperSetup<TNet> setup, int statePerParameter, Func<MiniBatch, TUpdate> update)
    : OptimizerStepper<TNet>(setup)
    where TNet : class, INetwork<TNet>
    where TUpdate : struct, IParameterUpdate
{
    private readonly float[] _fused = new float[checked((1 + statePerParameter) * TNet.ParameterCount)];
    private readonly float[] _workspace = new float[TNet.BatchWorkspaceSize(setup.MiniBatchSize)];

    public override Span<float> State => _fused.AsSpan(TNet.ParameterCount);

    public override void TakeParameters() => Setup.Network.Parameters.CopyTo(_fused);

    public override void GiveParameters() => _fused.AsSpan(0, TNet.ParameterCount).CopyTo(Setup.Network.Parameters);

    public override double Step(in MiniBatch batch)
    {
        TUpdate step = update(batch);
        int[] order = Setup.Order;
        return TNet.UpdateBatch(
            _fused, Setup.Training.Inputs, Setup.Targets, order.AsSpan(batch.Start, batch.Count), ref step, _workspace,
            order.AsSpan(batch.Start + batch.Count, batch.Upcoming), batch.DropoutKey);
    }
}

/// <summary>
/// The step of any optimizer: the mini-batch's gradient summed with <see cref="INetwork{TSelf}.AccumulateGradient(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{int}, Span{float}, Span{float})"/> (split
/// between threads when the session has more than one), then <see cref="Optimizer.Step"/> on each block of parameters.
/// </summary>
internal sealed class GradientStepper<TNet> : OptimizerStepper<TNet> where TNet : class, INetwork<TNet>
{
    private readonly Optimizer _optimizer;
    private readonly ParameterBlock[] _blocks = [.. TNet.Architecture.Parameters.Blocks];
    private readonly float[] _state;
    private readonly float[] _gradient;
    private readonly float[] _workspace;
    private readonly ParallelGradient? _parallel;

    public GradientStepper(Optimizer optimizer, in StepperSetup<TNet> setup) : base(setup)
    {
        _optimizer = optimizer;
        _state = new float[checked(optimizer.StatePerParameter * TNet.ParameterCount)];
        if (setup.Threads > 1)
        {
            _parallel = new ParallelGradient(setup);
            _gradient = Array.Empty<float>();
            _workspace = Array.Empty<float>();
        }
        else
        {
            _gradient = new float[TNet.ParameterCount];
            _workspace = new float[TNet.BatchWorkspaceSize(setup.MiniBatchSize)];
        }
    }

    public override Span<float> State => _state;

    public override double Step(in MiniBatch batch)
    {
        ReadOnlySpan<float> gradient;
        double cost;
        if (_parallel is null)
        {
            Array.Clear(_gradient);
            cost = Setup.Network.AccumulateGradient(
                Setup.Training.Inputs, Setup.Targets, Setup.Order.AsSpan(batch.Start, batch.Count), _gradient, _workspace, batch.DropoutKey);
            gradient = _gradient;
        }
        else
        {
            cost = _parallel.Sum(batch.Start, batch.Count, batch.DropoutKey);
            gradient = _parallel.Gradient;
        }
        if (!double.IsFinite(cost))
        {
            return cost;
        }

        Span<float> parameters = Setup.Network.Parameters;
        foreach (ParameterBlock block in _blocks)
        {
            _optimizer.Step(
                parameters.Slice(block.Offset, block.Length),
                gradient.Slice(block.Offset, block.Length),
                new OptimizerState(_state, TNet.ParameterCount, block.Offset, block.Length),
                batch.For(block.IsWeights));
        }
        return cost;
    }

    public override void Dispose() => _parallel?.Dispose();

    /// <summary>
    /// The data-parallel gradient: the mini-batch is cut into one part per thread, each thread adds its part's gradient
    /// into a buffer of its own, and the calling thread sums them. The workers live as long as the session and meet the
    /// caller twice per mini-batch at a spinning barrier: a mini-batch takes microseconds, less than waking a blocked
    /// thread (and, unlike <see cref="Barrier"/>, it allocates nothing, ever). Long waits (between epochs) fall back to
    /// yielding and sleeping, so idle workers do not hold a core.
    /// </summary>
    private sealed class ParallelGradient : IDisposable
    {
        private readonly StepperSetup<TNet> _setup;
        private readonly int _threads;
        private readonly float[][] _gradients;
        private readonly float[][] _workspaces;
        private readonly double[] _costs;
        /// <summary>Spins (a few milliseconds) before a waiting thread starts sleeping.</summary>
        private const int LongWait = 4096;

        private int _arrived;
        private int _generation;
        private readonly Thread[] _workers;
        private int _start, _count;
        private ulong _key;
        private volatile bool _stopping;
        private bool _disposed;

        public ParallelGradient(in StepperSetup<TNet> setup)
        {
            _setup = setup;
            _threads = setup.Threads;
            int part = (setup.MiniBatchSize + _threads - 1) / _threads;
            _gradients = new float[_threads][];
            _workspaces = new float[_threads][];
            for (int t = 0; t < _threads; t++)
            {
                _gradients[t] = new float[TNet.ParameterCount];
                _workspaces[t] = new float[TNet.BatchWorkspaceSize(part)];
            }
            _costs = new double[_threads];
            _workers = new Thread[_threads - 1];
            for (int t = 1; t < _threads; t++)
            {
                int index = t;
                _workers[t - 1] = new Thread(() => Work(index)) { IsBackground = true, Name = $"Backprop trainer {t}" };
                _workers[t - 1].Start();
            }
        }

        /// <summary>The gradient summed over the threads by the last <see cref="Sum"/>.</summary>
        public ReadOnlySpan<float> Gradient => _gradients[0];

        /// <summary>Sums the gradient of the samples order[start..start+count) into <see cref="Gradient"/>; returns the summed cost.</summary>
        public double Sum(int start, int count, ulong key)
        {
            _key = key;
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
            _costs[index] = length == 0 ? 0 : _setup.Network.AccumulateGradient(
                _setup.Training.Inputs, _setup.Targets, _setup.Order.AsSpan(_start + first, length), gradient, _workspaces[index], _key);
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

        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            _stopping = true;
            Meet();
            foreach (Thread worker in _workers)
            {
                worker.Join();
            }
        }
    }
}
