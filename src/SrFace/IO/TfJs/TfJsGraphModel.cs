using System.Text.Json;
using System.Text.Json.Serialization;

namespace SrFace.IO.TfJs;

/// <summary>One node of a TF.js graph model (a TensorFlow <c>NodeDef</c> in JSON form).</summary>
/// <param name="Name">Node name (also the name of its output tensor, <c>name:0</c>).</param>
/// <param name="Op">Operation, e.g. <c>Conv2D</c>, <c>FusedDepthwiseConv2dNative</c>, <c>Const</c>.</param>
/// <param name="Input">Input node names (<c>^name</c> marks a control dependency; <c>name:1</c> a second output).</param>
/// <param name="Attr">Op attributes as JSON (e.g. <c>strides.list.i</c>, <c>padding.s</c> base64-encoded).</param>
public sealed record TfJsGraphNode(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("op")] string Op,
    [property: JsonPropertyName("input")] IReadOnlyList<string>? Input = null,
    [property: JsonPropertyName("attr")] IReadOnlyDictionary<string, JsonElement>? Attr = null)
{
    /// <summary>A string attribute (TF stores them base64-encoded in JSON), e.g. <c>padding</c> = "SAME"; null when absent.</summary>
    /// <param name="key">Attribute name.</param>
    public string? StringAttr(string key) =>
        Attr is not null && Attr.TryGetValue(key, out var a) && a.TryGetProperty("s", out var s)
            ? System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(s.GetString() ?? ""))
            : null;

    /// <summary>An integer-list attribute (e.g. <c>strides</c>, <c>dilations</c>); empty when absent.</summary>
    /// <param name="key">Attribute name.</param>
    public IReadOnlyList<long> IntListAttr(string key) =>
        Attr is not null && Attr.TryGetValue(key, out var a) && a.TryGetProperty("list", out var list) && list.TryGetProperty("i", out var items)
            ? items.EnumerateArray().Select(i => i.ValueKind == JsonValueKind.String ? long.Parse(i.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : i.GetInt64()).ToList()
            : [];

    /// <summary>A float attribute (e.g. <c>epsilon</c>, <c>alpha</c>); null when absent.</summary>
    /// <param name="key">Attribute name.</param>
    public double? FloatAttr(string key) =>
        Attr is not null && Attr.TryGetValue(key, out var a) && a.TryGetProperty("f", out var f) ? f.GetDouble() : null;
}

/// <summary>
/// A TF.js graph model (<c>model.json</c> with <c>format: "graph-model"</c>): the node list of its
/// <c>modelTopology</c> and the weights of its <c>weightsManifest</c>, decoded by <see cref="TfJsWeights"/>.
/// Networks built from it map node names to parameters with <see cref="TfJsImport"/>, as for weights manifests.
/// </summary>
public sealed class TfJsGraphModel
{
    private TfJsGraphModel(IReadOnlyList<TfJsGraphNode> nodes, IReadOnlyDictionary<string, TfJsTensor> weights)
    {
        Nodes = nodes;
        Weights = weights;
        NodesByName = nodes.ToDictionary(n => n.Name, StringComparer.Ordinal);
    }

    /// <summary>Nodes in file order.</summary>
    public IReadOnlyList<TfJsGraphNode> Nodes { get; }

    /// <summary>Nodes by name.</summary>
    public IReadOnlyDictionary<string, TfJsGraphNode> NodesByName { get; }

    /// <summary>The constant tensors (weights), by node name.</summary>
    public IReadOnlyDictionary<string, TfJsTensor> Weights { get; }

    /// <summary>Reads a graph model and its shards (next to it).</summary>
    /// <param name="path">The <c>model.json</c> file.</param>
    /// <returns>The model.</returns>
    /// <exception cref="FileNotFoundException">When the file or a shard is missing.</exception>
    /// <exception cref="TfJsFormatException">When it is not a graph model, a node repeats, or the weights are damaged.</exception>
    public static TfJsGraphModel Load(string path)
    {
        var file = TfJsWeights.ReadJson<GraphModelFile>(path);
        if (file.ModelTopology?.Node is not { } nodes)
            throw new TfJsFormatException($"{path}: no 'modelTopology.node' list; not a TF.js graph model.");
        if (file.WeightsManifest is not { } manifest)
            throw new TfJsFormatException($"{path}: no 'weightsManifest'; not a TF.js graph model.");
        var duplicate = nodes.GroupBy(n => n.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new TfJsFormatException($"{path}: node '{duplicate.Key}' appears twice.");
        var weights = TfJsWeights.Decode(manifest, Path.GetDirectoryName(Path.GetFullPath(path))!, path);
        return new TfJsGraphModel(nodes, weights);
    }

    private sealed record GraphModelFile(
        [property: JsonPropertyName("format")] string? Format,
        [property: JsonPropertyName("modelTopology")] Topology? ModelTopology,
        [property: JsonPropertyName("weightsManifest")] List<TfJsWeightGroup>? WeightsManifest);

    private sealed record Topology([property: JsonPropertyName("node")] List<TfJsGraphNode>? Node);
}
