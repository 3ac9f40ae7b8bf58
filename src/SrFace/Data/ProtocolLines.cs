namespace SrFace.Data;

/// <summary>
/// Reads the lines of an LFW protocol file as whitespace-separated tokens (LFW uses tabs, users often spaces).
/// Blank lines are only allowed at the end of the file; a blank line inside is an error naming it.
/// </summary>
internal sealed class ProtocolLines
{
    private readonly string[] _lines;
    private readonly int _count; // lines up to the last non-blank one

    public ProtocolLines(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Protocol file not found: {path}", path);
        Path = path;
        _lines = File.ReadAllLines(path);
        _count = _lines.Length;
        while (_count > 0 && string.IsNullOrWhiteSpace(_lines[_count - 1])) _count--;
    }

    public string Path { get; }

    /// <summary>1-based number of the next line to read.</summary>
    public int NextLineNumber { get; private set; } = 1;

    /// <summary>True when every non-blank line has been read.</summary>
    public bool AtEnd => NextLineNumber > _count;

    /// <summary>Reads the next line's tokens; an error names the line when the file ends or the line is blank.</summary>
    public string[] Next(string expected)
    {
        if (AtEnd) throw Error($"the file ends, but {expected} was expected", NextLineNumber);
        var tokens = Tokens(_lines[NextLineNumber - 1]);
        if (tokens.Length == 0) throw Error($"blank line where {expected} was expected", NextLineNumber);
        NextLineNumber++;
        return tokens;
    }

    /// <summary>The next line's tokens without consuming it (empty at the end or on a blank line).</summary>
    public string[] Peek() => AtEnd ? [] : Tokens(_lines[NextLineNumber - 1]);

    /// <summary>Fails when lines remain after the expected content.</summary>
    public void ExpectEnd(string what)
    {
        if (!AtEnd) throw Error($"unexpected extra line after {what}", NextLineNumber);
    }

    /// <summary>Parses a non-negative (or, with <paramref name="minimum"/> 1, positive) decimal integer token.</summary>
    public int Integer(string token, string what, int lineNumber, int minimum = 0)
    {
        if (!int.TryParse(token, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) || value < minimum)
            throw new LfwFileFormatException(Path, lineNumber, $"{what} '{token}' is not an integer >= {minimum}");
        return value;
    }

    private static string[] Tokens(string line) =>
        line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>An error at <paramref name="lineNumber"/>, by default the line just read.</summary>
    public LfwFileFormatException Error(string reason, int? lineNumber = null) =>
        new(Path, lineNumber ?? Math.Max(1, NextLineNumber - 1), reason);
}
