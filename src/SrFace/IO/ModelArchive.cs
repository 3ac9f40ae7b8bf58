using System.IO.Compression;
using System.Text.Json;
using TorchSharp;

namespace SrFace.IO;

/// <summary>
/// The one-file container for SrFace artefacts (checkpoints and cascades): a ZIP archive (inspectable with any zip
/// tool) whose <c>manifest.json</c> entry names the artefact kind and format version, plus one entry per module state
/// (TorchSharp's state-dict format) or optimiser state. Written atomically (temporary file + rename).
/// </summary>
public static class ModelArchive
{
    /// <summary>Name of the JSON entry that every archive carries.</summary>
    public const string ManifestEntry = "manifest.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>Writes an archive atomically.</summary>
    /// <typeparam name="TManifest">The manifest record type (serialised with System.Text.Json).</typeparam>
    /// <param name="path">Target file.</param>
    /// <param name="manifest">The manifest: it must carry the kind and format version.</param>
    /// <param name="entries">Named binary entries, each written by a callback (e.g. <c>w =&gt; module.save(w)</c>).</param>
    /// <exception cref="IOException">When the file cannot be written.</exception>
    public static void Write<TManifest>(string path, TManifest manifest, IReadOnlyDictionary<string, Action<BinaryWriter>> entries)
    {
        Training.AtomicFile.Write(path, stream =>
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            using (var m = zip.CreateEntry(ManifestEntry, CompressionLevel.Optimal).Open())
                JsonSerializer.Serialize(m, manifest, Json);
            foreach (var (name, write) in entries)
            {
                using var entry = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
                using var writer = new BinaryWriter(entry);
                write(writer);
            }
        });
    }

    /// <summary>Replaces an archive's manifest atomically, copying every other entry unchanged.</summary>
    /// <typeparam name="TManifest">The manifest record type.</typeparam>
    /// <param name="path">An existing archive.</param>
    /// <param name="manifest">The new manifest.</param>
    /// <exception cref="IOException">When the file cannot be read or written.</exception>
    public static void ReplaceManifest<TManifest>(string path, TManifest manifest)
    {
        using var source = ZipFile.OpenRead(path);
        Training.AtomicFile.Write(path, stream =>
        {
            using var target = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            using (var m = target.CreateEntry(ManifestEntry, CompressionLevel.Optimal).Open())
                JsonSerializer.Serialize(m, manifest, Json);
            foreach (var entry in source.Entries.Where(e => e.FullName != ManifestEntry))
            {
                using var from = entry.Open();
                using var to = target.CreateEntry(entry.FullName, CompressionLevel.NoCompression).Open();
                from.CopyTo(to);
            }
        });
    }

    /// <summary>Opens an archive for reading and checks its manifest's kind and format version.</summary>
    /// <typeparam name="TManifest">The manifest record type.</typeparam>
    /// <param name="path">The archive file.</param>
    /// <param name="kind">The expected artefact kind (e.g. <c>srface-cascade</c>).</param>
    /// <param name="kindOf">Reads the kind from a manifest.</param>
    /// <param name="versionOf">Reads the format version from a manifest.</param>
    /// <param name="maxVersion">The newest format version this build reads.</param>
    /// <returns>The open archive and its manifest; dispose the archive.</returns>
    /// <exception cref="FileNotFoundException">When the file does not exist.</exception>
    /// <exception cref="InvalidDataException">When the file is not a ZIP archive, has no or a malformed manifest, is of another kind, or has a newer format version; the message names the file.</exception>
    public static (ZipArchive Archive, TManifest Manifest) Open<TManifest>(
        string path, string kind, Func<TManifest, string?> kindOf, Func<TManifest, int> versionOf, int maxVersion)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Model file not found: {path}", path);
        ZipArchive zip;
        try
        {
            zip = ZipFile.OpenRead(path);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path} is not an SrFace {kind} file (not a ZIP container: {e.Message}).", e);
        }
        try
        {
            var entry = zip.GetEntry(ManifestEntry)
                ?? throw new InvalidDataException($"{path} is not an SrFace {kind} file (no {ManifestEntry}).");
            TManifest? manifest;
            using (var s = entry.Open())
                manifest = JsonSerializer.Deserialize<TManifest>(s, Json);
            if (manifest is null || kindOf(manifest) != kind)
                throw new InvalidDataException($"{path} is not an SrFace {kind} file (manifest kind '{(manifest is null ? null : kindOf(manifest))}').");
            if (versionOf(manifest) > maxVersion || versionOf(manifest) < 1)
                throw new InvalidDataException($"{path} has {kind} format version {versionOf(manifest)}; this SrFace reads versions 1..{maxVersion}.");
            return (zip, manifest);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException)
        {
            zip.Dispose();
            throw e as InvalidDataException ?? new InvalidDataException($"{path}: malformed {ManifestEntry} ({e.Message}).", e);
        }
    }

    /// <summary>Reads one named binary entry with a callback (e.g. <c>r =&gt; module.load(r)</c>).</summary>
    /// <param name="zip">An archive from <see cref="Open{TManifest}"/>.</param>
    /// <param name="path">The archive's file name, for error messages.</param>
    /// <param name="name">Entry name.</param>
    /// <param name="read">Reads the entry.</param>
    /// <exception cref="InvalidDataException">When the entry is missing or its content does not fit the module (wrong architecture or options).</exception>
    public static void ReadEntry(ZipArchive zip, string path, string name, Action<BinaryReader> read)
    {
        var entry = zip.GetEntry(name) ?? throw new InvalidDataException($"{path}: entry '{name}' is missing.");
        // TorchSharp's loader needs a seekable stream; entries are small enough (tens of MB) to buffer.
        using var buffer = new MemoryStream();
        using (var s = entry.Open()) s.CopyTo(buffer);
        buffer.Position = 0;
        using var reader = new BinaryReader(buffer);
        try
        {
            read(reader);
        }
        catch (Exception e) when (e is ArgumentException or EndOfStreamException or IOException or InvalidOperationException)
        {
            throw new InvalidDataException($"{path}: entry '{name}' does not match the model it is loaded into ({e.Message}).", e);
        }
    }

    /// <summary>Convenience: an entry writer that saves a module's state dict.</summary>
    /// <param name="module">The module.</param>
    public static Action<BinaryWriter> StateOf(torch.nn.Module module) => w => StateDictIO.SaveModule(w, module);
}
