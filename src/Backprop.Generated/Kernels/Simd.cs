using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Backprop;

/// <summary>
/// One vector width as a type: the operations the runtime's kernels need, over <typeparamref name="TVector"/>
/// (<see cref="Vector128{T}"/>, <see cref="Vector256{T}"/> or <see cref="Vector512{T}"/> of float). A kernel is written
/// once as a generic method over <c>TSimd : struct, ISimd&lt;TVector&gt;</c> and the JIT compiles one copy per width
/// with every call inlined (a struct type argument is never shared), exactly as if it had been written three times.
/// .NET 8 has no interface over the three vector types to do this with, hence this one.
/// </summary>
/// <remarks>
/// Each member is the same operation of the width's own static class (<c>Vector512.Floor</c>, …), so a kernel written
/// over <see cref="ISimd{TVector}"/> computes the same bits as the hand-written copies it replaced.
/// </remarks>
internal interface ISimd<TVector> where TVector : struct
{
    /// <summary>Floats per vector.</summary>
    static abstract int Count { get; }

    /// <summary>Whether the hardware accelerates this width (a JIT-time constant).</summary>
    static abstract bool IsHardwareAccelerated { get; }

    static abstract TVector Zero { get; }

    static abstract TVector One { get; }

    static abstract TVector AllBitsSet { get; }

    /// <summary>0, 1, 2, … lane by lane (<c>Vector512&lt;float&gt;.Indices</c> of .NET 9).</summary>
    static abstract TVector Indices { get; }

    static abstract TVector Create(float value);

    static abstract TVector Load(ref float source, nuint offset);

    static abstract void Store(TVector value, ref float target, nuint offset);

    static abstract TVector Add(TVector left, TVector right);

    static abstract TVector Subtract(TVector left, TVector right);

    static abstract TVector Multiply(TVector left, TVector right);

    static abstract TVector Divide(TVector left, TVector right);

    static abstract TVector Negate(TVector value);

    /// <summary>a · b + c with one rounding where the hardware has FMA (see <see cref="Kernels.MultiplyAdd(Vector512{float}, Vector512{float}, Vector512{float})"/>).</summary>
    static abstract TVector MultiplyAdd(TVector a, TVector b, TVector c);

    static abstract TVector Sqrt(TVector value);

    static abstract TVector Abs(TVector value);

    static abstract TVector Floor(TVector value);

    static abstract TVector Min(TVector left, TVector right);

    static abstract TVector Max(TVector left, TVector right);

    /// <summary>
    /// <see cref="Max"/>(value, 0) with the zero written into the call, as the JIT must see it to compile Max against a
    /// constant (shorter than against a variable, whose NaN and signed zeros it must sort out).
    /// </summary>
    static abstract TVector MaxZero(TVector value);

    /// <summary>The clamp of e^x's argument: MinNative/MaxNative on .NET 9 and later, Min/Max before.</summary>
    static abstract TVector Clamp(TVector value, TVector low, TVector high);

    static abstract TVector GreaterThan(TVector left, TVector right);

    static abstract TVector GreaterThanOrEqual(TVector left, TVector right);

    static abstract TVector LessThan(TVector left, TVector right);

    static abstract TVector LessThanOrEqual(TVector left, TVector right);

    static abstract TVector Equal(TVector left, TVector right);

    static abstract TVector And(TVector left, TVector right);

    static abstract TVector Or(TVector left, TVector right);

    static abstract TVector AndNot(TVector left, TVector right);

    static abstract TVector ConditionalSelect(TVector mask, TVector whenTrue, TVector whenFalse);

    // Compound operations, each the same roundings as its parts written out (no fused multiply-add). They exist for the
    // updates the generated kernels inline at up to 20 places each: every wrapper inlined there costs the JIT a local,
    // and past its limit it stops inlining (measured with Adam written in single operations: 1.85× the time of an
    // epoch). Fewer, larger operations keep those inlines within the limit.

