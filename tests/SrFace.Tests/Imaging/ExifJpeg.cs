namespace SrFace.Tests.Imaging;

/// <summary>Writes the EXIF orientation tag into a JPEG made by a test, as cameras and phones store it.</summary>
internal static class ExifJpeg
{
    /// <summary>Inserts an APP1 Exif segment (big-endian TIFF, one IFD0 entry: Orientation SHORT) after the JPEG's SOI.</summary>
    /// <param name="jpeg">A JPEG without Exif data.</param>
    /// <param name="orientation">EXIF orientation 1-8 (6: the viewer turns the stored pixels 90 degrees clockwise).</param>
    public static byte[] WithOrientation(byte[] jpeg, int orientation)
    {
        byte[] tiff = [(byte)'M', (byte)'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte)orientation, 0, 0, 0, 0, 0, 0];
        var payload = "Exif\0\0"u8.ToArray().Concat(tiff).ToArray();
        var length = payload.Length + 2;
        byte[] segment = [0xFF, 0xE1, (byte)(length >> 8), (byte)length, .. payload];
        return [.. jpeg[..2], .. segment, .. jpeg[2..]];
    }
}
