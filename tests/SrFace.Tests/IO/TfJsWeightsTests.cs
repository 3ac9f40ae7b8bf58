using System.Buffers.Binary;
using System.Text.Json;
using SrFace.IO.TfJs;
using static TorchSharp.torch;

namespace SrFace.Tests.IO;

/// <summary>The TF.js readers on small hand-made manifests whose decoded values are known exactly.</summary>
[Collection(TorchCollection.Name)]
public class TfJsWeightsTests
{
    private static string Write(object manifest, params byte[][] shards)
    {
        var dir = TestData.NewTempDir();
        for (var i = 0; i < shards.Length; i++) File.WriteAllBytes(Path.Combine(dir, $"w{i}.bin"), shards[i]);
        var path = Path.Combine(dir, "m-weights_manifest.json");
        File.WriteAllText(path, JsonSerializer.Serialize(manifest));
        return path;
    }

    private static object Group(object[] weights, params string[] paths) => new { paths, weights };

    private static byte[] Floats(params float[] v)
    {
        var b = new byte[4 * v.Length];
        for (var i = 0; i < v.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(4 * i), v[i]);
        return b;
    }

    [Fact]
    public void DecodesFloat32Uint8Uint16Float16AndTablesAcrossShards()
    {
        var uint16 = new byte[4];
        BinaryPrimitives.WriteUInt16LittleEndian(uint16, 1000);
        BinaryPrimitives.WriteUInt16LittleEndian(uint16.AsSpan(2), 3);
        var half = new byte[2];
        BinaryPrimitives.WriteHalfLittleEndian(half, (Half)(-1.5f));
        // A tensor may straddle two shards: the shards are one byte stream.
        var stream = Floats(1.25f, -2f).Concat(new byte[] { 0, 10, 255 }).Concat(uint16).Concat(half).Concat(new byte[] { 2, 0 }).ToArray();
        var path = Write(new[]
        {
            Group([
                new { name = "f", shape = new[] { 2 }, dtype = "float32" },
                new { name = "q8", shape = new[] { 3 }, dtype = "float32", quantization = new { dtype = "uint8", scale = 0.5, min = -1.0 } },
                new { name = "q16", shape = new[] { 1, 2 }, dtype = "float32", quantization = new { dtype = "uint16", scale = 0.001, min = 0.0 } },
                new { name = "h", shape = Array.Empty<int>(), dtype = "float32", quantization = new { dtype = "float16" } },
                new { name = "t", shape = new[] { 2 }, dtype = "float32", quantization = new { dtype = "uint8", table = new[] { 0.1, 0.2, 0.7 } } },
            ], "w0.bin", "w1.bin"),
        }, stream[..5], stream[5..]);

        var w = TfJsWeights.LoadManifest(path);
        Assert.Equal(new[] { "f", "q8", "q16", "h", "t" }, w.Keys);
        Assert.Equal(new[] { 1.25f, -2f }, w["f"].Values);
        Assert.Equal(new[] { -1f, 4f, 126.5f }, w["q8"].Values);
        Assert.Equal(new[] { 1f, 0.003f }, w["q16"].Values);
        Assert.Equal(new long[] { 1, 2 }, w["q16"].Shape);
        Assert.Equal(new[] { -1.5f }, w["h"].Values);
        Assert.Equal(new[] { 0.7f, 0.1f }, w["t"].Values);
    }

    [Fact]
    public void TruncatedOrOverlongShardsAreRefusedNamingTheTensor()
    {
        var spec = new[] { Group([new { name = "conv/filters", shape = new[] { 4 }, dtype = "float32" }], "w0.bin") };
        var truncated = Assert.Throws<TfJsFormatException>(() => TfJsWeights.LoadManifest(Write(spec, Floats(1, 2, 3))));
        Assert.Contains("conv/filters", truncated.Message);
        Assert.Contains("truncated", truncated.Message);
        var overlong = Assert.Throws<TfJsFormatException>(() => TfJsWeights.LoadManifest(Write(spec, Floats(1, 2, 3, 4, 5))));
        Assert.Contains("do not belong together", overlong.Message);
        var missing = Write(spec, Floats(1, 2, 3, 4));
        File.Delete(Path.Combine(Path.GetDirectoryName(missing)!, "w0.bin"));
        Assert.Contains("w0.bin", Assert.Throws<FileNotFoundException>(() => TfJsWeights.LoadManifest(missing)).Message);
    }

