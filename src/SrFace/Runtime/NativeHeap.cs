using System.Runtime.InteropServices;

namespace SrFace.Runtime;

/// <summary>
/// glibc's malloc settings for a process that runs libtorch: freed blocks stay in the process for the next allocation
/// instead of going back to the kernel. libtorch allocates and frees every layer's output (megabytes at 150 px) on
/// every call; with glibc's defaults, blocks above the mmap threshold are mapped and unmapped each time and the heap's
/// top is trimmed, so each convolution writes into fresh pages that the kernel must fault in and zero first. Measured
/// on the vdsr restorer's 32 -> 32 convolution (batch 16, 75 x 75, float32, one thread; oneDNN's own timing): 20.7 ms
/// with glibc's defaults, 15.5 ms with freed blocks kept, about what a PyTorch process gets (15.8 ms; docs/benchmarks.md,
/// "Freed blocks kept"). The cost is that the process keeps its peak heap: memory stays flat at the peak.
/// </summary>
public static class NativeHeap
{
    // mallopt parameters of glibc's malloc.h.
    private const int TrimThreshold = -1, MmapThreshold = -3;

    /// <summary>
    /// Blocks from this size up are still mapped apart and unmapped when freed: the largest threshold glibc accepts on
    /// 64-bit (half its 64 MiB heap size). Larger blocks (a batch of 64 faces at 112 px and more) stay out of the heap,
    /// which they would otherwise fragment and grow step after step.
    /// </summary>
    public const int MmapThresholdBytes = 32 * 1024 * 1024;

    private static readonly Lock Gate = new();
    private static bool? _kept;

    /// <summary>True once <see cref="KeepFreedBlocks"/> has applied the settings.</summary>
    public static bool FreedBlocksKept => _kept == true;

    /// <summary>
    /// Sets glibc's <c>M_MMAP_THRESHOLD</c> to <see cref="MmapThresholdBytes"/> (fixed: blocks below it come from the
    /// heap) and <c>M_TRIM_THRESHOLD</c> to its largest value (the heap is never trimmed), once per process; later calls
    /// return the first call's result.
    /// Call it at start-up, before large tensors are allocated (<see cref="TorchSetup.Initialise"/> does).
    /// </summary>
    /// <returns>True when glibc accepted both settings; false on other operating systems or C libraries (nothing changes there).</returns>
    public static bool KeepFreedBlocks()
    {
        lock (Gate)
        {
            _kept ??= OperatingSystem.IsLinux() && TrySet(MmapThreshold, MmapThresholdBytes) && TrySet(TrimThreshold, int.MaxValue);
            return _kept.Value;
        }
    }

    private static bool TrySet(int parameter, int value)
    {
        try
        {
            return mallopt(parameter, value) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false; // not glibc (e.g. musl without mallopt): the C library's defaults stay
        }
    }

    // glibc by its soname: "libc" alone may resolve to the linker script libc.so of a -dev package.
    [DllImport("libc.so.6", ExactSpelling = true)]
    private static extern int mallopt(int param, int value);
}
