using SkiaSharp;
using SrFace.Tests.Imaging;

namespace SrFace.Tests.Cli;

/// <summary>
/// Photos made by the tests from real LFW faces, written to temporary folders only (never into the repository): a
/// small, tilted face in a 1280x720 scene stored with EXIF orientation 6, two faces side by side, a blank image.
/// </summary>
internal static class FacePhotos
{
    /// <summary>The LFW deep-funneled image <c>person_NNNN.jpg</c>.</summary>
    public static string Lfw(string person, int n) => Path.Combine(TestData.LfwImages, person, $"{person}_{n:0000}.jpg");

    /// <summary>
    /// A 1280x720 scene with the face of <paramref name="lfwImage"/> about <paramref name="faceWidth"/> px wide, turned
    /// <paramref name="degrees"/> clockwise, centred at <paramref name="centre"/> (upright pixels), stored as a phone held
    /// upright stores it: pixels turned 90 degrees anticlockwise (720x1280) and EXIF orientation 6.
    /// </summary>
    /// <returns>The JPEG file.</returns>
    public static string SmallTiltedFaceExif6(string folder, string lfwImage, int faceWidth, float degrees, SKPoint centre)
    {
        using var upright = new SKBitmap(1280, 720);
        using (var canvas = new SKCanvas(upright))
        {
            Background(canvas, 1280, 720);
            Paste(canvas, lfwImage, centre, faceWidth, degrees);
        }
        using var stored = new SKBitmap(720, 1280);
        using (var canvas = new SKCanvas(stored))
        {
            canvas.Translate(0, 1280);
            canvas.RotateDegrees(-90);                      // upright (x, y) -> stored (y, 1280 - x); EXIF 6 turns it back
            canvas.DrawBitmap(upright, 0, 0);
        }
        return Save(folder, "tilted-small-face-exif6.jpg", ExifJpeg.WithOrientation(Jpeg(stored), 6));
    }

    /// <summary>An 800x400 scene with two faces side by side: <paramref name="larger"/> on the left (about 130 px wide), <paramref name="smaller"/> on the right (about 85 px).</summary>
    /// <returns>The JPEG file.</returns>
    public static string TwoFaces(string folder, string larger, string smaller)
    {
        using var bitmap = new SKBitmap(800, 400);
        using (var canvas = new SKCanvas(bitmap))
        {
            Background(canvas, 800, 400);
            Paste(canvas, larger, new SKPoint(230, 200), 130, 0);
            Paste(canvas, smaller, new SKPoint(580, 200), 85, 0);
        }
        return Save(folder, "two-faces.jpg", Jpeg(bitmap));
    }

    /// <summary>A 640x480 image with no face: a smooth grey-blue gradient.</summary>
    /// <returns>The JPEG file.</returns>
    public static string Blank(string folder)
    {
        using var bitmap = new SKBitmap(640, 480);
        using (var canvas = new SKCanvas(bitmap)) Background(canvas, 640, 480);
        return Save(folder, "blank.jpg", Jpeg(bitmap));
    }

    /// <summary>A wall-like gradient (no texture that looks like a face).</summary>
    private static void Background(SKCanvas canvas, int width, int height)
    {
        using var shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(width, height),
            [new SKColor(150, 160, 175), new SKColor(95, 105, 120)], SKShaderTileMode.Clamp);
        using var paint = new SKPaint { Shader = shader };
        canvas.DrawRect(0, 0, width, height, paint);
    }

    /// <summary>
    /// Draws the centred 150 px of an LFW photo (the face fills about 60 % of it) scaled so the face is about
    /// <paramref name="faceWidth"/> px wide, turned <paramref name="degrees"/> clockwise about <paramref name="centre"/>.
    /// </summary>
    private static void Paste(SKCanvas canvas, string lfwImage, SKPoint centre, int faceWidth, float degrees)
    {
        using var face = SKBitmap.Decode(lfwImage) ?? throw new InvalidDataException($"Cannot decode {lfwImage}.");
        var side = faceWidth / 0.6f;
        using var image = SKImage.FromBitmap(face);
        canvas.Save();
        canvas.Translate(centre.X, centre.Y);
        canvas.RotateDegrees(degrees);
        canvas.DrawImage(image, SKRect.Create(50, 50, 150, 150), SKRect.Create(-side / 2, -side / 2, side, side),
            new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear), null);
        canvas.Restore();
    }

    private static byte[] Jpeg(SKBitmap bitmap)
    {
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 92);
        return data.ToArray();
    }

    private static string Save(string folder, string name, byte[] bytes)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