    [Fact]
    public void UnknownDtypesAndBrokenJsonAreRefusedNamingTheFile()
    {
        var strings = Write(new[] { Group([new { name = "s", shape = new[] { 1 }, dtype = "string" }], "w0.bin") }, new byte[4]);
        Assert.Contains("'s'", Assert.Throws<TfJsFormatException>(() => TfJsWeights.LoadManifest(strings)).Message);
        var int4 = Write(new[] { Group([new { name = "q", shape = new[] { 1 }, dtype = "float32", quantization = new { dtype = "int4" } }], "w0.bin") }, new byte[4]);
        Assert.Contains("int4", Assert.Throws<TfJsFormatException>(() => TfJsWeights.LoadManifest(int4)).Message);
        var dir = TestData.NewTempDir();
        var broken = Path.Combine(dir, "broken.json");
        File.WriteAllText(broken, "[{\"paths\": [\"w0.bin\"], \"weights\": [");
        Assert.Contains(broken, Assert.Throws<TfJsFormatException>(() => TfJsWeights.LoadManifest(broken)).Message);
    }

    [Fact]
    public void ImportConvertsLayoutsAndRefusesManifestsOfAnotherNetwork()
    {
        using var scope = NewDisposeScope();
        var conv = TorchSharp.torch.nn.Conv2d(2, 3, 1, bias: false);
        // TF kernel [kh, kw, in, out] = [1, 1, 2, 3]: value = 10 * in + out.
        var kernel = new TfJsTensor("k", [1, 1, 2, 3], [0, 1, 2, 10, 11, 12]);
        TfJsImport.LoadInto(conv, new Dictionary<string, TfJsTensor> { ["k"] = kernel }, [new TfJsParameterMap("k", "weight", TfJsLayout.ConvKernel)], "test");
        // PyTorch weight [out, in, 1, 1]: weight[o, i] = 10 * i + o.
        Assert.Equal(new float[] { 0, 10, 1, 11, 2, 12 }, conv.weight!.flatten().data<float>().ToArray());

        var extra = new Dictionary<string, TfJsTensor> { ["k"] = kernel, ["other"] = new("other", [1], [0]) };
        Assert.Contains("'other'", Assert.Throws<TfJsFormatException>(() =>
            TfJsImport.LoadInto(conv, extra, [new TfJsParameterMap("k", "weight", TfJsLayout.ConvKernel)], "test")).Message);
        var wrongShape = new Dictionary<string, TfJsTensor> { ["k"] = new("k", [1, 1, 3, 3], new float[9]) };
        Assert.Contains("[1, 1, 3, 3]", Assert.Throws<TfJsFormatException>(() =>
            TfJsImport.LoadInto(conv, wrongShape, [new TfJsParameterMap("k", "weight", TfJsLayout.ConvKernel)], "test")).Message);
        Assert.Contains("'weight'", Assert.Throws<TfJsFormatException>(() =>
            TfJsImport.LoadInto(conv, new Dictionary<string, TfJsTensor>(), [], "test")).Message);
    }

    [Fact]
    public void GraphModelsGiveNodesAttributesAndWeights()
    {
        var dir = TestData.NewTempDir();
        File.WriteAllBytes(Path.Combine(dir, "g.bin"), Floats(0.5f, 0.25f));
        var padding = Convert.ToBase64String("SAME"u8.ToArray());
        File.WriteAllText(Path.Combine(dir, "model.json"), """
            {"format": "graph-model", "modelTopology": {"node": [
              {"name": "input", "op": "Placeholder"},
              {"name": "w", "op": "Const"},
              {"name": "conv", "op": "Conv2D", "input": ["input", "w"],
               "attr": {"padding": {"s": "PADDING"}, "strides": {"list": {"i": ["1", "2", "2", "1"]}}, "epsilon": {"f": 0.001}}}]},
             "weightsManifest": [{"paths": ["g.bin"], "weights": [{"name": "w", "shape": [1, 1, 2, 1], "dtype": "float32"}]}]}
            """.Replace("PADDING", padding, StringComparison.Ordinal));
        var model = TfJsGraphModel.Load(Path.Combine(dir, "model.json"));
        var conv = model.NodesByName["conv"];
        Assert.Equal("Conv2D", conv.Op);
        Assert.Equal("SAME", conv.StringAttr("padding"));
        Assert.Equal(new long[] { 1, 2, 2, 1 }, conv.IntListAttr("strides"));
        Assert.Equal(0.001, conv.FloatAttr("epsilon"));
        Assert.Equal(new[] { 0.5f, 0.25f }, model.Weights["w"].Values);
        File.WriteAllText(Path.Combine(dir, "weights-only.json"), "[]");
        Assert.Throws<TfJsFormatException>(() => TfJsGraphModel.Load(Path.Combine(dir, "weights-only.json")));
    }
}
