using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Xunit;

namespace Backprop.Generated.Tests;

/// <summary>
/// The runtime's activation, slope, softmax and output-error kernels against double-precision references
/// written here. Whatever vector path this process takes is checked; run with DOTNET_EnableAVX512=0
/// (and DOTNET_EnableAVX512F=0), DOTNET_EnableAVX2=0 or DOTNET_EnableHWIntrinsic=0 for the narrower ones.
/// </summary>
public sealed class ActivationKernelTests
{
    /// <summary>The unit roundoff of float, 2^−24.</summary>
    private const double U = 1.0 / (1 << 24);

    /// <summary>A tolerance of four float ulps, relative.</summary>
    private const double FourUlps = 4 * 2 * U;

    // ---- Double-precision references. ----

    private static double RefReLU(double z) => double.IsNaN(z) ? double.NaN : Math.Max(0.0, z);

    private static double RefLeakyReLU(double z) => z > 0 ? z : 0.01 * z;

    private static double RefSigmoidDerivative(double a) => a * (1 - a);

    private static double RefTanhDerivative(double a) => 1 - a * a;

    private static double RefReLUDerivative(double a) => a > 0 ? 1 : 0;

    private static double RefLeakyReLUDerivative(double a) => a > 0 ? 1 : 0.01;

    private static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    /// <summary>ln(1 + x) for x ≥ 0, accurate for small x.</summary>
    private static double Log1p(double x) => x < 1e-4 ? x - x * x / 2 + x * x * x / 3 : Math.Log(1 + x);

    /// <summary>Softmax in double, from the reference network's own <see cref="ReferenceNet.Apply"/>.</summary>
    private static double[] RefSoftmax(ReadOnlySpan<float> z) => ReferenceNet.Apply(ActivationKind.Softmax, Reference.ToDouble(z));

    private static void AssertClose(double expected, float actual, double relative, double absolute, string what)
    {
        if (double.IsNaN(expected))
        {
            Assert.True(float.IsNaN(actual), $"{what}: expected NaN, got {actual:R}");
        }
        else if (double.IsInfinity(expected))
        {
            Assert.True(expected == actual, $"{what}: expected {expected}, got {actual:R}");
        }
        else
        {
            double error = Math.Abs(actual - expected);
            Assert.True(error <= relative * Math.Abs(expected) + absolute,
                $"{what}: expected {expected:R}, got {actual:R} (error {error:E3}, {error / Math.Max(Math.Abs(expected), double.Epsilon):E3} relative)");
        }
    }

