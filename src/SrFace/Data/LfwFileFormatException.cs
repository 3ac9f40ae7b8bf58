namespace SrFace.Data;

/// <summary>
/// A protocol text file (LFW <c>pairs*.txt</c> or <c>people*.txt</c>) is malformed, has the wrong number of lines,
/// or names a person or image that is not there. The message names the file and the 1-based line.
/// </summary>
public sealed class LfwFileFormatException : FormatException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="filePath">The protocol file.</param>
    /// <param name="lineNumber">1-based line the problem was found on.</param>
    /// <param name="reason">What is wrong.</param>
    public LfwFileFormatException(string filePath, int lineNumber, string reason)
        : base($"{filePath}, line {lineNumber}: {reason}")
    {
        FilePath = filePath;
        LineNumber = lineNumber;
    }

    /// <summary>The protocol file.</summary>
    public string FilePath { get; }

    /// <summary>1-based line number of the problem (one past the last line when the file ends too early).</summary>
    public int LineNumber { get; }
}
