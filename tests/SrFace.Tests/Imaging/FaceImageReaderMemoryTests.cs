using SkiaSharp;
using SrFace.Imaging;
using static TorchSharp.torch;

namespace SrFace.Tests.Imaging;

/// <summary>
/// The peak memory of reading an image at the pixel cap, measured as the process's peak resident set (VmHWM, reset
/// through <c>/proc/self/clear_refs</c> just before the read): it must stay near the 16 bytes per pixel the cap's
/// comment promises.
/// </summary>
[Collection(TorchCollection.Name)]
public class FaceImageReaderMemoryTests
{
    [Fact]
    public void Reading_an_image_at_the_cap_peaks_near_16_bytes_per_pixel()
    {
        var side = (int)Math.Sqrt(FaceImageReader.DefaultMaxPixels); // 5000 x 5000 = the cap
        var path = Path.Combine(TestData.NewTempDir(), "at-cap.png");
        using (var bitmap = new SKBitmap(side, side, SKColorType.Rgba8888, SKAlphaType.Unpremul))
        {
            using (var canvas = new SKCanvas(bitmap))
            using (var paint = new SKPaint { Shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(side, side), [SKColors.Black, SKColors.White], SKShaderTileMode.Clamp) })
                canvas.DrawRect(0, 0, side, side, paint);
            using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
            using var file = File.Create(path);
            data.SaveTo(file);
        }
        var reader = new FaceImageReader();
        using (NewDisposeScope()) reader.Read(Path.Combine(TestData.LfwImages, "Aaron_Peirsol", "Aaron_Peirsol_0001.jpg")); // warm up
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        File.WriteAllText("/proc/self/clear_refs", "5"); // resets VmHWM to the current resident set
        var before = StatusKb("VmRSS");
        using (NewDisposeScope())
        {
            var image = reader.Read(path);
            Assert.Equal(new long[] { 3, side, side }, image.shape);
        }
        var peakBytes = (StatusKb("VmHWM") - before) * 1024.0;
        var perPixel = peakBytes / ((double)side * side);
        // 4 bytes RGBA + 12 bytes float32 RGB; the old code (a managed float copy too) peaked at about 27 per pixel.
        Assert.True(perPixel < 20, $"reading {side}x{side} peaked {peakBytes / 1e6:F0} MB above rest ({perPixel:F1} bytes/pixel)");
        Assert.True(perPixel > 10, $"implausibly low peak {perPixel:F1} bytes/pixel: was the image decoded?");
    }

    private static long StatusKb(string key) =>
        long.Parse(File.ReadAllLines("/proc/self/status").First(l => l.StartsWith(key + ":", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
}
