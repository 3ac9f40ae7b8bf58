using Onnx;

namespace SrFace.Export;

/// <summary>Cuts an ONNX graph down to what one output needs from one input.</summary>
public static class OnnxGraphPruning
{
    /// <summary>
    /// A copy of <paramref name="model"/> whose graph has only <paramref name="input"/> and <paramref name="output"/>,
    /// the nodes the output depends on (walked back from it) and the initializers those nodes read.
    /// </summary>
    /// <param name="model">The model; not modified.</param>
    /// <param name="input">The graph input to keep.</param>
    /// <param name="output">The graph output to keep.</param>
    /// <returns>The pruned copy.</returns>
    /// <exception cref="ArgumentException">When the input or output is not in the graph, or the output needs another graph input.</exception>
    public static ModelProto Prune(ModelProto model, string input, string output)
    {
        ArgumentNullException.ThrowIfNull(model);
        var copy = model.Clone();
        var graph = copy.Graph;
        if (graph.Input.All(i => i.Name != input)) throw new ArgumentException($"The graph has no input '{input}'.", nameof(input));
        if (graph.Output.All(o => o.Name != output)) throw new ArgumentException($"The graph has no output '{output}'.", nameof(output));
        var needed = new HashSet<string> { output };
        var kept = new List<NodeProto>();
        foreach (var node in graph.Node.Reverse())
        {
            if (!node.Output.Any(needed.Contains)) continue;
            kept.Add(node);
            foreach (var name in node.Input) if (name.Length > 0) needed.Add(name);
        }
        kept.Reverse();
        var otherInputs = graph.Input.Where(i => i.Name != input && needed.Contains(i.Name)).Select(i => i.Name).ToList();
        if (otherInputs.Count > 0) throw new ArgumentException($"Output '{output}' also needs input(s) {string.Join(", ", otherInputs)}.", nameof(output));
        graph.Node.Clear();
        graph.Node.AddRange(kept);
        var initializers = graph.Initializer.Where(t => needed.Contains(t.Name)).ToList();
        graph.Initializer.Clear();
        graph.Initializer.AddRange(initializers);
        var inputs = graph.Input.Where(i => i.Name == input).ToList();
        graph.Input.Clear();
        graph.Input.AddRange(inputs);
        var outputs = graph.Output.Where(o => o.Name == output).ToList();
        graph.Output.Clear();
        graph.Output.AddRange(outputs);
        return copy;
    }
}
