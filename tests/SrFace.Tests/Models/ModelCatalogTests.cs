using SrFace.Models;
using static TorchSharp.torch;

namespace SrFace.Tests.Models;

[Collection(TorchCollection.Name)]
public class ModelCatalogTests
{
    [Fact]
    public void EverySuperResolutionEntryBuildsAndUpscales()
    {
        Assert.Equal(["srcnn", "fsrcnn", "vdsr", "srgan"], ModelCatalog.SuperResolution.Keys);
        foreach (var entry in ModelCatalog.SuperResolution.Values)
        {
            using var scope = NewDisposeScope();
            var config = new SrModelConfig(Scale: 4, Width: 8, Blocks: entry.PreUpsampled ? 2 : 1); // Blocks = layers for vdsr (at least 2)
            var model = entry.Create(config);
            // A pre-upsampled model (vdsr) restores at the size it is given: the caller upsamples the probe first.
            var input = entry.PreUpsampled ? rand(1, 3, 32, 32) : rand(1, 3, 8, 8);
            Assert.Equal(new long[] { 1, 3, 32, 32 }, model.forward(input).shape);
            if (entry.CreateDiscriminator is { } makeD)
                Assert.Equal(new long[] { 1, 1 }, makeD(config).forward(rand(1, 3, 32, 32)).shape);
        }
    }

    [Fact]
    public void EveryRecognizerEntryBuildsWithItsConventions()
    {
        Assert.Equal(["face-resnet18", "face-resnet34", "face-resnet50", "mobilefacenet", "dlib-resnet"], ModelCatalog.Recognizers.Keys);
        foreach (var entry in ModelCatalog.Recognizers.Values)
        {
            using var scope = NewDisposeScope();
            // Pretrained architectures are fixed (dlib: 128-D, at least 104 px); the others take any size.
            var (size, d) = entry.Pretrained is null ? (32, 8) : (112, 128);
            var model = entry.Create(new RecognizerConfig(InputSize: size, EmbeddingSize: d, Width: 4));
            Assert.Equal(size, model.InputSize);
            Assert.Equal(entry.Mean, model.Mean);
            Assert.Equal(entry.Std, model.Std);
            Assert.Equal(new long[] { 2, d }, model.forward(rand(2, 3, size, size)).shape);
        }
    }

    [Fact]
    public void UnknownNamesListTheKnownOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => ModelCatalog.CreateRecognizer("vgg-face", new RecognizerConfig()));
        Assert.Contains("mobilefacenet", e.Message);
        Assert.Same(ModelCatalog.SuperResolution["fsrcnn"], ModelCatalog.SuperResolution["FSRCNN"]);
    }
}
