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
    public static ModelProto Prune(ModelProto model, string input, string output) => Prune(model, [input], [output]);

    /// <summary>As <see cref="Prune(ModelProto, string, string)"/> for a path with several inputs or outputs (e.g. an image and a sampling grid).</summary>
    /// <param name="model">The model; not modified.</param>
    /// <param name="inputs">The graph inputs to keep.</param>
    /// <param name="outputs">The graph outputs to keep.</param>
    /// <returns>The pruned copy.</returns>
    /// <exception cref="ArgumentException">When an input or output is not in the graph, or the outputs need another graph input.</exception>
    public static ModelProto Prune(ModelProto model, IReadOnlyCollection<string> inputs, IReadOnlyCollection<string> outputs)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        var copy = model.Clone();
        var graph = copy.Graph;
        foreach (var input in inputs)
            if (graph.Input.All(i => i.Name != input)) throw new ArgumentException($"The graph has no input '{input}'.", nameof(inputs));
        foreach (var output in outputs)
            if (graph.Output.All(o => o.Name != output)) throw new ArgumentException($"The graph has no output '{output}'.", nameof(outputs));
        var needed = new HashSet<string>(outputs);
        var kept = new List<NodeProto>();
        foreach (var node in graph.Node.Reverse())
        {
            if (!node.Output.Any(needed.Contains)) continue;
            kept.Add(node);
            foreach (var name in node.Input) if (name.Length > 0) needed.Add(name);
        }
        kept.Reverse();
        var otherInputs = graph.Input.Where(i => !inputs.Contains(i.Name) && needed.Contains(i.Name)).Select(i => i.Name).ToList();
        if (otherInputs.Count > 0) throw new ArgumentException($"Output(s) {string.Join(", ", outputs)} also need input(s) {string.Join(", ", otherInputs)}.", nameof(outputs));
        graph.Node.Clear();
        graph.Node.AddRange(kept);
        var initializers = graph.Initializer.Where(t => needed.Contains(t.Name)).ToList();
        graph.Initializer.Clear();
        graph.Initializer.AddRange(initializers);
        var keptInputs = graph.Input.Where(i => inputs.Contains(i.Name)).ToList();
        graph.Input.Clear();
        graph.Input.AddRange(keptInputs);
        var keptOutputs = graph.Output.Where(o => outputs.Contains(o.Name)).ToList();
        graph.Output.Clear();
        graph.Output.AddRange(keptOutputs);
        return copy;
    }
}
