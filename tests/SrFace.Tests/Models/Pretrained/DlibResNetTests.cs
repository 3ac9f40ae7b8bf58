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
}
