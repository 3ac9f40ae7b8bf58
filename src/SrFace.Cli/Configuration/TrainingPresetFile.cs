using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using SrFace.Training;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SrFace.Cli.Configuration;

/// <summary>
/// Reads a training preset (<c>--config FILE</c>): a JSON or YAML file (by extension: <c>.json</c>, <c>.yaml</c>,
/// <c>.yml</c>) holding any subset of <see cref="JointTrainingOptions"/>. Keys are the PascalCase property names that
/// <c>options.json</c> uses (<c>InputSize</c>, <c>Stop: { MaxIterations: 2000 }</c>); enum values are their names
/// (<c>Sgd</c>, <c>BFloat16</c>; any case). The preset is merged key by key into the defaults, at every nesting
/// level, so <c>RecognizerOptimizer: { LearningRate: 0.1 }</c> keeps the other optimiser defaults. A degradation
/// range (<c>BlurSigma</c>, <c>NoiseSigma</c>, <c>JpegQuality</c>) may be a number (fixed) or <c>[min, max]</c>.
/// An unknown key, a wrong type or a duplicate key is an error naming the file and the key.
/// </summary>
internal static class TrainingPresetFile
{
    /// <summary>Loads a preset file over <paramref name="defaults"/>; the result is not yet validated.</summary>
    /// <exception cref="FileNotFoundException">When the file does not exist.</exception>
    /// <exception cref="FormatException">When the file is malformed or names an unknown option (message names file and key).</exception>
    public static JointTrainingOptions Load(string path, JointTrainingOptions defaults)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Config file not found: {path}", path);
        var text = File.ReadAllText(path);
        var extension = Path.GetExtension(path).ToLowerInvariant();
        var preset = extension switch
        {
            ".json" => ParseJson(text, path),
            ".yaml" or ".yml" => ParseYaml(text, path),
            _ => throw new FormatException($"{path}: a config file must end in .json, .yaml or .yml."),
        };
        return Apply(preset, defaults, path);
    }

    /// <summary>Merges a parsed preset (a JSON object, or null for an empty file) into <paramref name="defaults"/>.</summary>
    /// <exception cref="FormatException">When a key is unknown or a value has the wrong type (names <paramref name="source"/>).</exception>
    public static JointTrainingOptions Apply(JsonNode? preset, JointTrainingOptions defaults, string source)
    {
        var merged = JsonNode.Parse(TrainingOptionsJson.Serialize(defaults))!.AsObject();
        if (preset is not null)
        {
            if (preset is not JsonObject presetObject) throw new FormatException($"{source}: the top level must be a mapping of option names to values.");
            Merge(merged, presetObject, source, "");
        }
        return TrainingOptionsJson.Deserialize(merged.ToJsonString(), source);
    }

    private static void Merge(JsonObject target, JsonObject preset, string source, string prefix)
    {
        foreach (var (key, value) in preset.ToList())
        {
            var name = prefix + key;
            if (!target.ContainsKey(key))
            {
                var near = target.Select(p => p.Key).FirstOrDefault(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase));
                var hint = near is null ? $"known here: {string.Join(", ", target.Select(p => p.Key))}" : $"did you mean '{prefix}{near}'? Keys are PascalCase, as in options.json";
                throw new FormatException($"{source}: unknown option '{name}' ({hint}).");
            }
            var current = target[key];
            if (IsRange(current) || (current is null && IsRangeKey(key)))
                target[key] = RangeNode(value, source, name);
            else if (current is JsonObject currentObject && value is JsonObject valueObject)
                Merge(currentObject, valueObject, source, name + ".");
            else if (current is JsonObject fields && value is not null)
                throw new FormatException($"{source}: option '{name}' must be a mapping of its fields ({string.Join(", ", fields.Select(p => p.Key))}).");
            else
                target[key] = value?.DeepClone();
        }
    }

    // DegradationRange serialises as { Min, Max, IsZero, IsFixed } (the last two are read-only and ignored when read);
    // JpegQuality is a nullable range, null by default.
    private static bool IsRange(JsonNode? node) => node is JsonObject o && o.ContainsKey("Min") && o.ContainsKey("Max");

    private static bool IsRangeKey(string key) => key is "JpegQuality" or "BlurSigma" or "NoiseSigma";

    private static JsonNode? RangeNode(JsonNode? value, string source, string name) => value switch
    {
        null => null,
        JsonValue v when Number(v) is { } x => new JsonObject { ["Min"] = x, ["Max"] = x },
        JsonArray { Count: 2 } a when Number(a[0]) is { } min && Number(a[1]) is { } max => new JsonObject { ["Min"] = min, ["Max"] = max },
        JsonObject o when IsRange(o) => o.DeepClone(),
        _ => throw new FormatException($"{source}: option '{name}' must be a number, [min, max] or {{ Min, Max }}."),
    };

    private static double? Number(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? double.Parse(v.ToJsonString(), CultureInfo.InvariantCulture) : null;

    private static JsonNode? ParseJson(string text, string path)
    {
        try
        {
            return JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new FormatException($"{path}: not valid JSON ({e.Message}).", e);
        }
    }

    private static JsonNode? ParseYaml(string text, string path)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new FormatException($"{path}:{e.Start.Line}: not valid YAML ({e.Message}).", e);
        }
        return stream.Documents.Count == 0 ? null : ToJson(stream.Documents[0].RootNode, path);
    }

    private static JsonNode? ToJson(YamlNode node, string path)
    {
        switch (node)
        {
            case YamlMappingNode map:
                var obj = new JsonObject();
                foreach (var (k, v) in map.Children)
                {
                    var key = k is YamlScalarNode s ? s.Value ?? "" : throw new FormatException($"{path}:{k.Start.Line}: a key must be a plain name.");
                    obj[key] = ToJson(v, path); // duplicate keys were refused by YamlDotNet on load
                }
                return obj;
            case YamlSequenceNode seq:
                return new JsonArray(seq.Children.Select(c => ToJson(c, path)).ToArray());
            case YamlScalarNode scalar:
                return Scalar(scalar);
            default:
                throw new FormatException($"{path}:{node.Start.Line}: unsupported YAML node.");
        }
    }

    // Plain scalars are typed YAML-core style (null, booleans, numbers); quoted scalars stay strings.
    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var s = scalar.Value ?? "";
        if (scalar.Style is not YamlDotNet.Core.ScalarStyle.Plain) return JsonValue.Create(s);
        if (s is "" or "~" or "null" or "Null" or "NULL") return null;
        if (s is "true" or "True" or "TRUE") return JsonValue.Create(true);
        if (s is "false" or "False" or "FALSE") return JsonValue.Create(false);
        if (long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) return JsonValue.Create(l);
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) return JsonValue.Create(d);
        return JsonValue.Create(s);
    }
}
