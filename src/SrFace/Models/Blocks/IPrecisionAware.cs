using SrFace.Runtime;
using TorchSharp;

namespace SrFace.Models.Blocks;

/// <summary>
/// A module whose convolutions / linear layers compute in a selectable <see cref="ComputePrecision"/>. Setting
/// <see cref="Precision"/> on a model propagates it to every precision-aware block below it
/// (see <see cref="PrecisionPropagation.Propagate"/>).
/// </summary>
public interface IPrecisionAware
{
    /// <summary>Number format used inside <c>forward</c>; parameters always stay float32.</summary>
    ComputePrecision Precision { get; set; }
}

/// <summary>Pushes a <see cref="ComputePrecision"/> down a module tree.</summary>
public static class PrecisionPropagation
{
    /// <summary>
    /// Sets <paramref name="precision"/> on every <see cref="IPrecisionAware"/> descendant of <paramref name="root"/>
    /// (the root itself excluded, so a model may call this from its own <c>Precision</c> setter).
    /// </summary>
    /// <param name="root">The module whose descendants are updated.</param>
    /// <param name="precision">The precision to set.</param>
    public static void Propagate(torch.nn.Module root, ComputePrecision precision)
    {
        foreach (var module in root.modules())
        {
            if (!ReferenceEquals(module, root) && module is IPrecisionAware aware) aware.Precision = precision;
        }
    }

    /// <summary>
    /// Casts a tensor to the dtype a block computes in: bfloat16 under <see cref="ComputePrecision.BFloat16"/>,
    /// float32 otherwise. Always returns a new handle, which the caller may dispose.
    /// </summary>
    /// <param name="x">Any floating tensor; not disposed.</param>
    /// <param name="precision">The block's precision.</param>
    public static torch.Tensor ToCompute(torch.Tensor x, ComputePrecision precision) =>
        x.to(precision == ComputePrecision.BFloat16 ? torch.bfloat16 : torch.float32);
}