    // The scalars come by reference, so that the JIT broadcasts each straight from where it lies (vbroadcastss with a
    // memory operand) instead of loading it into a register first at every inlined place.

    /// <summary>a · s, s broadcast.</summary>
    static abstract TVector Scale(TVector a, in float s);

    /// <summary>a · s + b, rounded after the product and after the sum.</summary>
    static abstract TVector ScaleAdd(TVector a, in float s, TVector b);

    /// <summary>a · s + t, t broadcast, rounded after the product and after the sum.</summary>
    static abstract TVector ScaleAdd(TVector a, in float s, in float t);

    /// <summary>a · s + b · t, each product and the sum rounded.</summary>
    static abstract TVector Scale2Add(TVector a, in float s, TVector b, in float t);

    /// <summary>Stores <paramref name="value"/> in the lanes of <paramref name="mask"/> and <paramref name="old"/> in the others.</summary>
    static abstract void StoreSelected(TVector mask, TVector value, TVector old, ref float target);

    /// <summary>2^n for integral n in float lanes (n + 127 placed in the exponent bits): the scale of e^x = 2^n · p(r).</summary>
    static abstract TVector PowerOfTwo(TVector n);

    static abstract float Sum(TVector value);

    /// <summary>The largest lane: the upper half's lanes against the lower's, down to 128 bits, then two shuffles.</summary>
    static abstract float MaxAcross(TVector value);

    /// <summary>How many lanes of <paramref name="mask"/> (a comparison's result) have their sign bit set.</summary>
    static abstract int PopCount(TVector mask);
}