    private static void AssertSameBits(float expected, float actual, string what)
        => Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual),
            $"{what}: expected {expected:R} (0x{BitConverter.SingleToInt32Bits(expected):X8}), got {actual:R} (0x{BitConverter.SingleToInt32Bits(actual):X8})");

    // ---- Inputs. ----

    /// <summary>Pre-activations: 0, ±tiny, ±large, around tanh's 0.625 switch, ±87..±100, ±huge, ±∞, NaN and a grid.</summary>
    private static float[] ActivationInputs()
    {
        var values = new List<float>
        {
            0f, -0f, float.Epsilon, -float.Epsilon, 1e-38f, -1e-38f, 1e-30f, -1e-30f, 1e-10f, -1e-10f, 1e-5f, -1e-5f,
            1e-3f, -1e-3f, 0.1f, -0.1f, 0.5f, -0.5f, 0.62499994f, -0.62499994f, 0.625f, -0.625f, 0.62500006f, -0.62500006f,
            1f, -1f, 2f, -2f, 5f, -5f, 8.5f, -8.5f, 9f, -9f, 9.5f, -9.5f, 10f, -10f, 20f, -20f, 44f, -44f,
            87f, -87f, 88f, -88f, 89f, -89f, 90f, -90f, 100f, -100f, 1e4f, -1e4f, 1e30f, -1e30f,
            float.MaxValue, float.MinValue, float.PositiveInfinity, float.NegativeInfinity, float.NaN,
        };
        for (int i = -1200; i <= 1200; i += 7)
        {
            values.Add(i / 100f);
        }
        var random = new Random(17);
        for (int i = 0; i < 200; i++)
        {
            // Log-uniform magnitudes from 1e-20 to 1e3, both signs.
            values.Add((float)((random.Next(2) * 2 - 1) * Math.Pow(10, -20 + 23 * random.NextDouble())));
        }
        return values.ToArray();
    }

    /// <summary>Activations fed to the slopes: the ranges of σ, tanh, ReLU and leaky ReLU, tiny values, ±∞ and NaN.</summary>
    private static float[] SlopeInputs()
    {
        var values = new List<float>
        {
            0f, -0f, float.Epsilon, -float.Epsilon, 1e-30f, -1e-30f, 1e-7f, -1e-7f, 0.5f, -0.5f,
            1f, -1f, 0.99999994f, -0.99999994f, 0.9999f, -0.9999f, 2f, -2f, 1e6f, -1e6f, 1e15f, -1e15f,
            float.PositiveInfinity, float.NegativeInfinity, float.NaN,
        };
        var random = new Random(23);
        for (int i = 0; i < 150; i++)
        {
            values.Add((float)(random.NextDouble() * 2.2 - 1.1));
        }
        return values.ToArray();
    }

    // ---- Scalar forms. ----

    [Fact]
    public void Scalar_activations_match_double_math()
    {
        foreach (float z in ActivationInputs())
        {
            AssertClose(Math.Tanh(z), Kernels.Tanh(z), FourUlps, 0, $"Tanh({z:R})");
            AssertClose(RefReLU(z), Kernels.ReLU(z), 0, 0, $"ReLU({z:R})");
            AssertClose(RefLeakyReLU(z), Kernels.LeakyReLU(z), 2 * U, 1e-45, $"LeakyReLU({z:R})");
        }
        Assert.Equal(0f, Kernels.ReLU(0f));
        Assert.Equal(0f, Kernels.ReLU(-0f));
        Assert.Equal(-0.01f, Kernels.LeakyReLU(-1f));
        Assert.Equal(-1f, Kernels.LeakyReLU(-100f));
        Assert.Equal(3f, Kernels.LeakyReLU(3f));
    }

    [Fact]
    public void Scalar_slopes_match_double_math_from_the_activation()
    {
        foreach (float a in SlopeInputs())
        {
            AssertClose(RefSigmoidDerivative(a), Kernels.SigmoidDerivative(a), FourUlps, 1e-45, $"SigmoidDerivative({a:R})");
            AssertClose(RefTanhDerivative(a), Kernels.TanhDerivative(a), FourUlps, 1e-45, $"TanhDerivative({a:R})");
            AssertClose(RefReLUDerivative(a), Kernels.ReLUDerivative(a), 0, 0, $"ReLUDerivative({a:R})");
            AssertClose(RefLeakyReLUDerivative(a), Kernels.LeakyReLUDerivative(a), 0, 1e-9, $"LeakyReLUDerivative({a:R})");
        }
        // The slope at z = 0 is the slope below 0.
        Assert.Equal(0f, Kernels.ReLUDerivative(Kernels.ReLU(0f)));
        Assert.Equal(0.01f, Kernels.LeakyReLUDerivative(Kernels.LeakyReLU(0f)));
        Assert.Equal(0.01f, Kernels.LeakyReLUDerivative(Kernels.LeakyReLU(-0f)));
        Assert.Equal(1f, Kernels.ReLUDerivative(Kernels.ReLU(float.Epsilon)));
        Assert.Equal(0.01f, Kernels.LeakyReLUDerivative(Kernels.LeakyReLU(-float.Epsilon)));
        Assert.Equal(0.25f, Kernels.SigmoidDerivative(0.5f));
        Assert.Equal(1f, Kernels.TanhDerivative(0f));
        Assert.Equal(0f, Kernels.TanhDerivative(1f));
        Assert.Equal(0f, Kernels.TanhDerivative(-1f));
    }

    [Fact]
    public void Quadratic_is_half_the_squared_difference()
    {
        var random = new Random(5);
        for (int i = 0; i < 500; i++)
        {
            float a = (float)(random.NextDouble() * 4 - 2), y = (float)(random.NextDouble() * 4 - 2);
            double difference = (double)a - y;
            AssertClose(0.5 * difference * difference, Kernels.Quadratic(a, y), 3 * U, 0, $"Quadratic({a:R}, {y:R})");
        }
        Assert.Equal(0f, Kernels.Quadratic(0.3f, 0.3f));
        Assert.Equal(2f, Kernels.Quadratic(-1f, 1f));
        Assert.True(float.IsNaN(Kernels.Quadratic(float.NaN, 0f)));
    }

    // ---- Vector forms, every width (they run in software where a width is not accelerated). ----

    private delegate float ScalarFunction(float x);

    /// <summary>Applies each width's vector form lane by lane to <paramref name="inputs"/>, and returns the three results.</summary>
    private static float[][] ApplyVectors(
        float[] inputs,
        Func<Vector128<float>, Vector128<float>> f128,
        Func<Vector256<float>, Vector256<float>> f256,
        Func<Vector512<float>, Vector512<float>> f512)
    {
        int padded = (inputs.Length + 15) / 16 * 16;
        var source = new float[padded];
        inputs.CopyTo(source, 0);
        var results = new[] { new float[padded], new float[padded], new float[padded] };
        for (int k = 0; k < padded; k += 4)
        {
            f128(Vector128.Create(source, k)).CopyTo(results[0], k);
        }
        for (int k = 0; k < padded; k += 8)
        {
            f256(Vector256.Create(source, k)).CopyTo(results[1], k);
        }
        for (int k = 0; k < padded; k += 16)
        {
            f512(Vector512.Create(source, k)).CopyTo(results[2], k);
        }
        return results;
    }

    private static void CheckVectorForms(
        string name,
        float[] inputs,
        Func<double, double> reference,
        double relative,
        double absolute,
        Func<Vector128<float>, Vector128<float>> f128,
        Func<Vector256<float>, Vector256<float>> f256,
        Func<Vector512<float>, Vector512<float>> f512)
    {
        float[][] results = ApplyVectors(inputs, f128, f256, f512);
        string[] widths = ["Vector128", "Vector256", "Vector512"];
        for (int w = 0; w < 3; w++)
        {
            for (int k = 0; k < inputs.Length; k++)
            {
                AssertClose(reference(inputs[k]), results[w][k], relative, absolute, $"{name}({widths[w]}) at {inputs[k]:R}");
            }
        }
    }

    [Fact]
    public void Vector_activations_match_double_math()
    {
        float[] z = ActivationInputs();
        CheckVectorForms("Tanh", z, Math.Tanh, FourUlps, 0, Kernels.Tanh, Kernels.Tanh, Kernels.Tanh);
        CheckVectorForms("ReLU", z, RefReLU, 0, 0, Kernels.ReLU, Kernels.ReLU, Kernels.ReLU);
        CheckVectorForms("LeakyReLU", z, RefLeakyReLU, 2 * U, 1e-45, Kernels.LeakyReLU, Kernels.LeakyReLU, Kernels.LeakyReLU);
    }

    [Fact]
    public void Vector_slopes_match_double_math_from_the_activation()
    {
        float[] a = SlopeInputs();
        CheckVectorForms("SigmoidDerivative", a, RefSigmoidDerivative, FourUlps, 1e-45,
            Kernels.SigmoidDerivative, Kernels.SigmoidDerivative, Kernels.SigmoidDerivative);
        CheckVectorForms("TanhDerivative", a, RefTanhDerivative, FourUlps, 1e-45,
            Kernels.TanhDerivative, Kernels.TanhDerivative, Kernels.TanhDerivative);
        CheckVectorForms("ReLUDerivative", a, RefReLUDerivative, 0, 0,
            Kernels.ReLUDerivative, Kernels.ReLUDerivative, Kernels.ReLUDerivative);
        CheckVectorForms("LeakyReLUDerivative", a, RefLeakyReLUDerivative, 0, 1e-9,
            Kernels.LeakyReLUDerivative, Kernels.LeakyReLUDerivative, Kernels.LeakyReLUDerivative);
    }

    [Fact]
    public void Vector_tanh_keeps_its_relative_accuracy_near_zero_and_saturates_exactly()
    {
        var z = new List<float>();
        for (int e = -126; e <= 3; e++)
        {
            // 2^e and its neighbours, both signs: no cancellation may eat the small values' digits.
            float p = MathF.ScaleB(1f, e);
            z.AddRange([p, -p, BitIncrement(p), -BitIncrement(p), p * 1.37f, -p * 1.37f]);
        }
        for (float v = 0.6f; v < 0.65f; v = BitIncrement(v) + 1e-5f)
        {
            z.Add(v);
            z.Add(-v);
        }
        float[] inputs = z.ToArray();
        CheckVectorForms("Tanh", inputs, Math.Tanh, FourUlps, 0, Kernels.Tanh, Kernels.Tanh, Kernels.Tanh);

        float[] saturated = [9.1f, 10f, 20f, 87f, 88f, 100f, 1e30f, float.MaxValue, float.PositiveInfinity];
        float[][] results = ApplyVectors(saturated, Kernels.Tanh, Kernels.Tanh, Kernels.Tanh);
        float[][] negative = ApplyVectors(Array.ConvertAll(saturated, v => -v), Kernels.Tanh, Kernels.Tanh, Kernels.Tanh);
        for (int w = 0; w < 3; w++)
        {
            for (int k = 0; k < saturated.Length; k++)
            {
                Assert.Equal(1f, results[w][k]);
                Assert.Equal(-1f, negative[w][k]);
            }
        }
        Assert.True(float.IsNaN(Kernels.Tanh(Vector128.Create(float.NaN)).ToScalar()));
        Assert.True(float.IsNaN(Kernels.Tanh(Vector256.Create(float.NaN)).ToScalar()));
        Assert.True(float.IsNaN(Kernels.Tanh(Vector512.Create(float.NaN)).ToScalar()));
        Assert.Equal(0f, Kernels.Tanh(Vector128<float>.Zero).ToScalar());
    }

    private static float BitIncrement(float x) => MathF.BitIncrement(x);

    // ---- Element-wise row kernels, every count up to 40 so that every width's loop and tail run. ----

    private delegate void RowKernel(ref float source, ref float target, nint count);

    private static void CheckRowKernel(string name, RowKernel kernel, float[] pool, Func<double, double> reference, double relative, double absolute)
    {
        const float Sentinel = -12345.5f;
        for (int count = 0; count <= 40; count++)
        {
            var source = new float[count + 8];
            for (int k = 0; k < source.Length; k++)
            {
                source[k] = pool[(k + 7 * count) % pool.Length];
            }
            var target = new float[count + 8];
            Array.Fill(target, Sentinel);

            kernel(ref MemoryMarshal.GetArrayDataReference(source), ref MemoryMarshal.GetArrayDataReference(target), count);

            for (int k = 0; k < count; k++)
            {
                AssertClose(reference(source[k]), target[k], relative, absolute, $"{name} count {count} lane {k} at {source[k]:R}");
            }
            for (int k = count; k < target.Length; k++)
            {
                AssertSameBits(Sentinel, target[k], $"{name} count {count}: lane {k} past the end");
            }

            // In place: the same results, and nothing past count changes.
            float[] inPlace = (float[])source.Clone();
            kernel(ref MemoryMarshal.GetArrayDataReference(inPlace), ref MemoryMarshal.GetArrayDataReference(inPlace), count);
            for (int k = 0; k < count; k++)
            {
                AssertSameBits(target[k], inPlace[k], $"{name} in place, count {count} lane {k}");
            }
            for (int k = count; k < inPlace.Length; k++)
            {
                AssertSameBits(source[k], inPlace[k], $"{name} in place, count {count}: lane {k} past the end");
            }
        }
    }

    [Fact]
    public void Activation_row_kernels_match_double_math_for_every_count_and_in_place()
    {
        float[] z = ActivationInputs();
        CheckRowKernel("Tanh", Kernels.Tanh, z, Math.Tanh, FourUlps, 0);
        CheckRowKernel("ReLU", Kernels.ReLU, z, RefReLU, 0, 0);
        CheckRowKernel("LeakyReLU", Kernels.LeakyReLU, z, RefLeakyReLU, 2 * U, 1e-45);
        CheckRowKernel("Identity", Kernels.Identity, z, v => v, 0, 0);
        // The sigmoid's vector form clamps e^−z at e^88, so it bottoms out near 6e-39 rather than at 0.
        CheckRowKernel("Sigmoid", Kernels.Sigmoid, z, Sigmoid, FourUlps, 1e-38);
    }

    [Fact]
    public void Identity_copies_overlapping_ranges_as_through_a_buffer()
    {
        float[] values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        Kernels.Identity(ref values[0], ref values[2], 8);
        Assert.Equal(new float[] { 1, 2, 1, 2, 3, 4, 5, 6, 7, 8 }, values);
    }

    [Fact]
    public void Slope_row_kernels_multiply_the_error_for_every_count()
    {
        float[] a = SlopeInputs();
        var random = new Random(31);
        var errors = new float[64];
        for (int k = 0; k < errors.Length; k++)
        {
            errors[k] = (float)(random.NextDouble() * 6 - 3);
        }
        CheckSlopeKernel("SigmoidDerivative", Kernels.SigmoidDerivative, a, errors, RefSigmoidDerivative, 6 * 2 * U);
        CheckSlopeKernel("TanhDerivative", Kernels.TanhDerivative, a, errors, RefTanhDerivative, 6 * 2 * U);
        CheckSlopeKernel("ReLUDerivative", Kernels.ReLUDerivative, a, errors, RefReLUDerivative, 0);
        CheckSlopeKernel("LeakyReLUDerivative", Kernels.LeakyReLUDerivative, a, errors, RefLeakyReLUDerivative, 2 * U);
    }

    private delegate void SlopeKernel(ref float a, ref float d, nint count);

    private static void CheckSlopeKernel(string name, SlopeKernel kernel, float[] pool, float[] errors, Func<double, double> slope, double relative)
    {
        const float Sentinel = 777.25f;
        for (int count = 0; count <= 40; count++)
        {
            var a = new float[count + 8];
            var d = new float[count + 8];
            for (int k = 0; k < a.Length; k++)
            {
                a[k] = pool[(k + 5 * count) % pool.Length];
                d[k] = k < count ? errors[(k + count) % errors.Length] : Sentinel;
            }
            float[] before = (float[])d.Clone();

            kernel(ref MemoryMarshal.GetArrayDataReference(a), ref MemoryMarshal.GetArrayDataReference(d), count);

            for (int k = 0; k < count; k++)
            {
                AssertClose(before[k] * slope(a[k]), d[k], relative, 1e-44, $"{name} count {count} lane {k}, a = {a[k]:R}, d = {before[k]:R}");
            }
            for (int k = count; k < d.Length; k++)
            {
                AssertSameBits(Sentinel, d[k], $"{name} count {count}: lane {k} past the end");
            }
        }
    }

    // ---- Softmax and its Jacobian, row by row. ----

    /// <summary>Rows of random z with NaN in their padding lanes (any read of them would poison the row).</summary>
    private static float[] PaddedRows(int rows, int count, int stride, Func<int, int, float> value)
    {
        var z = new float[rows * stride];
        Array.Fill(z, float.NaN);
        for (int r = 0; r < rows; r++)
        {
            for (int k = 0; k < count; k++)
            {
                z[r * stride + k] = value(r, k);
            }
        }
        return z;
    }

    private static IEnumerable<(int Count, int Stride)> Shapes()
    {
        for (int count = 1; count <= 40; count++)
        {
            yield return (count, count);
            yield return (count, (count + 15) / 16 * 16 + 16);
        }
    }

    [Fact]
    public void Softmax_matches_double_math_sums_to_one_and_leaves_the_padding_alone()
    {
        const float Sentinel = 4242.5f;
        var random = new Random(41);
        foreach ((int count, int stride) in Shapes())
        {
            const int Rows = 3;
            float[] z = PaddedRows(Rows, count, stride, (r, k) => (float)((random.NextDouble() - 0.5) * 8 * (r + 1)));
            var a = new float[z.Length];
            Array.Fill(a, Sentinel);

            Kernels.Softmax(ref z[0], ref a[0], Rows, count, stride);

            for (int r = 0; r < Rows; r++)
            {
                double[] expected = RefSoftmax(z.AsSpan(r * stride, count));
                double max = double.NegativeInfinity, sum = 0;
                for (int k = 0; k < count; k++)
                {
                    max = Math.Max(max, z[r * stride + k]);
                }
                for (int k = 0; k < count; k++)
                {
                    float actual = a[r * stride + k];
                    sum += actual;
                    // e^(z − max) is as exact as z − max in float, whose rounding grows with |z − max|.
                    double gap = max - z[r * stride + k];
                    AssertClose(expected[k], actual, (count + 8 + gap) * 2 * U, 1e-37, $"softmax count {count} stride {stride} row {r} lane {k}");
                }
                Assert.True(Math.Abs(sum - 1) <= (count + 8) * 2 * U, $"count {count} row {r}: the outputs sum to {sum:R}");
                for (int k = count; k < stride; k++)
                {
                    AssertSameBits(Sentinel, a[r * stride + k], $"count {count} stride {stride} row {r}: padding lane {k}");
                }
            }

            // In place: the same values, and the padding (NaN) is not written.
            float[] inPlace = (float[])z.Clone();
            Kernels.Softmax(ref inPlace[0], ref inPlace[0], Rows, count, stride);
            for (int r = 0; r < Rows; r++)
            {
                for (int k = 0; k < stride; k++)
                {
                    int i = r * stride + k;
                    AssertSameBits(k < count ? a[i] : z[i], inPlace[i], $"softmax in place, count {count} stride {stride} row {r} lane {k}");
                }
            }
        }
    }

    [Fact]
    public void Softmax_is_invariant_to_adding_a_constant()
    {
        var random = new Random(43);
        foreach ((int count, int stride) in Shapes())
        {
            // Multiples of 1/8 in [−20, 20]: adding 1024 is exact, so z − max is the same and so is every output.
            float[] z = PaddedRows(2, count, stride, (r, k) => random.Next(-160, 161) / 8f);
            float[] shifted = (float[])z.Clone();
            for (int i = 0; i < shifted.Length; i++)
            {
                shifted[i] += 1024f;
            }
            var a = new float[z.Length];
            var b = new float[z.Length];
            Kernels.Softmax(ref z[0], ref a[0], 2, count, stride);
            Kernels.Softmax(ref shifted[0], ref b[0], 2, count, stride);
            for (int i = 0; i < a.Length; i++)
            {
                AssertSameBits(a[i], b[i], $"count {count} stride {stride} element {i}");
            }
        }
    }

    [Fact]
    public void Softmax_is_finite_for_enormous_spreads()
    {
        foreach ((int count, int stride) in Shapes())
        {
            // One lane far above the others (by up to 2e30): it takes everything.
            int top = count / 2;
            float[] z = PaddedRows(2, count, stride, (r, k) => k == top ? 1e30f : (k % 3 - 1) * 1e30f * (r + 1) - (r == 0 ? 0 : 1e30f));
            var a = new float[z.Length];
            Kernels.Softmax(ref z[0], ref a[0], 2, count, stride);
            for (int r = 0; r < 2; r++)
            {
                double sum = 0;
                for (int k = 0; k < count; k++)
                {
                    float v = a[r * stride + k];
                    Assert.True(float.IsFinite(v) && v >= 0, $"count {count} row {r} lane {k}: {v:R}");
                    sum += v;
                    bool tied = z[r * stride + k] == z[r * stride + top];
                    if (!tied)
                    {
                        Assert.True(v <= 1e-37f, $"count {count} row {r} lane {k}: {v:R} for a value 1e30 below the top");
                    }
                }
                Assert.True(Math.Abs(sum - 1) <= 4 * U, $"count {count} row {r}: sum {sum:R}");
            }
        }

        // Ties at the top share it.
        float[] tie = [1e30f, -1e30f, 1e30f, 0f, -3e29f];
        Kernels.Softmax(ref tie[0], ref tie[0], 1, tie.Length, tie.Length);
        Assert.Equal(new[] { 0.5f, 0f, 0.5f, 0f, 0f }, Array.ConvertAll(tie, v => v < 1e-37f ? 0f : v));
    }

    [Fact]
    public void Softmax_derivative_is_the_explicit_jacobian_times_d()
    {
        const float Sentinel = -99.75f;
        var random = new Random(47);
        foreach ((int count, int stride) in Shapes())
        {
            const int Rows = 3;
            float[] z = PaddedRows(Rows, count, stride, (r, k) => (float)((random.NextDouble() - 0.5) * 6));
            float[] a = (float[])z.Clone();
            for (int r = 0; r < Rows; r++)
            {
                double[] softmax = RefSoftmax(z.AsSpan(r * stride, count));
                for (int k = 0; k < count; k++)
                {
                    a[r * stride + k] = (float)softmax[k];
                }
            }
            float[] d = PaddedRows(Rows, count, stride, (r, k) => (float)((random.NextDouble() - 0.5) * 4));
            for (int i = 0; i < d.Length; i++)
            {
                if (float.IsNaN(d[i]))
                {
                    d[i] = Sentinel;
                }
            }
            float[] before = (float[])d.Clone();

            Kernels.SoftmaxDerivative(ref a[0], ref d[0], Rows, count, stride);

            for (int r = 0; r < Rows; r++)
            {
                int o = r * stride;
                for (int k = 0; k < count; k++)
                {
                    // (J d)_k with J_kj = ∂a_k/∂z_j = a_k ([k = j] − a_j).
                    double expected = 0, magnitude = 0;
                    for (int j = 0; j < count; j++)
                    {
                        double jacobian = (double)a[o + k] * ((k == j ? 1 : 0) - (double)a[o + j]);
                        expected += jacobian * before[o + j];
                        magnitude += Math.Abs(jacobian * before[o + j]) + Math.Abs((double)a[o + k] * a[o + j] * before[o + j]);
                    }
                    double error = Math.Abs(d[o + k] - expected);
                    Assert.True(error <= (count + 8) * 2 * U * magnitude + 1e-37,
                        $"count {count} stride {stride} row {r} lane {k}: expected {expected:R}, got {d[o + k]:R}");
                }
                for (int k = count; k < stride; k++)
                {
                    AssertSameBits(Sentinel, d[o + k], $"count {count} stride {stride} row {r}: padding lane {k}");
                }
            }
        }
    }

    // ---- Output errors. ----

    private delegate float ErrorKernel(ref float z, ref float a, ref float y, ref int rows, nint m, nint count, nint stride, ref float d);

    /// <summary>
    /// Targets in unmanaged memory whose last value is the last readable float before an inaccessible page
    /// (on Linux), so that a kernel reading past the last target row crashes instead of passing.
    /// </summary>
    private sealed class GuardedTargets : IDisposable
    {
        private readonly nint _mapping;
        private readonly nuint _mappedBytes;
        private readonly float[]? _managed;
        private readonly nint _start;
        private readonly int _length;

        public GuardedTargets(float[] values)
        {
            _length = values.Length;
            if (OperatingSystem.IsLinux())
            {
                nuint page = (nuint)Environment.SystemPageSize;
                nuint bytes = (nuint)values.Length * sizeof(float);
                nuint dataPages = (bytes + page - 1) / page;
                _mappedBytes = (dataPages + 1) * page;
                _mapping = Mmap(0, _mappedBytes, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
                Assert.True(_mapping != -1, "mmap failed");
                Assert.Equal(0, Mprotect(_mapping + (nint)(dataPages * page), page, ProtNone));
                _start = _mapping + (nint)(dataPages * page - bytes);
                values.CopyTo(MemoryMarshal.CreateSpan(ref First, values.Length));
            }
            else
            {
                _managed = (float[])values.Clone();
            }
        }

        public ref float First => ref (_managed is null
            ? ref Unsafe.AddByteOffset(ref Unsafe.NullRef<float>(), _start)
            : ref MemoryMarshal.GetArrayDataReference(_managed));

        public float this[int index] => MemoryMarshal.CreateReadOnlySpan(ref First, _length)[index];

        public void Dispose()
        {
            if (_managed is null)
            {
                _ = Munmap(_mapping, _mappedBytes);
            }
        }

        private const int ProtNone = 0, ProtRead = 1, ProtWrite = 2, MapPrivate = 0x02, MapAnonymous = 0x20;

        [DllImport("libc", EntryPoint = "mmap")]
        private static extern nint Mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

        [DllImport("libc", EntryPoint = "mprotect")]
        private static extern int Mprotect(nint address, nuint length, int protection);

        [DllImport("libc", EntryPoint = "munmap")]
        private static extern int Munmap(nint address, nuint length);
    }

    /// <summary>One test case of an error kernel: m samples' z, a (padded rows) and their gathered target rows.</summary>
    private sealed record ErrorCase(int Count, int Stride, int[] Rows, float[] Z, float[] A, float[] Targets);

    private static IEnumerable<ErrorCase> ErrorCases(int count, Func<float[], float[]> activate, Func<Random, int, float[]> target, int seed)
    {
        var random = new Random(seed);
        const int TargetRows = 5;
        var targets = new float[TargetRows * count];
        for (int row = 0; row < TargetRows; row++)
        {
            target(random, row).CopyTo(targets, row * count);
        }
        // m = 1 first, then gathered rows in a scrambled order, the last target row included.
        int[][] rowSets = [[TargetRows - 1], [3, 0, 4, 4, 1, 2, 0]];
        foreach (int stride in new[] { count, (count + 15) / 16 * 16 + 16 })
        {
            foreach (int[] rows in rowSets)
            {
                Func<int, int, float>[] kinds =
                [
                    (s, k) => (float)((random.NextDouble() - 0.5) * 10),
                    (s, k) => (float)((random.NextDouble() - 0.5) * 2e30) * (s % 2 == 0 ? 1 : -1),
                    (s, k) => (float)(80 + random.NextDouble() * 25) * (k % 2 == 0 ? 1 : -1),
                    (s, k) => k == s % count ? 30f : (float)(random.NextDouble() - 0.5),
                    (s, k) => (k + s) % 3 * 2f, // ties at the maximum
                ];
                foreach (Func<int, int, float> kind in kinds)
                {
                    float[] z = PaddedRows(rows.Length, count, stride, kind);
                    float[] a = (float[])z.Clone();
                    for (int s = 0; s < rows.Length; s++)
                    {
                        activate(z.AsSpan(s * stride, count).ToArray()).CopyTo(a, s * stride);
                    }
                    yield return new ErrorCase(count, stride, rows, z, a, targets);
                }
            }
        }
    }

    /// <summary>Runs the kernel on a case and checks its δ and padding; returns the cost and a copy of δ.</summary>
    private static float RunErrorKernel(ErrorKernel kernel, ErrorCase c, GuardedTargets y, Func<int, int, double> expectedDelta, Func<int, int, double> deltaTolerance, string name)
    {
        const float Sentinel = 31.125f;
        var d = new float[c.Z.Length];
        Array.Fill(d, Sentinel);
        int[] rows = c.Rows;
        float cost = kernel(ref c.Z[0], ref c.A[0], ref y.First, ref rows[0], rows.Length, c.Count, c.Stride, ref d[0]);
        for (int s = 0; s < rows.Length; s++)
        {
            for (int k = 0; k < c.Stride; k++)
            {
                float actual = d[s * c.Stride + k];
                if (k < c.Count)
                {
                    AssertClose(expectedDelta(s, k), actual, 0, deltaTolerance(s, k), $"{name} δ, count {c.Count} stride {c.Stride} m {rows.Length} sample {s} lane {k}");
                }
                else
                {
                    AssertSameBits(Sentinel, actual, $"{name}: count {c.Count} stride {c.Stride} sample {s}: padding lane {k}");
                }
            }
        }
        return cost;
    }

    private static float[] OneHotOrFraction(Random random, int row, int count)
    {
        var y = new float[count];
        if (row % 2 == 0)
        {
            y[(row * 7) % count] = 1f;
        }
        else
        {
            for (int k = 0; k < count; k++)
            {
                y[k] = (float)random.NextDouble();
            }
        }
        return y;
    }

    private static float[] SigmoidRow(float[] z) => Array.ConvertAll(z, v => (float)Sigmoid(v));

    private static float[] SoftmaxRow(float[] z) => Array.ConvertAll(RefSoftmax(z), v => (float)v);

    public static TheoryData<int> ErrorCounts => new() { 1, 2, 3, 4, 5, 8, 10, 16, 17, 33, 40 };

    [Theory]
    [MemberData(nameof(ErrorCounts))]
    public void Sigmoid_cross_entropy_error_matches_double_math(int count)
    {
        foreach (ErrorCase c in ErrorCases(count, SigmoidRow, (random, row) => OneHotOrFraction(random, row, count), 61 + count))
        {
            using var y = new GuardedTargets(c.Targets);
            double Y(int s, int k) => y[c.Rows[s] * count + k];
            float cost = RunErrorKernel(Kernels.SigmoidCrossEntropyError, c, y,
                (s, k) => c.A[s * c.Stride + k] - Y(s, k),
                (s, k) => U * (Math.Abs(c.A[s * c.Stride + k]) + Math.Abs(Y(s, k))),
                "SigmoidCrossEntropyError");

            double expected = 0, magnitude = 0, products = 0;
            for (int s = 0; s < c.Rows.Length; s++)
            {
                for (int k = 0; k < count; k++)
                {
                    double z = c.Z[s * c.Stride + k], yk = Y(s, k);
                    double term = Math.Max(z, 0) - yk * z + Log1p(Math.Exp(-Math.Abs(z)));
                    expected += term;
                    magnitude += Math.Abs(term);
                    products += Math.Abs(yk * z);
                }
            }
            double tolerance = (count + 8) * U * magnitude + 4 * U * products + 1e-30;
            Assert.True(Math.Abs(cost - expected) <= tolerance,
                $"count {count} stride {c.Stride} m {c.Rows.Length}: expected {expected:R}, got {cost:R}");
        }
    }

    [Theory]
    [MemberData(nameof(ErrorCounts))]
    public void Quadratic_error_matches_double_math(int count)
    {
        Func<Random, int, float[]> target = (random, row) =>
        {
            var y = new float[count];
            for (int k = 0; k < count; k++)
            {
                y[k] = (float)(random.NextDouble() * 2 - 1);
            }
            return y;
        };
        foreach (ErrorCase c in ErrorCases(count, z => Array.ConvertAll(z, v => (float)Math.Tanh(v)), target, 67 + count))
        {
            using var y = new GuardedTargets(c.Targets);
            double Y(int s, int k) => y[c.Rows[s] * count + k];
            float cost = RunErrorKernel(Kernels.QuadraticError, c, y,
                (s, k) => c.A[s * c.Stride + k] - Y(s, k),
                (s, k) => U * (Math.Abs(c.A[s * c.Stride + k]) + Math.Abs(Y(s, k))),
                "QuadraticError");

            double expected = 0;
            for (int s = 0; s < c.Rows.Length; s++)
            {
                for (int k = 0; k < count; k++)
                {
                    double difference = c.A[s * c.Stride + k] - Y(s, k);
                    expected += 0.5 * difference * difference;
                }
            }
            Assert.True(Math.Abs(cost - expected) <= (count + 8) * 2 * U * expected + 1e-37,
                $"count {count} stride {c.Stride} m {c.Rows.Length}: expected {expected:R}, got {cost:R}");
        }
    }

    [Theory]
    [MemberData(nameof(ErrorCounts))]
    public void Softmax_log_likelihood_error_matches_double_math(int count)
    {
        // Even rows one-hot, odd rows random in [0, 1) that do not sum to 1.
        foreach (ErrorCase c in ErrorCases(count, SoftmaxRow, (random, row) => OneHotOrFraction(random, row, count), 71 + count))
        {
            using var y = new GuardedTargets(c.Targets);
            double Y(int s, int k) => y[c.Rows[s] * count + k];
            double TargetSum(int s)
            {
                double sum = 0;
                for (int k = 0; k < count; k++)
                {
                    sum += Y(s, k);
                }
                return sum;
            }
            float cost = RunErrorKernel(Kernels.SoftmaxLogLikelihoodError, c, y,
                (s, k) => TargetSum(s) * c.A[s * c.Stride + k] - Y(s, k),
                (s, k) => 2 * U * ((count + 2) * Math.Abs(TargetSum(s) * c.A[s * c.Stride + k]) + Math.Abs(Y(s, k))) + 1e-44,
                "SoftmaxLogLikelihoodError");

            double expected = 0, tolerance = 1e-30;
            for (int s = 0; s < c.Rows.Length; s++)
            {
                ReadOnlySpan<float> z = c.Z.AsSpan(s * c.Stride, count);
                double max = double.NegativeInfinity;
                foreach (float v in z)
                {
                    max = Math.Max(max, v);
                }
                // −Σ y ln a = Σ y (max − z) + (Σ y) ln S, S = Σ e^(z − max) = 1 + (the others), ln S by an accurate ln(1 + x).
                int first = z.IndexOf((float)max);
                double others = 0, othersSensitivity = 0, linear = 0;
                for (int k = 0; k < count; k++)
                {
                    linear += Y(s, k) * (max - z[k]);
                    if (k != first)
                    {
                        double e = Math.Exp(z[k] - max);
                        others += e;
                        othersSensitivity += e * (count + 8 + (max - z[k]));
                    }
                }
                double targetSum = TargetSum(s), logSum = Log1p(others);
                expected += linear + targetSum * logSum;
                tolerance += 2 * U * ((count + 4) * (Math.Abs(linear) + Math.Abs(targetSum) * logSum) + Math.Abs(targetSum) * othersSensitivity / (1 + others));
            }
            Assert.True(double.IsFinite(cost), $"count {count} stride {c.Stride}: cost {cost:R}");
            Assert.True(Math.Abs(cost - expected) <= tolerance,
                $"count {count} stride {c.Stride} m {c.Rows.Length}: expected {expected:R}, got {cost:R} (tolerance {tolerance:E3})");
        }
    }

    [Fact]
    public void Log_likelihood_keeps_its_relative_accuracy_when_confident()
    {
        // The label's logit 30 above nine zeros: C = ln(1 + 9e^−30) ≈ 8.4e−13, which ln of a float sum would lose.
        var z = new float[16];
        z[3] = 30f;
        float[] a = SoftmaxRow(z[..10]);
        Array.Resize(ref a, 16);
        var y = new float[10];
        y[3] = 1f;
        int[] rows = [0];
        var d = new float[16];
        float cost = Kernels.SoftmaxLogLikelihoodError(ref z[0], ref a[0], ref y[0], ref rows[0], 1, 10, 16, ref d[0]);
        double expected = Log1p(9 * Math.Exp(-30));
        AssertClose(expected, cost, 1e-5, 0, "confident log-likelihood");
    }

    [Fact]
    public void Error_kernels_of_no_samples_return_zero_and_write_nothing()
    {
        var z = new float[16];
        var y = new float[10];
        int[] rows = [0];
        var d = new float[16];
        Array.Fill(d, 5f);
        Assert.Equal(0f, Kernels.SigmoidCrossEntropyError(ref z[0], ref z[0], ref y[0], ref rows[0], 0, 10, 16, ref d[0]));
        Assert.Equal(0f, Kernels.QuadraticError(ref z[0], ref z[0], ref y[0], ref rows[0], 0, 10, 16, ref d[0]));
        Assert.Equal(0f, Kernels.SoftmaxLogLikelihoodError(ref z[0], ref z[0], ref y[0], ref rows[0], 0, 10, 16, ref d[0]));
        Assert.All(d, v => Assert.Equal(5f, v));
    }
}
