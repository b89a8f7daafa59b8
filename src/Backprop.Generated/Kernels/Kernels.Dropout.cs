using System.Runtime.CompilerServices;

namespace Backprop;

// Inverted dropout's masks. Whether a value is kept is a hash of the step's key, the layer, the sample's row in the data
// set and the value's place: nothing is drawn from a stream, so a mini-batch split across threads, or its error pass
// after its forward pass, sees the same masks, and a seeded session the same masks on every run and machine.
public static partial class Kernels
{
    /// <summary>The key of a training step's dropout masks: the session's seed and the step's number, mixed.</summary>
    public static ulong DropoutKey(int seed, long step) => Mix(unchecked(((ulong)(uint)seed << 32) ^ (ulong)step * 0x9E3779B97F4A7C15UL));

    /// <summary>
    /// The threshold that keeps a value with probability 1 − <paramref name="rate"/>: a value is kept when the top 24 bits of
    /// its hash are at least round(rate · 2^24).
    /// </summary>
    public static uint DropoutThreshold(double rate) => (uint)System.Math.Round(rate * (1 << 24));

    /// <summary>Whether dropout keeps value <paramref name="index"/> of sample row <paramref name="row"/> in layer <paramref name="layer"/> under <paramref name="key"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool DropoutKeeps(ulong key, int layer, int row, nint index, uint threshold)
    {
        ulong h = unchecked(key + (ulong)(uint)layer * 0xD1B54A32D192ED03UL + (ulong)(uint)row * 0x8CB92BA72F3D8DD7UL + (ulong)index * 0x9E3779B97F4A7C15UL);
        return (uint)(Mix(h) >> 40) >= threshold;
    }

    /// <summary>target[k] = source[k] · scale where dropout keeps value k, 0 where it drops it, for k in [0, <paramref name="count"/>).</summary>
    public static void Dropout(ulong key, int layer, int row, ref float source, ref float target, nint count, uint threshold, float scale)
    {
        for (nint k = 0; k < count; k++)
        {
            Unsafe.Add(ref target, k) = DropoutKeeps(key, layer, row, k, threshold) ? Unsafe.Add(ref source, k) * scale : 0f;
        }
    }

    /// <summary>The SplitMix64 finaliser: every bit of the result depends on every bit of <paramref name="h"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix(ulong h)
    {
        unchecked
        {
            h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9UL;
            h = (h ^ (h >> 27)) * 0x94D049BB133111EBUL;
            return h ^ (h >> 31);
        }
    }
}
