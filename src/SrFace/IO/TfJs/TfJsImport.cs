using TorchSharp;
using static TorchSharp.torch;

namespace SrFace.IO.TfJs;

/// <summary>How a TF.js tensor's layout maps onto a PyTorch-style parameter.</summary>
public enum TfJsLayout
{
    /// <summary>Same shape (biases, per-channel scales).</summary>
    AsIs,

    /// <summary>Convolution kernel <c>[kh, kw, in, out]</c> to <c>[out, in, kh, kw]</c> (<c>permute(3, 2, 0, 1)</c>).</summary>
    ConvKernel,

    /// <summary>Depthwise kernel <c>[kh, kw, C, 1]</c> to <c>[C, 1, kh, kw]</c> (<c>permute(2, 3, 0, 1)</c>, groups = C).</summary>
    DepthwiseKernel,

    /// <summary>Matrix-multiply weight <c>[in, out]</c> (y = x W) to a linear layer's <c>[out, in]</c> (y = x W^T).</summary>
    MatMul,
}

/// <summary>One TF.js tensor and the module parameter (state-dict key) it fills.</summary>
/// <param name="TfName">Tensor name in the TF.js manifest, e.g. <c>conv32_1/conv1/conv/filters</c>.</param>
/// <param name="Parameter">State-dict key of the target module, e.g. <c>conv32_1.conv1.conv.weight</c>.</param>
/// <param name="Layout">Layout conversion.</param>
public sealed record TfJsParameterMap(string TfName, string Parameter, TfJsLayout Layout);

/// <summary>
/// Copies decoded TF.js weights into a TorchSharp module through an explicit name map. Strict both ways: every
/// parameter and buffer of the module must be filled, every manifest tensor must be used, and every shape must match
/// after the layout conversion, so a manifest of another network (or of another version) is refused, not half-loaded.
/// Quantised tensors become ordinary float32 parameters that train like any other.
/// </summary>
public static class TfJsImport
{
    /// <summary>Loads <paramref name="weights"/> into <paramref name="module"/>.</summary>
    /// <param name="module">Target network (its parameters may be channels-last; values are copied, layouts kept).</param>
    /// <param name="weights">Decoded tensors (from <see cref="TfJsWeights.LoadManifest"/>).</param>
    /// <param name="map">Which tensor fills which parameter.</param>
    /// <param name="source">The manifest file, for error messages.</param>
    /// <exception cref="TfJsFormatException">When a tensor or parameter is missing or unused, or a shape differs
    /// (the message names the file, the tensor and both shapes).</exception>
    public static void LoadInto(nn.Module module, IReadOnlyDictionary<string, TfJsTensor> weights, IReadOnlyList<TfJsParameterMap> map, string source)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var state = module.state_dict();
        var filled = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in map)
        {
            if (!weights.TryGetValue(entry.TfName, out var tf))
                throw new TfJsFormatException($"{source}: has no tensor '{entry.TfName}' (needed for '{entry.Parameter}'); it is not a weights file of this network.");
            if (!state.TryGetValue(entry.Parameter, out var target))
                throw new TfJsFormatException($"{source}: tensor '{entry.TfName}' maps to '{entry.Parameter}', which the network lacks.");
            var value = ToTorchLayout(tf, entry.Layout);
            if (!value.shape.SequenceEqual(target.shape))
                throw new TfJsFormatException($"{source}: tensor '{entry.TfName}' has shape [{string.Join(", ", tf.Shape)}]; '{entry.Parameter}' needs [{string.Join(", ", target.shape)}] after {entry.Layout}.");
            target.copy_(value);
            if (!filled.Add(entry.Parameter))
                throw new TfJsFormatException($"{source}: parameter '{entry.Parameter}' is filled twice.");
        }
        var unfilled = state.Keys.Where(k => !filled.Contains(k)).ToList();
        if (unfilled.Count > 0)
            throw new TfJsFormatException($"{source}: no tensor for {unfilled.Count} parameter(s) of the network, e.g. '{unfilled[0]}'.");
        var mapped = map.Select(m => m.TfName).ToHashSet(StringComparer.Ordinal);
        var unused = weights.Keys.Where(k => !mapped.Contains(k)).ToList();
        if (unused.Count > 0)
            throw new TfJsFormatException($"{source}: {unused.Count} tensor(s) the network does not use, e.g. '{unused[0]}'; it is not a weights file of this network.");
    }

    /// <summary>Converts one tensor to PyTorch layout.</summary>
    /// <param name="tf">The decoded tensor.</param>
    /// <param name="layout">Its conversion.</param>
    /// <returns>A float32 tensor (contiguous).</returns>
    /// <exception cref="TfJsFormatException">When the rank does not fit the layout.</exception>
    public static Tensor ToTorchLayout(TfJsTensor tf, TfJsLayout layout)
    {
        using var raw = tensor(tf.Values, tf.Shape.ToArray());
        var rank = tf.Shape.Count;
        int[]? order = layout switch
        {
            TfJsLayout.ConvKernel when rank == 4 => [3, 2, 0, 1],
            TfJsLayout.DepthwiseKernel when rank == 4 => [2, 3, 0, 1],
            TfJsLayout.MatMul when rank == 2 => [1, 0],
            TfJsLayout.AsIs => null,
            _ => throw new TfJsFormatException($"tensor '{tf.Name}' of rank {rank} cannot be a {layout}."),
        };
        return order is null ? raw.clone() : raw.permute(order.Select(i => (long)i).ToArray()).contiguous();
    }
}
