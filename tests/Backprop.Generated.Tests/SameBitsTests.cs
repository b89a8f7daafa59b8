using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;
using Backprop.Generated.Tests.Networks;
using Xunit;

namespace Backprop.Generated.Tests;

/// <summary>
/// Seeded training gives the same bits as the version that recorded <c>TestData/same-bits.txt</c>: every optimizer
/// (fused into the kernels, stand-alone, on two threads), both code shapes, several activations and costs, a schedule
/// and L2. The file holds the SHA-256 of each trained model file, per vector path (the widths sum in different orders,
/// so each path has its own bits). A refactoring that changes a line here must say why; new bits are recorded with
/// <c>dotnet Backprop.Generated.Tests.dll same-bits</c> under each path (see <see cref="Record"/>).
/// </summary>
public sealed class SameBitsTests
{
    private const string FileName = "same-bits.txt";

    /// <summary>One training run: a network, an optimizer and the options around it.</summary>
    public sealed record Case(string Name, Func<string> Train);

    /// <summary>Every case, by name.</summary>
    public static IReadOnlyList<Case> Cases { get; } = BuildCases();

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (Case c in Cases)
        {
            data.Add(c.Name);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Training_gives_the_recorded_bits(string name)
    {
        Dictionary<string, string> recorded = ReadRecorded();
        string key = Path + " " + name;
        Assert.True(recorded.TryGetValue(key, out string? expected), $"{FileName} records nothing for '{key}'.");
        string actual = Cases.Single(c => c.Name == name).Train();
        Assert.Equal(expected, actual);
    }

    /// <summary>The vector path the generated kernels take on this machine: v512, v256, v128 or scalar.</summary>
    public static string Path =>
        Vector512.IsHardwareAccelerated ? "v512"
        : Vector256.IsHardwareAccelerated ? "v256"
        : Vector128.IsHardwareAccelerated ? "v128"
        : "scalar";

    /// <summary>
    /// <c>same-bits</c>: trains every case on this machine's vector path and prints its lines for the file, e.g.
    /// <c>DOTNET_EnableAVX512=0 dotnet Backprop.Generated.Tests.dll same-bits</c> for the Vector256 path.
    /// </summary>
    public static int Record()
    {
        foreach (Case c in Cases)
        {
            Console.WriteLine($"{Path} {c.Name} {c.Train()}");
        }
        return 0;
    }

    internal static Dictionary<string, string> ReadRecorded() =>
        Parse(File.ReadAllLines(System.IO.Path.Combine(TestData.RepositoryRoot, "tests", "Backprop.Generated.Tests", "TestData", FileName)));

    /// <summary>Lines as <see cref="Record"/> prints them ("path case bits"; blank and # lines skipped), by "path case".</summary>
    internal static Dictionary<string, string> Parse(IEnumerable<string> lines)
    {
        var recorded = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in lines)
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            string[] parts = line.Split(' ');
            recorded[parts[0] + " " + parts[1]] = parts[2];
        }
        return recorded;
    }

    private static List<Case> BuildCases()
    {
        var cases = new List<Case>();
        var optimizers = new (string Name, Optimizer Optimizer, double Eta)[]
        {
            ("sgd", Sgd.Instance, 0.1),
            ("momentum", new Momentum { Coefficient = 0.9 }, 0.02),
            ("nesterov", new Momentum { Nesterov = true }, 0.02),
            ("adam", new Adam(), 0.002),
            ("adamw", new AdamW { WeightDecay = 0.05 }, 0.002),
        };
        foreach ((string name, Optimizer optimizer, double eta) in optimizers)
        {
            var options = new TrainingOptions
            {
                Epochs = 2, MiniBatchSize = 10, LearningRate = eta, L2Regularization = 2.0, Optimizer = optimizer,
                Schedule = new CosineSchedule(), Seed = 7,
            };
            cases.Add(new Case($"digit-784-30-10-{name}", () => Train<DigitNet>(Images, options)));
            cases.Add(new Case($"relu-softmax-784-100-10-{name}", () => Train<DigitReluSoftmax>(Images, options with { Epochs = 1 })));
            cases.Add(new Case($"blocked-mixed-{name}", () => Train<BlockedMixed>(Synthetic(19, 10), options with { MiniBatchSize = 7 })));
            cases.Add(new Case($"unrolled-tanh-softmax-{name}", () => Train<UnrolledTanhSoftmax>(Synthetic(5, 4), options with { MiniBatchSize = 3 })));
            cases.Add(new Case($"two-threads-784-30-10-{name}", () => Train<DigitNet>(Images, options with { Threads = 2, MiniBatchSize = 20 })));
        }
        cases.Add(new Case("regression-identity", () => Train<BlockedTanhIdentity>(Regression(13, 7), new TrainingOptions
        {
            Epochs = 3, MiniBatchSize = 5, LearningRate = 0.01, Optimizer = new Adam(), Seed = 3,
        })));
        return cases;
    }

    private static Dataset Images => TestData.Training10k.Take(1_000);

    /// <summary>Inputs in [−1, 1] and labels from a fixed rule, so that there is something to learn.</summary>
    private static Dataset Synthetic(int inputs, int classes)
    {
        var random = new DeterministicRandom(11);
        const int Count = 400;
        var x = new float[Count * inputs];
        var labels = new int[Count];
        for (int s = 0; s < Count; s++)
        {
            double sum = 0;
            for (int j = 0; j < inputs; j++)
            {
                float value = (float)(2 * random.NextDouble() - 1);
                x[s * inputs + j] = value;
                sum += value * (j % 3 - 1);
            }
            labels[s] = (int)Math.Clamp(Math.Floor((sum + 2) / 4 * classes), 0, classes - 1);
        }
        return new Dataset(x, labels, inputs);
    }

    /// <summary>Targets that are a fixed smooth function of the inputs.</summary>
    private static Dataset Regression(int inputs, int outputs)
    {
        var random = new DeterministicRandom(5);
        const int Count = 300;
        var x = new float[Count * inputs];
        var y = new float[Count * outputs];
        for (int s = 0; s < Count; s++)
        {
            for (int j = 0; j < inputs; j++)
            {
                x[s * inputs + j] = (float)(2 * random.NextDouble() - 1);
            }
            for (int k = 0; k < outputs; k++)
            {
                y[s * outputs + k] = (float)Math.Sin(x[s * inputs + k] + 0.5 * x[s * inputs + (k + 1) % inputs]);
            }
        }
        return new Dataset(x, y, inputs, outputs);
    }

    /// <summary>Trains a fresh network (seed 1) and returns the SHA-256 of its model file and the last epoch's cost bits.</summary>
    private static string Train<TNet>(Dataset data, TrainingOptions options) where TNet : class, INetwork<TNet>
    {
        TNet network = TNet.Create(seed: 1);
        IReadOnlyList<EpochResult> results = Trainer.Train(network, data, options);
        using var model = new MemoryStream();
        NetworkSerializer.Save(network, model);
        string hash = Convert.ToHexString(SHA256.HashData(model.ToArray()))[..32].ToLowerInvariant();
        return $"{hash}:{BitConverter.DoubleToInt64Bits(results[^1].TrainingCost):x16}";
    }
}
