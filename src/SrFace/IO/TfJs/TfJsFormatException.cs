namespace SrFace.IO.TfJs;

/// <summary>
/// A TF.js model file (weights manifest, weight shard or graph model) that cannot be read or does not fit the
/// network it is loaded into. The message names the file and, where one is at fault, the tensor.
/// </summary>
public sealed class TfJsFormatException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong, naming the file (and tensor).</param>
    /// <param name="inner">The underlying error, if any.</param>
    public TfJsFormatException(string message, Exception? inner = null) : base(message, inner) { }
}
