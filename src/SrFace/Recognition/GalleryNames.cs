using System.Text.RegularExpressions;

namespace SrFace.Recognition;

/// <summary>
/// Gallery names (a PostgreSQL <c>?gallery=</c>, a server's <c>/v1/galleries/{g}</c>): 1 to 64 ASCII letters, digits,
/// '_' or '-', starting with a letter or digit, so a name is also a safe file name (<c>NAME.db</c>).
/// </summary>
public static partial class GalleryNames
{
    /// <summary>True when <paramref name="name"/> is a valid gallery name.</summary>
    /// <param name="name">The candidate.</param>
    public static bool IsValid(string? name) => name is not null && Pattern().IsMatch(name);

    /// <summary>Returns <paramref name="name"/> when valid.</summary>
    /// <param name="name">The candidate.</param>
    /// <returns>The name.</returns>
    /// <exception cref="ArgumentException">When it is not a valid gallery name.</exception>
    public static string Check(string? name) => IsValid(name) ? name!
        : throw new ArgumentException($"Invalid gallery name '{name}': use 1 to 64 letters, digits, '_' or '-', starting with a letter or digit.", nameof(name));

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
    private static partial Regex Pattern();
}
