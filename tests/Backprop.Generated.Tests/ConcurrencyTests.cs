using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using Backprop;
using Backprop.Generated.Tests.ConcurrencyNetworks;
using Xunit;
using Xunit.Abstractions;

// The networks the concurrency tests share between threads: one of each code shape.
namespace Backprop.Generated.Tests.ConcurrencyNetworks
{
    /// <summary>Blocked code: vector kernels over 64 inputs, a ReLU hidden layer, a softmax output (log-likelihood).</summary>
    [Network(64, 32, 10, HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Softmax, Unroll = UnrollMode.Blocked)]
    public partial class SharedBlocked { }

    /// <summary>Unrolled straight-line code: the seed's 2-3-1 sigmoid network.</summary>
    [Network(2, 3, 1, Unroll = UnrollMode.Full)]
    public partial class SharedUnrolled { }
}

namespace Backprop.Generated.Tests
{
    /// <summary>
    /// Prediction (<c>Forward</c>, <c>ForwardBatch</c>, <c>Evaluate</c>) is documented thread-safe: eight threads
    /// sharing one network get, bit for bit, what one thread gets. Training one instance while other threads predict
    /// with other instances of the same type (which share all static state) changes neither side's results.
    /// </summary>
    public sealed class ConcurrencyTests(ITestOutputHelper output)
    {
        private const int Threads = 8;

        private const int Samples = 100;

        /// <summary>The batch sizes checked: one sample, a partial block, several blocks with a tail, all.</summary>
        private static readonly int[] s_batchSizes = [1, 7, 33, Samples];

        [Fact]
        public void Eight_threads_predicting_with_one_shared_network_get_the_single_threaded_results_bit_for_bit()
        {
            Predictor[] predictors = [Predictor.For(Trained<SharedBlocked>(1)), Predictor.For(Trained<SharedUnrolled>(2))];
            var failures = new ConcurrentQueue<string>();
            long calls = 0;
            var clock = Stopwatch.StartNew();
            TimeSpan duration = TimeSpan.FromSeconds(2);

            var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
            {
                var random = new Random(t);
                long mine = 0;
                while (clock.Elapsed < duration && failures.IsEmpty)
                {
                    // Both networks, all three calls, in an order of each thread's own.
                    if (predictors[random.Next(predictors.Length)].Check(random) is string failure)
                    {
                        failures.Enqueue($"thread {t}: {failure}");
                    }
                    mine++;
                }
                Interlocked.Add(ref calls, mine);
            })).ToArray();
            foreach (Thread thread in threads)
            {
                thread.Start();
            }
            foreach (Thread thread in threads)
            {
                thread.Join();
            }

