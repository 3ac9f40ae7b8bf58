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
    /// <exception cref="InvalidDataException">When an entry is damaged (CRC-32 mismatch); the file is left unchanged.</exception>
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
                // A damaged entry is not copied into a fresh archive (which would give it a new, matching CRC).
                using var to = target.CreateEntry(entry.FullName, CompressionLevel.NoCompression).Open();
                RequireCrc(entry, path, CopyWithCrc(entry, path, to));
            }
        });
    }

    /// <summary>
    /// Opens an archive for reading, checks the integrity of every entry (the CRC-32 the ZIP records, recomputed over
    /// the entry's content) and its manifest's kind and format version.
    /// </summary>
    /// <typeparam name="TManifest">The manifest record type.</typeparam>
    /// <param name="path">The archive file.</param>
    /// <param name="kind">The expected artefact kind (e.g. <c>srface-cascade</c>).</param>
    /// <param name="kindOf">Reads the kind from a manifest.</param>
    /// <param name="versionOf">Reads the format version from a manifest.</param>
    /// <param name="maxVersion">The newest format version this build reads.</param>
    /// <returns>The open archive and its manifest; dispose the archive.</returns>
    /// <exception cref="FileNotFoundException">When the file does not exist.</exception>
    /// <exception cref="InvalidDataException">When the file is not a ZIP archive, an entry is damaged (CRC-32 mismatch,
    /// unreadable compression), the manifest is missing or malformed, of another kind, or of a newer format version; the
    /// message names the file (and the entry).</exception>
    public static (ZipArchive Archive, TManifest Manifest) Open<TManifest>(
        string path, string kind, Func<TManifest, string?> kindOf, Func<TManifest, int> versionOf, int maxVersion)
    {
        if (Directory.Exists(path)) throw new InvalidDataException($"{path} is a folder, not an SrFace {kind} file.");
        if (!File.Exists(path)) throw new FileNotFoundException($"Model file not found: {path}", path);
        ZipArchive zip;
        try
        {
            zip = ZipFile.OpenRead(path);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException)
        {
            var hint = path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) ? " An ONNX export runs with --runtime onnx." : "";
            throw new InvalidDataException($"{path} is not an SrFace {kind} file (not a readable ZIP container: {e.Message}).{hint}", e);
        }
        try
        {
            foreach (var each in zip.Entries) CheckIntegrity(each, path);
            var entry = zip.GetEntry(ManifestEntry)
                ?? throw new InvalidDataException($"{path} is not an SrFace {kind} file (no {ManifestEntry}).");
            TManifest? manifest;
            try
            {
                manifest = JsonSerializer.Deserialize<TManifest>(ReadVerified(entry, path), Json);
            }
            catch (Exception e) when (e is JsonException or NotSupportedException or ArgumentException)
            {
                throw new InvalidDataException($"{path}: entry '{ManifestEntry}' is malformed ({e.Message}).", e);
            }
            if (manifest is null || kindOf(manifest) != kind)
                throw new InvalidDataException($"{path} is not an SrFace {kind} file (manifest kind '{(manifest is null ? null : kindOf(manifest))}').");
            if (versionOf(manifest) > maxVersion || versionOf(manifest) < 1)
                throw new InvalidDataException($"{path} has {kind} format version {versionOf(manifest)}; this SrFace reads versions 1..{maxVersion}.");
            return (zip, manifest);
        }
        catch
        {
            zip.Dispose();
            throw;
        }
    }

    /// <summary>Reads one named binary entry (integrity-checked) with a callback (e.g. <c>r =&gt; module.load(r)</c>).</summary>
    /// <param name="zip">An archive from <see cref="Open{TManifest}"/>.</param>
    /// <param name="path">The archive's file name, for error messages.</param>
    /// <param name="name">Entry name.</param>
    /// <param name="read">Reads the entry.</param>
    /// <exception cref="InvalidDataException">When the entry is missing, damaged (CRC-32 mismatch), or its content does
    /// not fit the module (wrong architecture or options, a damaged tensor header); the message names file and entry.</exception>
    public static void ReadEntry(ZipArchive zip, string path, string name, Action<BinaryReader> read)
    {
        var entry = zip.GetEntry(name) ?? throw new InvalidDataException($"{path}: entry '{name}' is missing.");
        // TorchSharp's loader needs a seekable stream; entries are small enough (tens of MB) to buffer.
        using var buffer = new MemoryStream(ReadVerified(entry, path), writable: false);
        using var reader = new BinaryReader(buffer);
        try
        {
            read(reader);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: entry '{name}' does not match the model it is loaded into ({e.Message}).", e);
        }
        catch (Exception e) when (e is ArgumentException or EndOfStreamException or IOException or InvalidOperationException
                                      or NotSupportedException or OverflowException or System.Runtime.InteropServices.ExternalException)
        {
            throw new InvalidDataException($"{path}: entry '{name}' cannot be loaded (a damaged file, or another model: {e.Message.Split('\n')[0]}).", e);
        }
    }

    /// <summary>Reads an entry to the end and checks it against the CRC-32 recorded in the archive.</summary>
    /// <exception cref="InvalidDataException">When the entry cannot be decompressed or its CRC-32 differs; names file and entry.</exception>
    private static byte[] ReadVerified(ZipArchiveEntry entry, string path)
    {
        using var buffer = new MemoryStream(entry.Length is > 0 and < int.MaxValue ? (int)entry.Length : 0);
        var crc = CopyWithCrc(entry, path, buffer);
        RequireCrc(entry, path, crc);
        return buffer.ToArray();
    }

    private static void CheckIntegrity(ZipArchiveEntry entry, string path) => RequireCrc(entry, path, CopyWithCrc(entry, path, Stream.Null));

    private static uint CopyWithCrc(ZipArchiveEntry entry, string path, Stream destination)
    {
        var crc = new System.IO.Hashing.Crc32();
        try
        {
            using var source = entry.Open();
            var chunk = new byte[81920];
            int n;
            while ((n = source.Read(chunk, 0, chunk.Length)) > 0)
            {
                crc.Append(chunk.AsSpan(0, n));
                destination.Write(chunk, 0, n);
            }
        }
        catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException)
        {
            throw new InvalidDataException($"{path}: entry '{entry.FullName}' is damaged ({e.Message}).", e);
        }
        return crc.GetCurrentHashAsUInt32();
    }

    private static void RequireCrc(ZipArchiveEntry entry, string path, uint actual)
    {
        if (actual != entry.Crc32)
            throw new InvalidDataException($"{path}: entry '{entry.FullName}' is damaged (CRC-32 {actual:x8}, the archive records {entry.Crc32:x8}); the file was changed or corrupted after it was written.");
    }

    /// <summary>Convenience: an entry writer that saves a module's state dict.</summary>
    /// <param name="module">The module.</param>
    public static Action<BinaryWriter> StateOf(torch.nn.Module module) => w => StateDictIO.SaveModule(w, module);
}
