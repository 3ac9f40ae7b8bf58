using System.Buffers.Binary;
using System.Text.Json;

namespace SrFace.IO.TfJs;

/// <summary>
/// Reads TF.js weights: a weights manifest (a JSON list of <see cref="TfJsWeightGroup"/>) and its little-endian
/// binary shards, decoding float32, int32, affine uint8/uint16 quantisation, table quantisation and float16 the way
/// tfjs-core's <c>decodeWeights</c> does.
/// </summary>
public static class TfJsWeights
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = false };

    /// <summary>Reads a <c>*-weights_manifest.json</c> file and its shards (next to it).</summary>
    /// <param name="manifestPath">The manifest file.</param>
    /// <returns>Every tensor by name, in manifest order.</returns>
    /// <exception cref="FileNotFoundException">When the manifest or a shard is missing (names it).</exception>
    /// <exception cref="TfJsFormatException">When the manifest is not valid JSON of that form, a shard is truncated or
    /// too long, a dtype or quantisation is unknown, or a name repeats (names file and tensor).</exception>
    public static IReadOnlyDictionary<string, TfJsTensor> LoadManifest(string manifestPath)
    {
        var groups = ReadJson<List<TfJsWeightGroup>>(manifestPath);
        return Decode(groups, Path.GetDirectoryName(Path.GetFullPath(manifestPath))!, manifestPath);
    }

    /// <summary>Decodes the tensors of <paramref name="groups"/> from their shards in <paramref name="folder"/>.</summary>
    /// <param name="groups">Manifest groups.</param>
    /// <param name="folder">Folder holding the shard files.</param>
    /// <param name="source">The manifest's file name, for error messages.</param>
    /// <returns>Every tensor by name, in manifest order.</returns>
    /// <exception cref="FileNotFoundException">When a shard is missing.</exception>
    /// <exception cref="TfJsFormatException">As <see cref="LoadManifest"/>.</exception>
    public static IReadOnlyDictionary<string, TfJsTensor> Decode(IReadOnlyList<TfJsWeightGroup> groups, string folder, string source)
    {
        var result = new Dictionary<string, TfJsTensor>(StringComparer.Ordinal);
        foreach (var group in groups)
        {
            if (group.Paths is null || group.Weights is null)
                throw new TfJsFormatException($"{source}: a weight group lacks 'paths' or 'weights'.");
            var shardNames = string.Join(", ", group.Paths);
            var bytes = ReadShards(group.Paths.Select(p => Path.Combine(folder, p)).ToList());
            var offset = 0L;
            foreach (var spec in group.Weights)
            {
                var tensor = DecodeOne(spec, bytes, ref offset, source, shardNames);
                if (!result.TryAdd(spec.Name, tensor))
                    throw new TfJsFormatException($"{source}: tensor '{spec.Name}' appears twice.");
            }
            if (offset != bytes.Length)
                throw new TfJsFormatException($"{source}: shards {shardNames} hold {bytes.Length} bytes but the manifest describes {offset}; the files do not belong together.");
        }
        return result;
    }

    /// <summary>Reads a JSON file into <typeparamref name="T"/>, naming the file on any error.</summary>
    internal static T ReadJson<T>(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such TF.js model file.", path);
        try
        {
            using var stream = File.OpenRead(path);
            return JsonSerializer.Deserialize<T>(stream, Json) ?? throw new TfJsFormatException($"{path}: empty JSON.");
        }
        catch (JsonException e)
        {
            throw new TfJsFormatException($"{path}: not a TF.js model file ({e.Message}).", e);
        }
    }

    private static byte[] ReadShards(IReadOnlyList<string> paths)
    {
        using var all = new MemoryStream();
        foreach (var path in paths)
        {
            if (!File.Exists(path)) throw new FileNotFoundException($"{path}: weight shard missing.", path);
            using var f = File.OpenRead(path);
            f.CopyTo(all);
        }
        return all.ToArray();
    }

    private static TfJsTensor DecodeOne(TfJsWeightSpec spec, byte[] bytes, ref long offset, string source, string shards)
    {
        if (string.IsNullOrEmpty(spec.Name) || spec.Shape is null || spec.Shape.Any(d => d < 0))
            throw new TfJsFormatException($"{source}: a tensor has no name or an invalid shape ('{spec.Name}').");
        if (spec.Dtype is not ("float32" or "int32"))
            throw new TfJsFormatException($"{source}: tensor '{spec.Name}' has dtype '{spec.Dtype}'; only float32 and int32 are supported.");
        var count = spec.Shape.Aggregate(1L, (a, b) => a * b);
        var stored = spec.Quantization?.Dtype ?? spec.Dtype;
        var width = stored switch
        {
            "float32" or "int32" => 4,
            "uint16" or "float16" => 2,
            "uint8" => 1,
            _ => throw new TfJsFormatException($"{source}: tensor '{spec.Name}' is quantised as '{stored}'; known: uint8, uint16, float16."),
        };
        var size = count * width;
        if (offset + size > bytes.Length)
            throw new TfJsFormatException($"{source}: shards {shards} end at byte {bytes.Length}, tensor '{spec.Name}' needs bytes {offset}..{offset + size}: truncated weights.");
        var span = bytes.AsSpan((int)offset, (int)size);
        offset += size;
        var values = new float[count];
        var q = spec.Quantization;
        switch (stored)
        {
            case "float32":
                for (var i = 0; i < count; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(span[(4 * i)..]);
                break;
            case "int32":
                for (var i = 0; i < count; i++) values[i] = BinaryPrimitives.ReadInt32LittleEndian(span[(4 * i)..]);
                break;
            case "float16":
                for (var i = 0; i < count; i++) values[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(span[(2 * i)..]);
                break;
            default:
                for (var i = 0; i < count; i++)
                {
                    int v = width == 1 ? span[i] : BinaryPrimitives.ReadUInt16LittleEndian(span[(2 * i)..]);
                    values[i] = Dequantise(q!, v, spec.Name, source);
                }
                break;
        }
        if (spec.Dtype == "int32" && q is not null)
            for (var i = 0; i < count; i++) values[i] = MathF.Round(values[i]);
        return new TfJsTensor(spec.Name, spec.Shape, values);
    }

    private static float Dequantise(TfJsQuantization q, int level, string name, string source)
    {
        if (q.Table is { } table)
            return level < table.Count ? (float)table[level]
                : throw new TfJsFormatException($"{source}: tensor '{name}' holds level {level} beyond its {table.Count}-entry dequantisation table.");
        if (q.Scale is not { } scale || q.Min is not { } min)
            throw new TfJsFormatException($"{source}: tensor '{name}' is quantised as {q.Dtype} without 'scale' and 'min'.");
        // tfjs computes v * scale + min in double precision and stores it in a Float32Array.
        return (float)(level * scale + min);
    }
}
