namespace SrFace.Training;

/// <summary>
/// Writes a file so that readers see either the old complete file or the new complete file, never a partial one:
/// the content goes to a temporary file in the same folder, is flushed to disk, then renamed over the target
/// (rename is atomic on POSIX file systems). A run killed mid-write (e.g. <c>kill -9</c>) leaves the last good
/// checkpoint intact.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> atomically with the bytes produced by <paramref name="write"/>.</summary>
    /// <param name="path">Target file; its folder is created when missing.</param>
    /// <param name="write">Writes the whole content to the given stream.</param>
    /// <exception cref="IOException">When the file system refuses the write or the rename.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(folder);
        var temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Writes a text file atomically (UTF-8, no byte-order mark).</summary>
    /// <param name="path">Target file.</param>
    /// <param name="text">The whole content.</param>
    /// <exception cref="IOException">When the file system refuses the write or the rename.</exception>
    public static void WriteText(string path, string text) =>
        Write(path, s => { using var w = new StreamWriter(s, new System.Text.UTF8Encoding(false), leaveOpen: true); w.Write(text); });
}
