using Microsoft.AspNetCore.Http;
using SkiaSharp;

namespace SrFace.Server;

/// <summary>
/// Reads uploaded files and refuses what is not a usable image before any decoding: empty files, non-images (a ZIP
/// renamed .jpg), formats other than JPEG/PNG/PGM, and images above the pixel cap, judged from the header alone, so a
/// 50-megapixel PNG costs no pixel memory.
/// </summary>
internal static class UploadReader
{
    /// <summary>Reads and checks one form file.</summary>
    /// <exception cref="UploadRejectedException">When the file is empty, not an image, or above the pixel cap.</exception>
    public static async Task<Upload> ReadAsync(IFormFile? file, string field, long maxPixels, CancellationToken cancellationToken)
    {
        if (file is null) throw new UploadRejectedException(StatusCodes.Status400BadRequest, "Missing image", $"Send the image as the multipart form file '{field}'.");
        var label = "upload:" + SafeName(file.FileName);
        if (file.Length == 0) throw new UploadRejectedException(StatusCodes.Status400BadRequest, "Empty image", $"The file '{field}' ({label}) is empty.");
        using var buffer = new MemoryStream((int)file.Length);
        await file.CopyToAsync(buffer, cancellationToken);
        var bytes = buffer.ToArray();
        Inspect(bytes, label, maxPixels);
        return new Upload(bytes, label);
    }

    /// <summary>Checks the format and size from the header (no pixels are decoded).</summary>
    /// <exception cref="UploadRejectedException">415 for a non-image or another format, 413 above the pixel cap.</exception>
    public static void Inspect(byte[] bytes, string label, long maxPixels)
    {
        if (bytes.Length >= 2 && bytes[0] == 'P' && bytes[1] is (byte)'2' or (byte)'5') return; // PGM: the decoder checks its cap from the header
        using var data = SKData.CreateCopy(bytes);
        using var codec = SKCodec.Create(data);
        if (codec is null)
            throw new UploadRejectedException(StatusCodes.Status415UnsupportedMediaType, "Not an image", $"{label} is not a JPEG, PNG or PGM image.");
        if (codec.EncodedFormat is not (SKEncodedImageFormat.Jpeg or SKEncodedImageFormat.Png))
            throw new UploadRejectedException(StatusCodes.Status415UnsupportedMediaType, "Unsupported image format", $"{label} is {codec.EncodedFormat}; JPEG, PNG or PGM expected.");
        var pixels = (long)codec.Info.Width * codec.Info.Height;
        if (pixels > maxPixels)
            throw new UploadRejectedException(StatusCodes.Status413PayloadTooLarge, "Image too large",
                $"{label} is {codec.Info.Width}x{codec.Info.Height} = {pixels} pixels; the server accepts at most {maxPixels}.");
    }

    private static string SafeName(string? name)
    {
        var file = Path.GetFileName(name ?? "");
        var clean = new string(file.Where(ch => !char.IsControl(ch)).Take(100).ToArray());
        return clean.Length == 0 ? "image" : clean;
    }
}

/// <summary>An upload refused with a 4xx status and a problem body.</summary>
internal sealed class UploadRejectedException(int status, string title, string detail) : Exception(detail)
{
    /// <summary>HTTP status.</summary>
    public int Status { get; } = status;

    /// <summary>Problem title.</summary>
    public string Title { get; } = title;
}
