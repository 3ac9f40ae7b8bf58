using System.Text.Json;
using SrFace.Imaging;
using SrFace.Models.Recognition;
using static TorchSharp.torch;

namespace SrFace.Tests.Models.Pretrained;

/// <summary>
/// SrFace's TorchSharp port of dlib's ResNet against the ORIGINAL @vladmandic/face-api network run in Node.js
/// (tools/face-api-reference/make-golden.sh) on the same 12 LFW chips, pixel for pixel: the golden file records each
/// chip's byte sum as SrFace decodes it, so a decoder change shows up as such, not as a network difference.
/// </summary>
[Collection(TorchCollection.Name)]
public class DlibResNetGoldenTests
{
    private sealed record GoldenImage(string Path, long ByteSum, float[] Descriptor);

    private static IReadOnlyList<GoldenImage> ReadGolden()
    {
        var file = System.IO.Path.Combine(TestData.RepoRoot, "tools", "face-api-reference", "golden", "face_recognition_descriptors_skia.json");
        using var json = JsonDocument.Parse(File.ReadAllText(file));
        return json.RootElement.GetProperty("images").EnumerateArray().Select(i => new GoldenImage(
            i.GetProperty("path").GetString()!, i.GetProperty("rgb_bytes").GetProperty("sum").GetInt64(),
            i.GetProperty("descriptor").EnumerateArray().Select(v => v.GetSingle()).ToArray())).ToList();
    }

    [Fact]
    public void DescriptorsEqualTheOriginalPackageOnTheSamePixels()
    {
        using var scope = NewDisposeScope();
        var golden = ReadGolden();
        Assert.Equal(12, golden.Count);
        var reader = new FaceImageReader(ColorMode.Rgb);
        var chips = golden.Select(g =>
        {
            var chip = reader.Read(System.IO.Path.Combine(TestData.Datasets, g.Path)).narrow(1, 50, 150).narrow(2, 50, 150);
            Assert.Equal(g.ByteSum, chip.mul(255).round().sum().item<float>(), 0);  // the same pixels as the golden run
            return chip;
        }).ToArray();

        using var model = new DlibResNet(new DlibResNetOptions());
        model.LoadTfJs(PretrainedStore.Open().LocateTfJsModel("@vladmandic/face-api", "1.7.15", "model/face_recognition_model-weights_manifest.json"));
        model.eval();
        using var _ = no_grad();
        var raw = model.Descriptor(stack(chips));                                 // [12, 128]
        var expected = tensor(golden.SelectMany(g => g.Descriptor).ToArray(), [golden.Count, 128]);
        var rawDiff = (raw - expected).abs().max().item<float>();
        var unit = nn.functional.normalize(raw, dim: 1);
        var expectedUnit = nn.functional.normalize(expected, dim: 1);
        var unitDiff = (unit - expectedUnit).abs().max().item<float>();
        var embedded = model.forward(stack(chips));
        var forwardDiff = (embedded - expectedUnit).abs().max().item<float>();
        Console.WriteLine($"dlib-resnet vs @vladmandic/face-api 1.7.15 (Node, wasm) on 12 LFW chips: max abs difference raw {rawDiff:E2}, unit-norm {unitDiff:E2}");
        Assert.True(rawDiff < 1e-3, $"raw descriptors differ by {rawDiff}");
        Assert.True(unitDiff < 1e-3, $"unit-norm descriptors differ by {unitDiff}");
        Assert.True(forwardDiff < 1e-3, $"forward() embeddings differ from the unit-norm descriptors by {forwardDiff}");
    }
}
