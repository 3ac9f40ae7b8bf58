namespace SrFace.Imaging;

/// <summary>
/// A small strict decoder for Netpbm grey maps (PGM): binary <c>P5</c> and plain (ASCII) <c>P2</c>, as specified at
/// netpbm.sourceforge.net/doc/pgm.html. SkiaSharp does not read PGM, and the ORL faces are PGM files.
/// </summary>
/// <remarks>
/// Strict on purpose: header tokens are unsigned decimal numbers separated by whitespace, comments run from
/// <c>#</c> to the end of the line, maxval is 1..65535 (two big-endian bytes per sample above 255), and the
/// binary raster after the single whitespace that ends the header must be exactly <c>W * H * bytesPerSample</c>
/// bytes long (one image per file; trailing data is an error). A plain raster must hold exactly <c>W * H</c>
/// numbers, each at most maxval. Samples are scaled to [0, 1] by dividing by maxval (no gamma conversion).
/// </remarks>
internal static class PgmDecoder
{
    /// <summary>True when <paramref name="bytes"/> starts with a PGM magic number (<c>P5</c> or <c>P2</c>).</summary>
    public static bool HasPgmMagic(ReadOnlySpan<byte> bytes) =>
        bytes.Length >= 2 && bytes[0] == (byte)'P' && (bytes[1] == (byte)'5' || bytes[1] == (byte)'2');

    /// <summary>Decodes a whole PGM file into row-major samples in [0, 1].</summary>
    /// <param name="path">The file name, for messages only.</param>
    /// <param name="bytes">The whole file.</param>
    /// <param name="maxPixels">Pixel cap, checked before the raster is allocated.</param>
    /// <returns>Width, height and <c>H * W</c> samples, row-major.</returns>
    /// <exception cref="InvalidImageException">The header or raster is malformed, or the image exceeds the cap.</exception>
    public static (int Width, int Height, float[] Pixels) Decode(string path, byte[] bytes, long maxPixels)
    {
        if (!HasPgmMagic(bytes)) throw new InvalidImageException(path, "not a PGM file (magic number P5 or P2 expected)");
        var plain = bytes[1] == (byte)'2';
        var position = 2;
        var width = ReadHeaderNumber(path, bytes, ref position, "width");
        var height = ReadHeaderNumber(path, bytes, ref position, "height");
        var maxval = ReadHeaderNumber(path, bytes, ref position, "maxval");
        if (width < 1 || height < 1) throw new InvalidImageException(path, $"PGM size {width}x{height} is empty");
        if (maxval < 1 || maxval > 65535) throw new InvalidImageException(path, $"PGM maxval {maxval} outside 1..65535");
        var pixelCount = (long)width * height;
        if (pixelCount > maxPixels)
            throw new InvalidImageException(path, $"image of {width}x{height} = {pixelCount} pixels exceeds the cap of {maxPixels} pixels");
        // Exactly one whitespace character separates maxval from the raster.
        if (position >= bytes.Length || !IsWhitespace(bytes[position]))
            throw new InvalidImageException(path, "PGM header must end with one whitespace character after maxval");
        position++;
        var pixels = new float[pixelCount];
        if (plain) DecodePlain(path, bytes, position, maxval, pixels);
        else DecodeBinary(path, bytes, position, maxval, pixels);
        return (width, height, pixels);
    }

    private static void DecodeBinary(string path, byte[] bytes, int position, int maxval, float[] pixels)
    {
        var bytesPerSample = maxval > 255 ? 2 : 1;
        var expected = pixels.LongLength * bytesPerSample;
        long actual = bytes.Length - position;
        if (actual != expected)
            throw new InvalidImageException(path, $"PGM raster has {actual} bytes, expected exactly {expected} ({(actual < expected ? "truncated" : "trailing data")})");
        for (var i = 0; i < pixels.Length; i++)
        {
            int sample = bytesPerSample == 1 ? bytes[position + i] : (bytes[position + 2 * i] << 8) | bytes[position + 2 * i + 1];
            if (sample > maxval) throw new InvalidImageException(path, $"PGM sample {sample} at pixel {i} exceeds maxval {maxval}");
            pixels[i] = (float)sample / maxval;
        }
    }

    private static void DecodePlain(string path, byte[] bytes, int position, int maxval, float[] pixels)
    {
        for (var i = 0; i < pixels.Length; i++)
        {
            SkipWhitespaceAndComments(bytes, ref position);
            if (position >= bytes.Length)
                throw new InvalidImageException(path, $"plain PGM raster is truncated: {i} of {pixels.Length} samples");
            var sample = ReadNumber(path, bytes, ref position, "sample");
            if (sample > maxval) throw new InvalidImageException(path, $"PGM sample {sample} at pixel {i} exceeds maxval {maxval}");
            pixels[i] = (float)sample / maxval;
        }
        SkipWhitespaceAndComments(bytes, ref position);
        if (position != bytes.Length)
            throw new InvalidImageException(path, $"plain PGM has data after its {pixels.Length} samples");
    }

    private static int ReadHeaderNumber(string path, byte[] bytes, ref int position, string what)
    {
        SkipWhitespaceAndComments(bytes, ref position);
        if (position >= bytes.Length) throw new InvalidImageException(path, $"PGM header is truncated before the {what}");
        return ReadNumber(path, bytes, ref position, what);
    }

    private static int ReadNumber(string path, byte[] bytes, ref int position, string what)
    {
        long value = 0;
        var start = position;
        while (position < bytes.Length && bytes[position] is >= (byte)'0' and <= (byte)'9')
        {
            value = value * 10 + (bytes[position] - '0');
            if (value > int.MaxValue) throw new InvalidImageException(path, $"PGM {what} is too large");
            position++;
        }
        // A number must be followed by whitespace, a comment or the end of file (e.g. "12x" is garbage).
        if (position == start || (position < bytes.Length && !IsWhitespace(bytes[position]) && bytes[position] != (byte)'#'))
            throw new InvalidImageException(path, $"PGM {what} is not an unsigned decimal number (at byte {start})");
        return (int)value;
    }

    private static void SkipWhitespaceAndComments(byte[] bytes, ref int position)
    {
        while (position < bytes.Length)
        {
            if (IsWhitespace(bytes[position])) position++;
            else if (bytes[position] == (byte)'#')
                while (position < bytes.Length && bytes[position] != (byte)'\n' && bytes[position] != (byte)'\r') position++;
            else return;
        }
    }

    // Netpbm whitespace: blank, TAB, CR, LF, vertical tab, form feed.
    private static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or 0x0B or 0x0C;
}
