namespace SrFace.Data;

/// <summary>One verification pair of the LFW protocol.</summary>
/// <param name="PathA">First image, <c>imagesRoot/NAME/NAME_%04d.jpg</c>.</param>
/// <param name="IdentityA">First person's name.</param>
/// <param name="PathB">Second image.</param>
/// <param name="IdentityB">Second person's name (equal to <paramref name="IdentityA"/> when <paramref name="IsSame"/>).</param>
/// <param name="IsSame">True for a matched (same person) pair, false for a mismatched one.</param>
/// <param name="Fold">0-based fold (View 2 has 10; View 1 files are one fold, 0).</param>
/// <param name="LineNumber">1-based line in the pairs file.</param>
public sealed record FacePair(string PathA, string IdentityA, string PathB, string IdentityB, bool IsSame, int Fold, int LineNumber);
