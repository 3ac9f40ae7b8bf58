namespace SrFace.Imaging;

/// <summary>
/// The one exception the image readers throw for a file that exists but cannot be used: empty, truncated,
/// corrupt, not an image, an unsupported format, or larger than the pixel cap (decompression-bomb guard).
/// The message always names the file.
/// </summary>
/// <remarks>
/// Derives from <see cref="IOException"/> because .NET's <see cref="InvalidDataException"/> is sealed; catch this
/// type to tell an unusable file from a missing one (<see cref="FileNotFoundException"/>, also an IOException).
/// </remarks>
public sealed class InvalidImageException : IOException
{
    /// <summary>Creates the exception for <paramref name="path"/> with a reason.</summary>
    /// <param name="path">The offending file.</param>
    /// <param name="reason">What is wrong with it (one sentence, no trailing full stop needed).</param>
    /// <param name="inner">The underlying error, if any.</param>
    public InvalidImageException(string path, string reason, Exception? inner = null)
        : base($"{path}: {reason}", inner)
    {
        FilePath = path;
    }

    /// <summary>The file that could not be read.</summary>
    public string FilePath { get; }
}
