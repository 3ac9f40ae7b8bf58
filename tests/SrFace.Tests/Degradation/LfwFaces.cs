using SkiaSharp;
using static TorchSharp.torch;

namespace SrFace.Tests.Degradation;

/// <summary>A few real LFW faces decoded with SkiaSharp (the project's image reader lives elsewhere) and a plain PSNR.</summary>
internal static class LfwFaces
{
    /// <summary>The first <paramref name="count"/> images of the alphabetically first people, as <c>[N, 3, 250, 250]</c> RGB in [0, 1].</summary>
    public static Tensor Load(int count)
    {
        var files = Directory.EnumerateDirectories(TestData.LfwImages).Order(StringComparer.Ordinal)
            .Select(d => Directory.EnumerateFiles(d, "*.jpg").Order(StringComparer.Ordinal).First()).Take(count).ToList();
        using var scope = NewDisposeScope();
        var images = files.Select(Decode).ToArray();
        return stack(images).MoveToOuterDisposeScope();
    }

    /// <summary>PSNR in dB over all pixels and channels, values in [0, 1], float64.</summary>
    public static double Psnr(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        var mse = (a.to(float64) - b.to(float64)).square().mean().item<double>();
        return 10 * Math.Log10(1 / mse);
    }

    private static Tensor Decode(string path)
    {
        using var codec = SKCodec.Create(path) ?? throw new InvalidDataException($"Cannot decode {path}.");
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        using var bitmap = SKBitmap.Decode(codec, info) ?? throw new InvalidDataException($"Cannot decode {path}.");
        var rgba = bitmap.GetPixelSpan().ToArray(); // rows are tightly packed for a freshly allocated bitmap
        using var hwc = tensor(rgba, [info.Height, info.Width, 4]);
        return hwc.narrow(2, 0, 3).permute(2, 0, 1).to(float32).div(255);
    }
}
