using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Backprop;

/// <summary>
/// Storage for large data sets, laid out for training: on Linux, the array's interior is aligned to
/// 2 MB and offered to the kernel as transparent huge pages (madvise), before anything is written to
/// it. Shuffled mini-batches read rows scattered through hundreds of megabytes; with 4 KB pages every
/// row costs TLB misses that the prefetches cannot hide (measured: about 7 % of a 784-30-10 epoch).
/// Elsewhere, or when the kernel declines, it is an ordinary array.
/// </summary>
internal static unsafe partial class InputStorage
{
    private const int HugePage = 2 << 20;
    private const int MadviseHugePage = 14; // MADV_HUGEPAGE

    /// <summary>
    /// An array holding at least <paramref name="length"/> floats from <paramref name="offset"/> on:
    /// uninitialised, pinned, huge-page backed where possible.
    /// </summary>
    public static float[] Allocate(long length, out int offset)
    {
        if (length < 2L * HugePage / sizeof(float) || !OperatingSystem.IsLinux())
        {
            offset = 0;
            return new float[checked((int)length)];
        }

        float[] array = GC.AllocateUninitializedArray<float>(checked((int)length + HugePage / sizeof(float)), pinned: true);
        nuint start = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        nuint aligned = (start + HugePage - 1) & ~(nuint)(HugePage - 1);
        offset = (int)((aligned - start) / sizeof(float));
        nuint bytes = (nuint)length * sizeof(float) & ~(nuint)(HugePage - 1);
        try
        {
            // Only a hint: a kernel without transparent huge pages answers EINVAL, which changes nothing.
            _ = Madvise((void*)aligned, bytes, MadviseHugePage);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // No libc madvise: keep the ordinary pages.
        }
        return array;
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(void* address, nuint length, int advice);
}
