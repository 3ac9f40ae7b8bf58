using Microsoft.ML.OnnxRuntime;

namespace SrFace.Export;

/// <summary>The ONNX Runtime session options of every SrFace session (cascades, the face detector, the benchmarks' roofline).</summary>
internal static class OnnxSessionSettings
{
    /// <summary>
    /// Every graph optimisation (constant folding, Conv + activation fusion, and on x86 the blocked NCHWc layouts of
    /// the MLAS convolutions) and one intra-op thread per core unless <paramref name="threads"/> is given.
    /// </summary>
    /// <param name="threads">Intra-op threads, or null for <see cref="Environment.ProcessorCount"/>.</param>
    /// <returns>New options; the caller disposes them.</returns>
    public static SessionOptions Create(int? threads = null) =>
        new() { IntraOpNumThreads = threads ?? Environment.ProcessorCount, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
}
