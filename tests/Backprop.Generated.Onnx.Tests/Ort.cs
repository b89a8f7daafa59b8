using System;
using System.IO;
using System.Runtime.CompilerServices;
using Microsoft.ML.OnnxRuntime;
using Xunit;

namespace Backprop.Onnx.Tests;

/// <summary>Runs ONNX models in ONNX Runtime, and the small helpers the tests share.</summary>
internal static class Ort
{
    /// <summary>Runs <paramref name="model"/> on <paramref name="rows"/> inputs of <paramref name="inputShape"/> each; returns the outputs, row after row.</summary>
    public static float[] Run(byte[] model, float[] inputs, int rows, ReadOnlySpan<long> inputShape, string inputName = "input", string outputName = "output")
    {
        using var session = new InferenceSession(model);
        return Run(session, inputs, rows, inputShape, inputName, outputName);
    }

    /// <summary>Runs <paramref name="session"/> on a batch of <paramref name="rows"/> inputs.</summary>
    public static float[] Run(InferenceSession session, float[] inputs, int rows, ReadOnlySpan<long> inputShape, string inputName = "input", string outputName = "output")
    {
        long[] shape = [rows, .. inputShape];
        using var runOptions = new RunOptions();
        using var input = OrtValue.CreateTensorValueFromMemory(inputs, shape);
        using IDisposableReadOnlyCollection<OrtValue> results = session.Run(runOptions, [inputName], [input], [outputName]);
        OrtValue output = results[0];
        long[] outputShape = output.GetTensorTypeAndShape().Shape;
        Assert.Equal(rows, outputShape[0]);
        return output.GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>Seeded inputs in [-2, 2): ReLU kinks and sigmoid tails both get exercised.</summary>
    public static float[] Inputs(int count, int seed)
    {
        var random = new Random(seed);
        float[] values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (float)(random.NextDouble() * 4 - 2);
        }
        return values;
    }

    /// <summary>Asserts that every value of <paramref name="actual"/> is within <paramref name="tolerance"/> of <paramref name="expected"/>.</summary>
    public static void Close(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double tolerance = 1e-5, string what = "")
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double difference = Math.Abs((double)expected[i] - actual[i]);
            Assert.True(difference <= tolerance, $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R} (difference {difference:E2})");
        }
    }

    /// <summary>A fresh folder under the temporary folder, named after the calling test.</summary>
    public static string TempFolder([CallerMemberName] string test = "")
    {
        string folder = Path.Combine(Path.GetTempPath(), "backprop-onnx-tests", test + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>The folder of the committed fixtures, copied beside the test assembly.</summary>
    public static string Fixtures => Path.Combine(AppContext.BaseDirectory, "Fixtures");
}
