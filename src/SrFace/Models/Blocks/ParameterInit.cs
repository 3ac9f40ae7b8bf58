using TorchSharp;
using static TorchSharp.torch;

namespace SrFace.Models.Blocks;

/// <summary>Weight initialisers shared by the precision-aware blocks and the models.</summary>
public static class ParameterInit
{
    /// <summary>
    /// PyTorch's default for Conv/Linear (<c>reset_parameters</c>): weight Kaiming-uniform with a = sqrt(5), i.e.
    /// U(-1/sqrt(fanIn), 1/sqrt(fanIn)), and bias U(-1/sqrt(fanIn), 1/sqrt(fanIn)).
    /// </summary>
    /// <param name="weight">Weight to fill in place.</param>
    /// <param name="bias">Bias to fill in place, or null.</param>
    /// <param name="fanIn">Inputs per output unit.</param>
    public static void ResetLikePyTorch(Tensor weight, Tensor? bias, long fanIn)
    {
        using var _ = no_grad();
        double bound = 1.0 / Math.Sqrt(fanIn);
        weight.uniform_(-bound, bound);
        bias?.uniform_(-bound, bound);
    }

    /// <summary>Fills <paramref name="weight"/> from N(0, std^2) and zeroes <paramref name="bias"/> (Gaussian init of SRCNN/FSRCNN, insightface).</summary>
    /// <param name="weight">Weight to fill in place.</param>
    /// <param name="bias">Bias to zero in place, or null.</param>
    /// <param name="std">Standard deviation.</param>
    public static void Gaussian(Tensor weight, Tensor? bias, double std)
    {
        using var _ = no_grad();
        weight.normal_(0, std);
        bias?.zero_();
    }

    /// <summary>
    /// He (Kaiming) normal initialisation for a layer followed by ReLU: weight from N(0, 2 / fanIn), bias zero (He, Zhang,
    /// Ren, Sun, "Delving Deep into Rectifiers", ICCV 2015; the initialisation VDSR uses). Keeps the activations' variance
    /// through a deep ReLU stack, where PyTorch's default (variance 1 / (3 fanIn)) shrinks it by about 6x per layer.
    /// </summary>
    /// <param name="weight">Weight to fill in place.</param>
    /// <param name="bias">Bias to zero in place, or null.</param>
    /// <param name="fanIn">Inputs per output unit (in channels x kernel area for a convolution).</param>
    public static void HeNormal(Tensor weight, Tensor? bias, long fanIn) => Gaussian(weight, bias, Math.Sqrt(2.0 / fanIn));

    /// <summary>
    /// Multiplies <paramref name="weight"/> by <paramref name="factor"/> and zeroes <paramref name="bias"/>: a last layer
    /// that starts near zero, so a residual model starts close to its skip path (e.g. bicubic upsampling).
    /// </summary>
    /// <param name="weight">Weight to scale in place.</param>
    /// <param name="bias">Bias to zero in place, or null.</param>
    /// <param name="factor">Scale factor, typically 0.1.</param>
    public static void Shrink(Tensor weight, Tensor? bias, double factor)
    {
        using var _ = no_grad();
        weight.mul_(factor);
        bias?.zero_();
    }
}
