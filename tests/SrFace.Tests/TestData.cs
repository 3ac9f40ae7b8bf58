namespace SrFace.Tests;

/// <summary>
/// Locates the real face data that tests read: <c>../shared/datasets</c> beside the repository root (CI lays a copy
/// of <c>shared/</c> beside its clone). Tests that need it fail with a clear message when it is missing.
/// </summary>
public static class TestData
{
    private static readonly Lazy<string> Root = new(FindDatasetsRoot);

    /// <summary>The repository root (the folder holding <c>SrFace.slnx</c>).</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>The datasets folder (holding <c>lfw/</c> and <c>orl/</c>).</summary>
    public static string Datasets => Root.Value;

    /// <summary><c>datasets/lfw</c> (pair and people files).</summary>
    public static string Lfw => Path.Combine(Datasets, "lfw");

    /// <summary><c>datasets/lfw/lfw-deepfunneled</c> (one folder per person).</summary>
    public static string LfwImages => Path.Combine(Lfw, "lfw-deepfunneled");

    /// <summary><c>datasets/orl</c> (<c>sN/M.pgm</c>).</summary>
    public static string Orl => Path.Combine(Datasets, "orl");

    /// <summary>A fresh empty temporary folder, for tests that write files.</summary>
    public static string NewTempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "srface-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SrFace.slnx"))) return dir.FullName;
        throw new DirectoryNotFoundException($"No SrFace.slnx above {AppContext.BaseDirectory}.");
    }

    private static string FindDatasetsRoot()
    {
        var candidate = Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "datasets"));
        if (Directory.Exists(Path.Combine(candidate, "lfw"))) return candidate;
        throw new DirectoryNotFoundException($"Face datasets not found at {candidate} (expected ../shared/datasets beside the repository).");
    }
}
