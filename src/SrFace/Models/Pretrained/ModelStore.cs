using System.Security.Cryptography;

namespace SrFace.Models.Pretrained;

/// <summary>State of one pinned file in a <see cref="ModelStore"/>.</summary>
public enum ModelFileState
{
    /// <summary>Present, with the pinned SHA-256.</summary>
    Verified,

    /// <summary>Not in the store.</summary>
    Missing,

    /// <summary>Present but its SHA-256 differs from the pin (damaged or replaced).</summary>
    Corrupt,
}

/// <summary>A pinned file and its state in the store.</summary>
/// <param name="File">The pin.</param>
/// <param name="FullPath">Where the store keeps it.</param>
/// <param name="State">Verified, missing or corrupt.</param>
public sealed record ModelFileStatus(PinnedModelFile File, string FullPath, ModelFileState State);

/// <summary>
/// The user-level folder that holds pretrained model files fetched from npm packages (by
/// <c>scripts/fetch-models.sh</c>), laid out as <c>&lt;root&gt;/&lt;package&gt;/&lt;version&gt;/&lt;path&gt;</c>.
/// Every file is checked against its pinned SHA-256 (<see cref="PinnedModelFile"/>) each time it is located, so a
/// damaged or replaced file is refused, never loaded.
/// </summary>
public sealed class ModelStore
{
    /// <summary>The environment variable that overrides the default store folder.</summary>
    public const string EnvironmentVariable = "SRFACE_MODELS";

    /// <summary>The command that fills the store, quoted in error messages.</summary>
    public const string FetchCommand = "scripts/fetch-models.sh";

    /// <summary>Where <see cref="FetchCommand"/> comes from, for users of the installed tool who have no checkout.</summary>
    public const string FetchCommandSource = "(a script of the SrFace source repository: it fetches the pinned npm packages with npm pack and checks their SHA-256)";

    /// <summary>Opens the store at <paramref name="root"/> (the folder need not exist yet).</summary>
    /// <param name="root">Store folder.</param>
    public ModelStore(string root) => Root = Path.GetFullPath(root ?? throw new ArgumentNullException(nameof(root)));

    /// <summary>The store folder.</summary>
    public string Root { get; }

    /// <summary>
    /// The store folder a user means: <paramref name="explicitRoot"/> (a <c>--models</c> option) if given, else
    /// <paramref name="environmentValue"/> (<see cref="EnvironmentVariable"/>) if set, else
    /// <c>$XDG_CACHE_HOME/srface/models</c>, else <c>~/.cache/srface/models</c> (as the fetch script decides).
    /// </summary>
    /// <param name="explicitRoot">An explicit folder, or null.</param>
    /// <param name="environmentValue">The value of <see cref="EnvironmentVariable"/>, or null.</param>
    /// <param name="xdgCacheHome">The value of <c>XDG_CACHE_HOME</c>, or null.</param>
    /// <param name="home">The user's home folder.</param>
    /// <returns>The folder.</returns>
    public static string ResolveRoot(string? explicitRoot, string? environmentValue, string? xdgCacheHome, string home)
    {
        if (!string.IsNullOrEmpty(explicitRoot)) return explicitRoot;
        if (!string.IsNullOrEmpty(environmentValue)) return environmentValue;
        var cache = string.IsNullOrEmpty(xdgCacheHome) ? Path.Combine(home, ".cache") : xdgCacheHome;
        return Path.Combine(cache, "srface", "models");
    }

    /// <summary>Checks every pinned file (reads and hashes each).</summary>
    /// <returns>One status per pinned file, in pin order.</returns>
    public IReadOnlyList<ModelFileStatus> Inspect() =>
        PinnedModelFile.All.Select(f => new ModelFileStatus(f, Path.Combine(Root, f.RelativePath), StateOf(f))).ToList();

    /// <summary>The verified path of a pinned file.</summary>
    /// <param name="package">npm package, e.g. <c>@vladmandic/face-api</c>.</param>
    /// <param name="version">Package version.</param>
    /// <param name="pathInPackage">File inside the package.</param>
    /// <returns>Its full path in the store.</returns>
    /// <exception cref="ArgumentException">When the file is not pinned.</exception>
    /// <exception cref="ModelStoreException">When it is missing or its SHA-256 differs from the pin.</exception>
    public string Locate(string package, string version, string pathInPackage)
    {
        var pin = PinnedModelFile.All.FirstOrDefault(f => f.Package == package && f.Version == version && f.PathInPackage == pathInPackage)
            ?? throw new ArgumentException($"{package}@{version} {pathInPackage} is not a pinned model file.");
        var full = Path.Combine(Root, pin.RelativePath);
        return StateOf(pin) switch
        {
            ModelFileState.Verified => full,
            ModelFileState.Missing => throw new ModelStoreException($"{full}: pretrained model file missing (model store {Root}); run {FetchCommand} {Root} to fetch it {FetchCommandSource}."),
            _ => throw new ModelStoreException($"{full}: SHA-256 differs from the pinned {pin.Sha256[..16]}...; the file is damaged or replaced; run {FetchCommand} {Root} to fetch it again (it replaces the file) {FetchCommandSource}."),
        };
    }

    /// <summary>Locates a TF.js weights manifest and every shard it lists next to it, all verified.</summary>
    /// <param name="package">npm package.</param>
    /// <param name="version">Package version.</param>
    /// <param name="manifestInPackage">The manifest's path inside the package, e.g. <c>model/face_recognition_model-weights_manifest.json</c>.</param>
    /// <returns>The manifest's full path.</returns>
    /// <exception cref="ModelStoreException">When the manifest or a shard of the same folder is missing or corrupt.</exception>
    public string LocateTfJsModel(string package, string version, string manifestInPackage)
    {
        var folder = Path.GetDirectoryName(manifestInPackage)!.Replace('\\', '/');
        var prefix = Path.GetFileName(manifestInPackage).Replace("-weights_manifest.json", "", StringComparison.Ordinal);
        foreach (var shard in PinnedModelFile.All.Where(f => f.Package == package && f.Version == version
                     && f.PathInPackage.StartsWith($"{folder}/{prefix}", StringComparison.Ordinal) && f.PathInPackage.EndsWith(".bin", StringComparison.Ordinal)))
            Locate(package, version, shard.PathInPackage);
        return Locate(package, version, manifestInPackage);
    }

    private ModelFileState StateOf(PinnedModelFile pin)
    {
        var full = Path.Combine(Root, pin.RelativePath);
        if (!File.Exists(full)) return ModelFileState.Missing;
        using var stream = File.OpenRead(full);
        var hash = Convert.ToHexStringLower(SHA256.HashData(stream));
        return hash == pin.Sha256 ? ModelFileState.Verified : ModelFileState.Corrupt;
    }
}
