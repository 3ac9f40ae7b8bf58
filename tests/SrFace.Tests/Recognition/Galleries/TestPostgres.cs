namespace SrFace.Tests.Recognition.Galleries;

/// <summary>
/// The PostgreSQL (with pgvector) that the gallery tests use: <c>SRFACE_TEST_POSTGRES</c>, else the URL that
/// <c>scripts/postgres.sh</c> wrote to <c>~/.cache/srface/postgres-test.url</c>. When neither exists the PostgreSQL
/// tests skip with a loud message; when one exists, a database that does not answer fails them.
/// </summary>
internal static class TestPostgres
{
    private static readonly Lazy<string?> Found = new(Find);

    /// <summary>The file scripts/postgres.sh writes.</summary>
    public static string UrlFile => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "srface", "postgres-test.url");

    /// <summary>The database URL (no <c>?gallery=</c>), or null when no PostgreSQL was started for the tests.</summary>
    public static string? Url => Found.Value;

    /// <summary>The skip message.</summary>
    public const string Missing =
        "!!! POSTGRESQL NOT AVAILABLE: PostgreSQL gallery test SKIPPED. scripts/postgres.sh could not start PostgreSQL + pgvector (no SRFACE_TEST_POSTGRES and no ~/.cache/srface/postgres-test.url); run `bash scripts/postgres.sh` and see its output. !!!";

    /// <summary>Skips the calling test (loudly) when no PostgreSQL is available; returns the URL otherwise.</summary>
    public static string Require()
    {
        Skip.If(Url is null, Missing);
        return Url!;
    }

    /// <summary>A fresh gallery name for one test.</summary>
    public static string NewGalleryName() => "t" + Guid.NewGuid().ToString("N");

    private static string? Find()
    {
        var url = Environment.GetEnvironmentVariable("SRFACE_TEST_POSTGRES");
        if (string.IsNullOrWhiteSpace(url) && File.Exists(UrlFile)) url = File.ReadAllText(UrlFile).Trim();
        return string.IsNullOrWhiteSpace(url) ? null : url;
    }
}
