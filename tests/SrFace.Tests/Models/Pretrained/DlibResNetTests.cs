using SrFace.Imaging;
using SrFace.Models.Recognition;
using SrFace.Tests.Models.Pretrained;
using static TorchSharp.torch;

namespace SrFace.Tests.Models.Pretrained;

[Collection(TorchCollection.Name)]
public class DlibResNetTests
{
    private static DlibResNet LoadPretrained()
    {
        var model = new DlibResNet(new DlibResNetOptions());
        model.LoadTfJs(PretrainedStore.Open().LocateTfJsModel("@vladmandic/face-api", "1.7.15", "model/face_recognition_model-weights_manifest.json"));
        model.eval();
        return model;
    }

    /// <summary>The fixed 150 x 150 chip at (50, 50) of a 250 x 250 LFW image, [3, 150, 150] in [0, 1].</summary>
    private static Tensor Chip(string relative)
    {
        var image = new FaceImageReader(ColorMode.Rgb).Read(Path.Combine(TestData.LfwImages, relative));
        return image.narrow(1, 50, 150).narrow(2, 50, 150).contiguous();
    }

    [Fact]
    public void PretrainedDescriptorsSeparateSamePersonFromDifferentPeople()
    {
        using var scope = NewDisposeScope();
        using var model = LoadPretrained();
        var chips = stack(new[] { "Aaron_Peirsol/Aaron_Peirsol_0001.jpg", "Aaron_Peirsol/Aaron_Peirsol_0002.jpg", "Abdullah_Gul/Abdullah_Gul_0001.jpg" }.Select(Chip));
        using var _ = no_grad();
        var d = model.Descriptor(chips);
        var same = (d[0] - d[1]).norm().item<float>();
        var different = (d[0] - d[2]).norm().item<float>();
        Console.WriteLine($"dlib-resnet Euclidean distances: same {same:0.000}, different {different:0.000}");
        Assert.True(same < DlibResNet.EuclideanThreshold, $"same person at distance {same}");
        Assert.True(different > DlibResNet.EuclideanThreshold, $"different people at distance {different}");
    }

    [Fact]
    public void EveryImportedParameterIsFloat32AndTrainable()
    {
        using var scope = NewDisposeScope();
        using var model = LoadPretrained();
        model.train();
        var chips = stack(new[] { "Aaron_Peirsol/Aaron_Peirsol_0001.jpg", "Abdullah_Gul/Abdullah_Gul_0001.jpg" }.Select(Chip));
        var embeddings = model.forward(chips);
        embeddings[0].dot(embeddings[1]).backward();
        var parameters = model.named_parameters().ToList();
        Assert.Equal(29, parameters.Count(p => p.name.EndsWith("conv.weight", StringComparison.Ordinal)));
        Assert.InRange(parameters.Sum(p => p.parameter.numel()), 5_500_000, 5_700_000);
        foreach (var (name, p) in parameters)
        {
            Assert.Equal(ScalarType.Float32, p.dtype);
            Assert.True(p.grad is { } g && g.abs().sum().item<float>() > 0, $"no gradient reaches {name}");
        }
    }

    [Fact]
    public void Bf16EmbeddingsStayCloseToFloat32()
    {
        using var scope = NewDisposeScope();
        using var model = LoadPretrained();
        var chips = stack(new[] { "Aaron_Peirsol/Aaron_Peirsol_0001.jpg", "Abdullah_Gul/Abdullah_Gul_0001.jpg" }.Select(Chip));
        using var _ = no_grad();
        var fp32 = model.forward(chips);
        model.Precision = SrFace.Runtime.ComputePrecision.BFloat16;
        var bf16 = model.forward(chips);
        var cosines = (fp32 * bf16).sum(1);
        var maxDiff = (fp32 - bf16).abs().max().item<float>();
        Console.WriteLine($"dlib-resnet bf16 vs fp32: min cosine {cosines.min().item<float>():0.000000}, max abs difference {maxDiff:0.000000}");
        Assert.True(maxDiff > 0, "bf16 gave bit-identical embeddings: it did not run in bf16");
        Assert.True(cosines.min().item<float>() > 0.99f, $"bf16 embeddings drift: cosine {cosines.min().item<float>()}");
    }
}
