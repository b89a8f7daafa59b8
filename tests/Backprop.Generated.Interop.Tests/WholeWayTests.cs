using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using Microsoft.ML.OnnxRuntime;
using Xunit;
using Xunit.Abstractions;
using Backprop.Generated.TestSupport;

namespace Backprop.Generated.Interop.Tests;

/// <summary>
/// PyTorch → ONNX → import → weights baked into a NativeAOT binary, checked end to end: the published
/// samples/FromPyTorch computes, for every Fashion-MNIST test image, what ONNX Runtime computes from the ONNX file
/// PyTorch exported.
/// </summary>
public class WholeWayTests(ITestOutputHelper output)
{
    private const int ClassCount = 10;
    private const int BatchSize = 1000;

    /// <summary>The largest difference allowed between an output of the binary and ONNX Runtime's (probabilities in [0, 1]).</summary>
    private const float Tolerance = 1e-4f;

    /// <summary>The stripped binary's limit, as .ci/run holds samples/Embedded to.</summary>
    private const long MaxBinarySize = 2_000_000;

    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task WholeWay()
    {
        string[]? toolchain = NativeToolchain.PublishArguments();
        Assert.True(toolchain is not null, NativeToolchain.Missing);
        Assert.True(RuntimeInformation.IsOSPlatform(OSPlatform.Linux) && RuntimeInformation.OSArchitecture == Architecture.X64,
            $"This test publishes for linux-x64 and runs the binary; this is {RuntimeInformation.RuntimeIdentifier}.");

        string folder = Directory.CreateTempSubdirectory("interop-wholeway-").FullName;
        try
        {
            // The NativeAOT binary, as a user publishes it; every intermediate file goes to the test's folder, so the
            // publish neither disturbs nor is disturbed by builds in the work tree (other test projects, a developer's).
            string publish = Path.Combine(folder, "publish");
            ChildProcess.Result published = await ChildProcess.Dotnet(Repository.Root, PublishTimeout,
                ["publish", Repository.Sample, "-c", "Release", "-o", publish, "--artifacts-path", Path.Combine(folder, "artifacts"), "-nologo", .. toolchain]);
            Assert.True(published.ExitCode == 0, published.ToString());
            output.WriteLine($"dotnet publish samples/FromPyTorch (NativeAOT): {published.Elapsed.TotalSeconds:F1} s");
            string binary = Path.Combine(publish, "FromPyTorch");
            Assert.True(File.Exists(binary), $"{binary} is missing after the publish:\n{published}");
            long size = new FileInfo(binary).Length;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"binary: {size:N0} bytes"));
            Assert.True(size <= MaxBinarySize, string.Create(CultureInfo.InvariantCulture,
                $"The NativeAOT binary of samples/FromPyTorch is {size:N0} bytes, more than {MaxBinarySize:N0}: the weights (~200 KB) and the runtime it uses should fit."));

            string outputsPath = Path.Combine(folder, "outputs.f32");
            ChildProcess.Result run = await ChildProcess.Run(binary, folder, RunTimeout, null, "--data", Repository.FashionMnist, "--outputs", outputsPath);
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Equal("", run.Stderr);

            Dataset test = IdxReader.Read(
                DataFile(Repository.FashionMnist, IdxReader.TestImagesFileName), DataFile(Repository.FashionMnist, IdxReader.TestLabelsFileName));
            float[] ours = ReadLittleEndian(outputsPath);
            Assert.Equal(test.Count * ClassCount, ours.Length);
            float[] reference = RunOnnxRuntime(Repository.OnnxModel, test);

            // Every image: the same class, every probability within the tolerance.
            int correct = 0;
            float largest = 0;
            for (int i = 0; i < test.Count; i++)
            {
                ReadOnlySpan<float> mine = ours.AsSpan(i * ClassCount, ClassCount), theirs = reference.AsSpan(i * ClassCount, ClassCount);
                Assert.True(ArgMax(mine) == ArgMax(theirs),
                    $"image {i}: the binary says class {ArgMax(mine)}, ONNX Runtime {ArgMax(theirs)} ([{Join(mine)}] against [{Join(theirs)}])");
                for (int k = 0; k < ClassCount; k++)
                {
                    float difference = Math.Abs(mine[k] - theirs[k]);
                    Assert.True(difference <= Tolerance,
                        $"image {i}, class {k}: the binary computes {mine[k]:R}, ONNX Runtime {theirs[k]:R} (difference {difference:R} > {Tolerance:R})");
                    largest = Math.Max(largest, difference);
                }
                correct += ArgMax(mine) == test.Label(i) ? 1 : 0;
            }
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"largest difference from ONNX Runtime: {largest:G3}"));

            // The line the binary prints is the accuracy its outputs imply.
            string expected = string.Create(CultureInfo.InvariantCulture, $"accuracy: {(double)correct / test.Count:F4} ({correct}/{test.Count})");
            Assert.Equal(expected + "\n", run.Stdout.Replace("\r\n", "\n", StringComparison.Ordinal));
            output.WriteLine(expected);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>ONNX Runtime's outputs for every image of <paramref name="test"/>, computed in batches of <see cref="BatchSize"/>.</summary>
    private static float[] RunOnnxRuntime(string model, Dataset test)
    {
        using var session = new InferenceSession(model);
        using var runOptions = new RunOptions();
        var outputs = new float[test.Count * ClassCount];
        for (int start = 0; start < test.Count; start += BatchSize)
        {
            int count = Math.Min(BatchSize, test.Count - start);
            float[] batch = test.Inputs.Slice(start * test.InputSize, count * test.InputSize).ToArray();
            using var input = OrtValue.CreateTensorValueFromMemory(batch, [count, test.InputSize]);
            using IDisposableReadOnlyCollection<OrtValue> results = session.Run(runOptions, ["input"], [input], ["output"]);
            ReadOnlySpan<float> values = results[0].GetTensorDataAsSpan<float>();
            Assert.Equal(count * ClassCount, values.Length);
            values.CopyTo(outputs.AsSpan(start * ClassCount));
        }
        return outputs;
    }

    /// <summary>A file of little-endian float32 values.</summary>
    private static float[] ReadLittleEndian(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length % sizeof(float) == 0, $"{path} has {bytes.Length} bytes, not a whole number of float32 values");
        var values = new float[bytes.Length / sizeof(float)];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * sizeof(float)));
        }
        return values;
    }

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

    /// <summary>The file <paramref name="name"/> in <paramref name="folder"/>, raw if present, else gzip-compressed.</summary>
    private static string DataFile(string folder, string name)
    {
        string raw = Path.Combine(folder, name);
        return File.Exists(raw) ? raw : raw + ".gz";
    }

    private static string Join(ReadOnlySpan<float> values) => string.Join(", ", values.ToArray());
}
