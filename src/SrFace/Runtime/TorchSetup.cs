using TorchSharp;

namespace SrFace.Runtime;

/// <summary>
/// One-time torch configuration for a process: intra-op threads = the core count (libtorch may otherwise pick a
/// different number inside containers), and freed native blocks kept for reuse (<see cref="NativeHeap.KeepFreedBlocks"/>).
/// Call once at start-up, before any tensor work.
/// </summary>
public static class TorchSetup
{
    private static readonly Lock Gate = new();
    private static int _threads;

    /// <summary>The intra-op thread count set by <see cref="Initialise"/>, or 0 before the first call.</summary>
    public static int Threads => _threads;

    /// <summary>
    /// Sets torch's intra-op threads. The first call sets them; later calls without a count are no-ops, later calls
    /// with a different explicit count change them (the inter-op pool is left alone: libtorch allows setting it only
    /// before first use).
    /// </summary>
    /// <param name="threads">Threads to use; default <see cref="Environment.ProcessorCount"/>.</param>
    /// <returns>The thread count in effect.</returns>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="threads"/> is under 1.</exception>
    public static int Initialise(int? threads = null)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), $"Torch threads must be at least 1; got {threads}.");
        lock (Gate)
        {
            NativeHeap.KeepFreedBlocks();
            if (_threads != 0 && (threads is null || threads == _threads)) return _threads;
            var count = threads ?? Environment.ProcessorCount;
            torch.set_num_threads(count);
            _threads = count;
            return count;
        }
    }
}
