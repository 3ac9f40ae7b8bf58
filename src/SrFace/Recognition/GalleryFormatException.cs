namespace SrFace.Recognition;

/// <summary>
/// A gallery file cannot be read as an SrFace gallery: it is not an SQLite database, it is corrupt, it lacks the
/// gallery schema, or it was written by a newer SrFace (format version above <see cref="SqliteGalleryStore.FormatVersion"/>).
/// The message names the file.
/// </summary>
/// <remarks>An <see cref="IOException"/> because <see cref="InvalidDataException"/> is sealed; the CLI reports both as one line.</remarks>
public sealed class GalleryFormatException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The gallery file that could not be read.</param>
    /// <param name="reason">What is wrong with it, phrased to follow the file name.</param>
    /// <param name="inner">The underlying error (e.g. an <c>SqliteException</c>), if any.</param>
    public GalleryFormatException(string path, string reason, Exception? inner = null)
        : base($"Gallery '{path}' {reason}", inner) => Path = path;

    /// <summary>The gallery file that could not be read.</summary>
    public string Path { get; }
}
