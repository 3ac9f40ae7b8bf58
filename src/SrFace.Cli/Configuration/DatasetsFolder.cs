namespace SrFace.Cli.Configuration;

/// <summary>Where the face datasets are: <c>--data DIR</c>, else <c>../shared/datasets</c> from the current folder.</summary>
internal static class DatasetsFolder
{
    /// <summary>The default, relative to the current folder (a repository checkout beside <c>shared/</c>).</summary>
    public static readonly string Default = Path.Combine("..", "shared", "datasets");

    /// <summary>Resolves the datasets folder to an absolute path that exists.</summary>
    /// <param name="data">The <c>--data</c> value, or null for <see cref="Default"/>.</param>
    /// <exception cref="DirectoryNotFoundException">When the folder does not exist (the message says which one and why).</exception>
    public static string Resolve(string? data)
    {
        var root = Path.GetFullPath(data ?? Default);
        return Directory.Exists(root) ? root
            : throw new DirectoryNotFoundException(data is null
                ? $"No --data given and the default datasets folder {root} does not exist."
                : $"Datasets folder not found: {root}.");
    }
}
