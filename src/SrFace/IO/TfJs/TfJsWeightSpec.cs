using System.Text.Json.Serialization;

namespace SrFace.IO.TfJs;

/// <summary>
/// One group of a TF.js weights manifest (<c>*-weights_manifest.json</c>, or the <c>weightsManifest</c> of a graph
/// model's <c>model.json</c>): binary shard files, concatenated in order, holding <see cref="Weights"/> back to back.
/// </summary>
/// <param name="Paths">Shard file names, relative to the manifest's folder.</param>
/// <param name="Weights">The tensors stored in the shards, in storage order.</param>
public sealed record TfJsWeightGroup(
    [property: JsonPropertyName("paths")] IReadOnlyList<string> Paths,
    [property: JsonPropertyName("weights")] IReadOnlyList<TfJsWeightSpec> Weights);

/// <summary>One tensor of a weights manifest (TF.js <c>WeightsManifestEntry</c>).</summary>
/// <param name="Name">Tensor name, e.g. <c>conv32_down/conv/filters</c>.</param>
/// <param name="Shape">Shape as stored (TF layout: conv kernels <c>[kh, kw, in, out]</c>).</param>
/// <param name="Dtype">Logical dtype: <c>float32</c> or <c>int32</c> (others are refused).</param>
/// <param name="Quantization">How the stored values encode the logical ones, or null when stored as <see cref="Dtype"/>.</param>
public sealed record TfJsWeightSpec(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("shape")] IReadOnlyList<long> Shape,
    [property: JsonPropertyName("dtype")] string Dtype,
    [property: JsonPropertyName("quantization")] TfJsQuantization? Quantization = null);

/// <summary>
/// TF.js weight quantisation (tfjs-core <c>io/weights_loader</c>): <c>uint8</c>/<c>uint16</c> values q decode as
/// <c>q * Scale + Min</c>, or, with a dequantisation <see cref="Table"/>, as <c>Table[q]</c>; <c>float16</c> values
/// are IEEE half floats.
/// </summary>
/// <param name="Dtype">Stored dtype: <c>uint8</c>, <c>uint16</c> or <c>float16</c>.</param>
/// <param name="Scale">Step between quantisation levels (affine uint8/uint16).</param>
/// <param name="Min">Value of level 0 (affine uint8/uint16).</param>
/// <param name="Table">Value of each level (table form), or null.</param>
public sealed record TfJsQuantization(
    [property: JsonPropertyName("dtype")] string Dtype,
    [property: JsonPropertyName("scale")] double? Scale = null,
    [property: JsonPropertyName("min")] double? Min = null,
    [property: JsonPropertyName("table")] IReadOnlyList<double>? Table = null);
