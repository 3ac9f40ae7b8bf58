using TorchSharp;
using static TorchSharp.torch;

namespace SrFace.Models.Blocks;

/// <summary>A layer whose compute-dtype kernels can be prepared once and kept for inference (<see cref="InferenceKernels"/>).</summary>
internal interface IInferenceKernels
{
    /// <summary>Whether kernels are kept between calls made with autograd off; setting it drops the kept ones.</summary>
    bool KernelsFrozen { get; set; }
}

/// <summary>
/// Kernels prepared once for inference. A precision-aware layer keeps float32 master weights and, on every call, casts
/// them to bfloat16 (and folds a following affine layer into them, <see cref="PrecisionConv2d.forward(Tensor, Tensor, Tensor)"/>):
/// right for training, where the weights change every step, but for one face at inference that preparation is a
/// sizeable share of the time (dlib-resnet's 29 kernels, about 5.6 M weights, every call). A model whose weights no
/// longer change (the models of a <see cref="Cascade.FaceRecognitionCascade"/>, which are copies made for inference)
/// is frozen: its layers then keep the prepared kernels of the last compute dtype and reuse them while autograd is off.
/// Calls with autograd on always prepare fresh kernels, so gradients are unaffected.
/// </summary>
internal static class InferenceKernels
{
    /// <summary>Freezes (or thaws) every layer of <paramref name="root"/> that can keep its kernels.</summary>
    /// <param name="root">A model; its own weights must not change while frozen (thaw first).</param>
    /// <param name="frozen">True to keep kernels, false to drop them and prepare them on every call again.</param>
    public static void Freeze(nn.Module root, bool frozen = true)
    {
        foreach (var module in root.modules().Prepend(root).Distinct())
        {
            if (module is IInferenceKernels layer) layer.KernelsFrozen = frozen;
        }
    }
}

/// <summary>
/// One layer's kept kernel and bias (see <see cref="InferenceKernels"/>), keyed by compute dtype and by how they were
/// made (folded or not), and guarded by a lock: a service may embed from several threads.
/// </summary>
internal sealed class KernelCache : IDisposable
{
    private readonly Lock _gate = new();
    private (ScalarType Dtype, bool Folded)? _key;
    private Tensor? _weight, _bias;
    private bool _frozen;

    /// <summary>See <see cref="IInferenceKernels.KernelsFrozen"/>.</summary>
    public bool Frozen
    {
        get => _frozen;
        set { lock (_gate) { _frozen = value; Drop(); } }
    }

    /// <summary>
    /// The kernels to compute with: the kept ones when frozen and autograd is off (made by <paramref name="make"/> on
    /// first use or when the key changes), else freshly made ones in the caller's dispose scope.
    /// </summary>
    /// <param name="dtype">Compute dtype.</param>
    /// <param name="folded">Whether the kernels absorb an affine layer (a layer called both ways keeps them apart).</param>
    /// <param name="make">Makes (kernel, bias) from the master weights in the caller's dispose scope.</param>
    /// <returns>Kernel and bias (null when the layer has none); the caller disposes neither.</returns>
    public (Tensor Weight, Tensor? Bias) Get(ScalarType dtype, bool folded, Func<(Tensor Weight, Tensor? Bias)> make)
    {
        if (!_frozen || is_grad_enabled()) return make();
        lock (_gate)
        {
            if (_weight is null || _key != (dtype, folded))
            {
                Drop();
                var (weight, bias) = make();
                (_weight, _bias, _key) = (weight.DetachFromDisposeScope(), bias?.DetachFromDisposeScope(), (dtype, folded));
            }
            return (_weight, _bias);
        }
    }

    /// <summary>Releases the kept kernels.</summary>
    public void Dispose()
    {
        lock (_gate) Drop();
    }

    private void Drop()
    {
        _weight?.Dispose();
        _bias?.Dispose();
        (_weight, _bias, _key) = (null, null, null);
    }
}
