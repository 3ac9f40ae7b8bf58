namespace SrFace.Server;

/// <summary>One uploaded image held in memory (never written to disk or logs).</summary>
/// <param name="Bytes">The encoded image.</param>
/// <param name="Label">A label for messages and the gallery's source column: <c>upload:FILENAME</c>.</param>
internal sealed record Upload(byte[] Bytes, string Label);
