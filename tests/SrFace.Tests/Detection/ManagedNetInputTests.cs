using SrFace.Detection;
using SrFace.Imaging;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SrFace.Tests.Detection;

/// <summary>face-api's network inputs in managed code (<see cref="ManagedNetInput"/>) against the TorchSharp ones (<see cref="NetInput"/>).</summary>
[Collection(TorchCollection.Name)]
public sealed class ManagedNetInputTests(ITestOutputHelper output)
{
    private static double MaxAbs(Tensor a, float[] b) => a.contiguous().data<float>().ToArray().Zip(b).Max(p => Math.Abs((double)p.First - p.Second));

    [Fact]
    public void Padded_resized_inputs_equal_the_torchsharp_ones()
    {
        using var scope = NewDisposeScope();
        var (torch, managed) = DetectionModels.ReadBoth("lfw/lfw-deepfunneled/George_W_Bush/George_W_Bush_0001.jpg");
        // A non-square photo (bottom padding for the detectors) and non-square crops (centred padding for the landmark net).
        var wide = torch.narrow(1, 20, 180);
        var wideManaged = new PlanarImage(wide.contiguous().data<float>().ToArray(), 3, 180, 250);
        double worst = 0;
        foreach (var size in new[] { 416, 512, 1280, 128 })
        {
            var (t, rw, rh) = NetInput.ToBatch(wide, size, centre: false);
            var (m, mw, mh) = ManagedNetInput.ToBatch(wideManaged, size);
            Assert.Equal((rw, rh), (mw, mh));
            worst = Math.Max(worst, MaxAbs(t, m));
        }
        foreach (var crop in new[] { (60, 70, 130, 120), (10, 30, 90, 200), (0, 0, 250, 250), (5, 7, 1, 3) })
        {
            var region = torch.narrow(1, crop.Item2, crop.Item4).narrow(2, crop.Item1, crop.Item3);
            worst = Math.Max(worst, MaxAbs(NetInput.ToBatch(region, FaceLandmark68Net.InputSize, centre: true).Batch, ManagedNetInput.CropToInput(managed, crop, FaceLandmark68Net.InputSize)));
        }
        output.WriteLine($"max |managed - TorchSharp| network input = {worst:E2}");
        Assert.Equal(0.0, worst);      // the same taps and the same float32 operations in the same order
    }

    [Fact]
    public void Downscaling_equals_torchsharps_antialiased_bilinear_resize()
    {
        using var scope = NewDisposeScope();
        var (torch, managed) = DetectionModels.ReadBoth("lfw/lfw-deepfunneled/Tony_Blair/Tony_Blair_0002.jpg");
        double worst = 0;
        foreach (var (h, w) in new[] { (128, 128), (97, 61), (249, 200) })
        {
            var t = nn.functional.interpolate(torch.unsqueeze(0), [h, w], mode: InterpolationMode.Bilinear, align_corners: false, antialias: true);
            worst = Math.Max(worst, MaxAbs(t, ManagedNetInput.Downscale(managed, h, w).Pixels));
        }
        output.WriteLine($"max |managed - TorchSharp| antialiased bilinear downscale = {worst:E2}");
        Assert.True(worst < 1e-5, $"downscaled images differ by {worst:E2}");
    }
}