            output.WriteLine($"{calls:N0} calls on {Threads} threads in {clock.Elapsed.TotalSeconds:F1} s");
            Assert.Empty(failures);
            Assert.True(calls > 1000, $"only {calls} calls");
        }

        [Fact]
        public void Training_one_network_while_other_threads_predict_with_other_instances_gives_the_sequential_results()
        {
            // The sequential results: training alone, and the predictions (made before any concurrent training).
            Trainer[] trainers = [Trainer.For<SharedBlocked>(3), Trainer.For<SharedUnrolled>(4)];
            Predictor[] predictors = [Predictor.For(Trained<SharedBlocked>(5)), Predictor.For(Trained<SharedUnrolled>(6))];

            var failures = new ConcurrentQueue<string>();
            long predictions = 0, trainings = 0;
            var clock = Stopwatch.StartNew();
            TimeSpan duration = TimeSpan.FromSeconds(1.5);

            // Two threads train (each its own instance, again and again from the same seed), six predict.
            var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
            {
                var random = new Random(100 + t);
                long mine = 0;
                while (clock.Elapsed < duration && failures.IsEmpty)
                {
                    string? failure = t < trainers.Length ? trainers[t].Check() : predictors[random.Next(predictors.Length)].Check(random);
                    if (failure is not null)
                    {
                        failures.Enqueue($"thread {t}: {failure}");
                    }
                    mine++;
                }
                Interlocked.Add(ref t < trainers.Length ? ref trainings : ref predictions, mine);
            })).ToArray();
            foreach (Thread thread in threads)
            {
                thread.Start();
            }
            foreach (Thread thread in threads)
            {
                thread.Join();
            }

            output.WriteLine($"{trainings:N0} training runs and {predictions:N0} predictions at once in {clock.Elapsed.TotalSeconds:F1} s");
            Assert.Empty(failures);
            Assert.True(trainings >= trainers.Length, $"only {trainings} training runs");
            Assert.True(predictions > 100, $"only {predictions} predictions");
        }

        /// <summary>A network created from <paramref name="seed"/> and trained a little (no ReLU left dead by chance alone).</summary>
        private static TNet Trained<TNet>(int seed) where TNet : class, INetwork<TNet>
        {
            TNet network = TNet.Create(seed);
            Train(network, seed);
            return network;
        }

        /// <summary>20 mini-batches of 10 samples of the data of <paramref name="seed"/>, always the same.</summary>
        private static void Train<TNet>(TNet network, int seed) where TNet : class, INetwork<TNet>
        {
            (float[] inputs, float[] targets) = Data<TNet>(seed);
            const int BatchSize = 10;
            var workspace = new float[TNet.BatchWorkspaceSize(BatchSize)];
            var batch = new int[BatchSize];
            var random = new Random(seed);
            for (int step = 0; step < 20; step++)
            {
                for (int k = 0; k < BatchSize; k++)
                {
                    batch[k] = random.Next(Samples);
                }
                network.TrainBatch(inputs, targets, batch, learningRate: 0.5f, weightDecay: 0.999f, workspace);
            }
        }

        /// <summary><see cref="Samples"/> inputs in [−1, 1] and one-hot targets (for one output: 0 or 1).</summary>
        private static (float[] Inputs, float[] Targets) Data<TNet>(int seed) where TNet : class, INetwork<TNet>
        {
            var random = new Random(1000 + seed);
            var inputs = new float[Samples * TNet.InputSize];
            var targets = new float[Samples * TNet.OutputSize];
            for (int i = 0; i < inputs.Length; i++)
            {
                inputs[i] = (float)(2 * random.NextDouble() - 1);
            }
            for (int s = 0; s < Samples; s++)
            {
                if (TNet.OutputSize == 1)
                {
                    targets[s] = random.Next(2);
                }
                else
                {
                    targets[s * TNet.OutputSize + random.Next(TNet.OutputSize)] = 1;
                }
            }
            return (inputs, targets);
        }

        private static bool SameBits(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
            => MemoryMarshal.AsBytes(a).SequenceEqual(MemoryMarshal.AsBytes(b));

        /// <summary>
        /// One network's calls and their single-threaded results: <see cref="Check"/> makes one random call and compares.
        /// </summary>
        private abstract class Predictor
        {
            public static Predictor For<TNet>(TNet network) where TNet : class, INetwork<TNet> => new Of<TNet>(network);

            /// <summary>Makes one call (Forward, ForwardBatch or Evaluate, on random samples) and returns what differs, if anything.</summary>
            public abstract string? Check(Random random);

            private sealed class Of<TNet> : Predictor where TNet : class, INetwork<TNet>
            {
                private readonly TNet _network;
                private readonly float[] _inputs;
                private readonly float[] _targets;
                private readonly float[][] _forward;
                private readonly float[][] _batch;
                private readonly float[][] _evaluated;
                private readonly float[] _costs;

                public Of(TNet network)
                {
                    _network = network;
                    (_inputs, _targets) = Data<TNet>(seed: 77);
                    int n = TNet.InputSize, m = TNet.OutputSize;
                    _forward = new float[Samples][];
                    for (int s = 0; s < Samples; s++)
                    {
                        _forward[s] = new float[m];
                        network.Forward(_inputs.AsSpan(s * n, n), _forward[s]);
                    }
                    _batch = new float[s_batchSizes.Length][];
                    _evaluated = new float[s_batchSizes.Length][];
                    _costs = new float[s_batchSizes.Length];
                    for (int b = 0; b < s_batchSizes.Length; b++)
                    {
                        int count = s_batchSizes[b];
                        _batch[b] = new float[count * m];
                        network.ForwardBatch(_inputs.AsSpan(0, count * n), _batch[b]);
                        _evaluated[b] = new float[count * m];
                        _costs[b] = network.Evaluate(_inputs.AsSpan(0, count * n), _targets.AsSpan(0, count * m), _evaluated[b]);
                    }
                }

                public override string? Check(Random random)
                {
                    int n = TNet.InputSize, m = TNet.OutputSize;
                    string name = typeof(TNet).Name;
                    switch (random.Next(3))
                    {
                        case 0:
                        {
                            int s = random.Next(Samples);
                            Span<float> output = stackalloc float[m];
                            _network.Forward(_inputs.AsSpan(s * n, n), output);
                            return SameBits(output, _forward[s]) ? null : $"{name}.Forward of sample {s} differs";
                        }
                        case 1:
                        {
                            int b = random.Next(s_batchSizes.Length), count = s_batchSizes[b];
                            var outputs = new float[count * m];
                            _network.ForwardBatch(_inputs.AsSpan(0, count * n), outputs);
                            return SameBits(outputs, _batch[b]) ? null : $"{name}.ForwardBatch of {count} samples differs";
                        }
                        default:
                        {
                            int b = random.Next(s_batchSizes.Length), count = s_batchSizes[b];
                            var outputs = new float[count * m];
                            float cost = _network.Evaluate(_inputs.AsSpan(0, count * n), _targets.AsSpan(0, count * m), outputs);
                            return SameBits(outputs, _evaluated[b]) && BitConverter.SingleToInt32Bits(cost) == BitConverter.SingleToInt32Bits(_costs[b])
                                ? null
                                : $"{name}.Evaluate of {count} samples differs (cost {cost:R}, single-threaded {_costs[b]:R})";
                        }
                    }
                }
            }
        }

        /// <summary>A training run and its single-threaded result: <see cref="Check"/> reruns it and compares.</summary>
        private abstract class Trainer
        {
            public static Trainer For<TNet>(int seed) where TNet : class, INetwork<TNet> => new Of<TNet>(seed);

            /// <summary>Trains a new instance as the sequential run did and returns what differs, if anything.</summary>
            public abstract string? Check();

            private sealed class Of<TNet>(int seed) : Trainer where TNet : class, INetwork<TNet>
            {
                private readonly float[] _expected = Trained<TNet>(seed).Parameters.ToArray();

                public override string? Check()
                {
                    TNet network = Trained<TNet>(seed);
                    return SameBits(network.Parameters, _expected) ? null : $"{typeof(TNet).Name}: training gave other parameters than sequentially";
                }
            }
        }
    }
}
