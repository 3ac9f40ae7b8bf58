namespace SrFace.Models.Pretrained;

/// <summary>One pretrained model file SrFace uses, pinned by package version and SHA-256.</summary>
/// <param name="Package">npm package, e.g. <c>@vladmandic/face-api</c>.</param>
/// <param name="Version">Exact package version, e.g. <c>1.7.15</c>.</param>
/// <param name="PathInPackage">File inside the package, e.g. <c>model/face_recognition_model.bin</c>.</param>
/// <param name="Sha256">Expected SHA-256, lower-case hex.</param>
/// <param name="Bytes">Expected size in bytes.</param>
public sealed record PinnedModelFile(string Package, string Version, string PathInPackage, string Sha256, long Bytes)
{
    /// <summary>The file's path relative to the store root: <c>&lt;package without @, / as +&gt;/&lt;version&gt;/&lt;path&gt;</c>.</summary>
    public string RelativePath => Path.Combine(Package.TrimStart('@').Replace('/', '+'), Version, PathInPackage);

    /// <summary>The pinned list embedded in the library (the same file <c>scripts/fetch-models.sh</c> reads).</summary>
    public static IReadOnlyList<PinnedModelFile> All { get; } = ReadEmbedded();

    private static IReadOnlyList<PinnedModelFile> ReadEmbedded()
    {
        using var stream = typeof(PinnedModelFile).Assembly.GetManifestResourceStream("SrFace.pretrained-files.tsv")
            ?? throw new InvalidOperationException("The pinned model list is not embedded in SrFace.dll.");
        using var reader = new StreamReader(stream);
        var files = new List<PinnedModelFile>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var f = line.Split('\t');
            files.Add(new PinnedModelFile(f[0], f[1], f[2], f[3], long.Parse(f[4], System.Globalization.CultureInfo.InvariantCulture)));
        }
        return files;
    }
}