/// <summary>128-bit vectors: SSE on x64, AdvSimd on Arm64.</summary>
internal readonly struct Simd128 : ISimd<Vector128<float>>
{
    public static int Count => Vector128<float>.Count;
    public static bool IsHardwareAccelerated => Vector128.IsHardwareAccelerated;
    public static Vector128<float> Zero => Vector128<float>.Zero;
    public static Vector128<float> One => Vector128<float>.One;
    public static Vector128<float> AllBitsSet => Vector128<float>.AllBitsSet;
    public static Vector128<float> Indices { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => Vector128.Create(0f, 1f, 2f, 3f); }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Create(float value) => Vector128.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Load(ref float source, nuint offset) => Vector128.LoadUnsafe(ref source, offset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector128<float> value, ref float target, nuint offset) => Vector128.StoreUnsafe(value, ref target, offset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Add(Vector128<float> left, Vector128<float> right) => left + right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Subtract(Vector128<float> left, Vector128<float> right) => left - right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Multiply(Vector128<float> left, Vector128<float> right) => left * right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Divide(Vector128<float> left, Vector128<float> right) => left / right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Negate(Vector128<float> value) => -value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => Kernels.MultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Sqrt(Vector128<float> value) => Vector128.Sqrt(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Abs(Vector128<float> value) => Vector128.Abs(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Floor(Vector128<float> value) => Vector128.Floor(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Min(Vector128<float> left, Vector128<float> right) => Vector128.Min(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Max(Vector128<float> left, Vector128<float> right) => Vector128.Max(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> MaxZero(Vector128<float> value) => Vector128.Max(value, Vector128<float>.Zero);
#if NET9_0_OR_GREATER
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Clamp(Vector128<float> value, Vector128<float> low, Vector128<float> high) => Vector128.MinNative(high, Vector128.MaxNative(low, value));
#else
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Clamp(Vector128<float> value, Vector128<float> low, Vector128<float> high) => Vector128.Min(high, Vector128.Max(low, value));
#endif
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> GreaterThan(Vector128<float> left, Vector128<float> right) => Vector128.GreaterThan(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> GreaterThanOrEqual(Vector128<float> left, Vector128<float> right) => Vector128.GreaterThanOrEqual(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> LessThan(Vector128<float> left, Vector128<float> right) => Vector128.LessThan(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> LessThanOrEqual(Vector128<float> left, Vector128<float> right) => Vector128.LessThanOrEqual(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Equal(Vector128<float> left, Vector128<float> right) => Vector128.Equals(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> And(Vector128<float> left, Vector128<float> right) => left & right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Or(Vector128<float> left, Vector128<float> right) => left | right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> AndNot(Vector128<float> left, Vector128<float> right) => Vector128.AndNot(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> ConditionalSelect(Vector128<float> mask, Vector128<float> whenTrue, Vector128<float> whenFalse) => Vector128.ConditionalSelect(mask, whenTrue, whenFalse);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Scale(Vector128<float> a, in float s) => a * Vector128.Create(s);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> ScaleAdd(Vector128<float> a, in float s, Vector128<float> b) => a * Vector128.Create(s) + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> ScaleAdd(Vector128<float> a, in float s, in float t) => a * Vector128.Create(s) + Vector128.Create(t);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Scale2Add(Vector128<float> a, in float s, Vector128<float> b, in float t) => a * Vector128.Create(s) + b * Vector128.Create(t);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void StoreSelected(Vector128<float> mask, Vector128<float> value, Vector128<float> old, ref float target) => Vector128.ConditionalSelect(mask, value, old).StoreUnsafe(ref target);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> PowerOfTwo(Vector128<float> n) => Vector128.ShiftLeft(Vector128.ConvertToInt32(n) + Vector128.Create(127), 23).AsSingle();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector128<float> value) => Vector128.Sum(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Vector128<float> value)
    {
        value = Vector128.Max(value, Vector128.Shuffle(value, Vector128.Create(2, 3, 0, 1)));
        value = Vector128.Max(value, Vector128.Shuffle(value, Vector128.Create(1, 0, 3, 2)));
        return value.ToScalar();
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static int PopCount(Vector128<float> mask) => BitOperations.PopCount(mask.ExtractMostSignificantBits());
}

/// <summary>256-bit vectors: AVX2 on x64.</summary>
internal readonly struct Simd256 : ISimd<Vector256<float>>
{
    public static int Count => Vector256<float>.Count;
    public static bool IsHardwareAccelerated => Vector256.IsHardwareAccelerated;
    public static Vector256<float> Zero => Vector256<float>.Zero;
    public static Vector256<float> One => Vector256<float>.One;
    public static Vector256<float> AllBitsSet => Vector256<float>.AllBitsSet;
    public static Vector256<float> Indices { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => Vector256.Create(0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f); }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Create(float value) => Vector256.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load(ref float source, nuint offset) => Vector256.LoadUnsafe(ref source, offset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<float> value, ref float target, nuint offset) => Vector256.StoreUnsafe(value, ref target, offset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Add(Vector256<float> left, Vector256<float> right) => left + right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Subtract(Vector256<float> left, Vector256<float> right) => left - right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Multiply(Vector256<float> left, Vector256<float> right) => left * right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Divide(Vector256<float> left, Vector256<float> right) => left / right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Negate(Vector256<float> value) => -value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Kernels.MultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Sqrt(Vector256<float> value) => Vector256.Sqrt(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Abs(Vector256<float> value) => Vector256.Abs(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Floor(Vector256<float> value) => Vector256.Floor(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Min(Vector256<float> left, Vector256<float> right) => Vector256.Min(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Max(Vector256<float> left, Vector256<float> right) => Vector256.Max(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> MaxZero(Vector256<float> value) => Vector256.Max(value, Vector256<float>.Zero);
#if NET9_0_OR_GREATER
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Clamp(Vector256<float> value, Vector256<float> low, Vector256<float> high) => Vector256.MinNative(high, Vector256.MaxNative(low, value));
#else
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Clamp(Vector256<float> value, Vector256<float> low, Vector256<float> high) => Vector256.Min(high, Vector256.Max(low, value));
#endif
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> GreaterThan(Vector256<float> left, Vector256<float> right) => Vector256.GreaterThan(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> GreaterThanOrEqual(Vector256<float> left, Vector256<float> right) => Vector256.GreaterThanOrEqual(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> LessThan(Vector256<float> left, Vector256<float> right) => Vector256.LessThan(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> LessThanOrEqual(Vector256<float> left, Vector256<float> right) => Vector256.LessThanOrEqual(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Equal(Vector256<float> left, Vector256<float> right) => Vector256.Equals(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> And(Vector256<float> left, Vector256<float> right) => left & right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Or(Vector256<float> left, Vector256<float> right) => left | right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> AndNot(Vector256<float> left, Vector256<float> right) => Vector256.AndNot(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> ConditionalSelect(Vector256<float> mask, Vector256<float> whenTrue, Vector256<float> whenFalse) => Vector256.ConditionalSelect(mask, whenTrue, whenFalse);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Scale(Vector256<float> a, in float s) => a * Vector256.Create(s);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> ScaleAdd(Vector256<float> a, in float s, Vector256<float> b) => a * Vector256.Create(s) + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> ScaleAdd(Vector256<float> a, in float s, in float t) => a * Vector256.Create(s) + Vector256.Create(t);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Scale2Add(Vector256<float> a, in float s, Vector256<float> b, in float t) => a * Vector256.Create(s) + b * Vector256.Create(t);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void StoreSelected(Vector256<float> mask, Vector256<float> value, Vector256<float> old, ref float target) => Vector256.ConditionalSelect(mask, value, old).StoreUnsafe(ref target);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> PowerOfTwo(Vector256<float> n) => Vector256.ShiftLeft(Vector256.ConvertToInt32(n) + Vector256.Create(127), 23).AsSingle();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector256<float> value) => Vector256.Sum(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float MaxAcross(Vector256<float> value) => Simd128.MaxAcross(Vector128.Max(value.GetLower(), value.GetUpper()));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static int PopCount(Vector256<float> mask) => BitOperations.PopCount(mask.ExtractMostSignificantBits());
}

/// <summary>512-bit vectors: AVX-512 on x64.</summary>
internal readonly struct Simd512 : ISimd<Vector512<float>>
{
    public static int Count => Vector512<float>.Count;
    public static bool IsHardwareAccelerated => Vector512.IsHardwareAccelerated;
    public static Vector512<float> Zero => Vector512<float>.Zero;
    public static Vector512<float> One => Vector512<float>.One;
    public static Vector512<float> AllBitsSet => Vector512<float>.AllBitsSet;
    public static Vector512<float> Indices { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => Vector512.Create(0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f, 10f, 11f, 12f, 13f, 14f, 15f); }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Create(float value) => Vector512.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Load(ref float source, nuint offset) => Vector512.LoadUnsafe(ref source, offset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<float> value, ref float target, nuint offset) => Vector512.StoreUnsafe(value, ref target, offset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Add(Vector512<float> left, Vector512<float> right) => left + right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Subtract(Vector512<float> left, Vector512<float> right) => left - right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Multiply(Vector512<float> left, Vector512<float> right) => left * right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Divide(Vector512<float> left, Vector512<float> right) => left / right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Negate(Vector512<float> value) => -value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Kernels.MultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Sqrt(Vector512<float> value) => Vector512.Sqrt(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Abs(Vector512<float> value) => Vector512.Abs(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Floor(Vector512<float> value) => Vector512.Floor(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Min(Vector512<float> left, Vector512<float> right) => Vector512.Min(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Max(Vector512<float> left, Vector512<float> right) => Vector512.Max(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> MaxZero(Vector512<float> value) => Vector512.Max(value, Vector512<float>.Zero);
#if NET9_0_OR_GREATER
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Clamp(Vector512<float> value, Vector512<float> low, Vector512<float> high) => Vector512.MinNative(high, Vector512.MaxNative(low, value));
#else
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Clamp(Vector512<float> value, Vector512<float> low, Vector512<float> high) => Vector512.Min(high, Vector512.Max(low, value));
#endif
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> GreaterThan(Vector512<float> left, Vector512<float> right) => Vector512.GreaterThan(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> GreaterThanOrEqual(Vector512<float> left, Vector512<float> right) => Vector512.GreaterThanOrEqual(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> LessThan(Vector512<float> left, Vector512<float> right) => Vector512.LessThan(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> LessThanOrEqual(Vector512<float> left, Vector512<float> right) => Vector512.LessThanOrEqual(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Equal(Vector512<float> left, Vector512<float> right) => Vector512.Equals(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> And(Vector512<float> left, Vector512<float> right) => left & right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Or(Vector512<float> left, Vector512<float> right) => left | right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> AndNot(Vector512<float> left, Vector512<float> right) => Vector512.AndNot(left, right);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> ConditionalSelect(Vector512<float> mask, Vector512<float> whenTrue, Vector512<float> whenFalse) => Vector512.ConditionalSelect(mask, whenTrue, whenFalse);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Scale(Vector512<float> a, in float s) => a * Vector512.Create(s);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> ScaleAdd(Vector512<float> a, in float s, Vector512<float> b) => a * Vector512.Create(s) + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> ScaleAdd(Vector512<float> a, in float s, in float t) => a * Vector512.Create(s) + Vector512.Create(t);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Scale2Add(Vector512<float> a, in float s, Vector512<float> b, in float t) => a * Vector512.Create(s) + b * Vector512.Create(t);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void StoreSelected(Vector512<float> mask, Vector512<float> value, Vector512<float> old, ref float target) => Vector512.ConditionalSelect(mask, value, old).StoreUnsafe(ref target);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> PowerOfTwo(Vector512<float> n) => Vector512.ShiftLeft(Vector512.ConvertToInt32(n) + Vector512.Create(127), 23).AsSingle();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector512<float> value) => Vector512.Sum(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float MaxAcross(Vector512<float> value) => Simd256.MaxAcross(Vector256.Max(value.GetLower(), value.GetUpper()));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static int PopCount(Vector512<float> mask) => BitOperations.PopCount(mask.ExtractMostSignificantBits());
}

/// <summary>The body of an element-wise loop: what to do with one vector of elements, or one element.</summary>
internal interface IVectorLoop
{
    /// <summary>Processes the <c>TSimd.Count</c> elements from <paramref name="index"/> on.</summary>
    void Vector<TSimd, TVector>(nuint index) where TSimd : struct, ISimd<TVector> where TVector : struct;

    /// <summary>Processes the element at <paramref name="index"/>.</summary>
    void Scalar(nuint index);
}

/// <summary>Runs an <see cref="IVectorLoop"/> over a range with the widest vectors the hardware accelerates, then scalars.</summary>
internal static class VectorLoop
{
    /// <summary>
    /// Calls <paramref name="body"/> for elements 0..<paramref name="count"/>: whole vectors of the widest accelerated
    /// width, then narrower ones, then single elements. Element-wise bodies without fused multiply-adds give the same
    /// bits at every width.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run<TBody>(ref TBody body, nuint count) where TBody : struct, IVectorLoop
    {
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            i = Run<TBody, Simd512, Vector512<float>>(ref body, i, count);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            i = Run<TBody, Simd256, Vector256<float>>(ref body, i, count);
        }
        if (Vector128.IsHardwareAccelerated)
        {
            i = Run<TBody, Simd128, Vector128<float>>(ref body, i, count);
        }
        for (; i < count; i++)
        {
            body.Scalar(i);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint Run<TBody, TSimd, TVector>(ref TBody body, nuint i, nuint count)
        where TBody : struct, IVectorLoop where TSimd : struct, ISimd<TVector> where TVector : struct
    {
        nuint width = (nuint)TSimd.Count;
        for (; i + width <= count; i += width)
        {
            body.Vector<TSimd, TVector>(i);
        }
        return i;
    }
}
