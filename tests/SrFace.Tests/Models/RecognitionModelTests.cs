using SrFace.Losses;
using SrFace.Models.Recognition;
using SrFace.Runtime;
using static TorchSharp.torch;

namespace SrFace.Tests.Models;

[Collection(TorchCollection.Name)]
public class RecognitionModelTests
{
    [Theory]
    [InlineData("resnet", 64)] [InlineData("resnet", 112)] [InlineData("resnet", 150)]
    [InlineData("mobile", 64)] [InlineData("mobile", 112)]
    public void EmbedsFacesIntoUnitNormVectors(string kind, int size)
    {
        using var scope = NewDisposeScope();
        FaceRecognizer model = kind == "resnet"
            ? new FaceResNet(new FaceResNetOptions(Depth: 18, Width: 4, EmbeddingSize: 16, InputSize: size))
            : new MobileFaceNet(new MobileFaceNetOptions(EmbeddingSize: 16, InputSize: size, Width: 4));
        var embeddings = model.forward(rand(3, 3, size, size));
        Assert.Equal(new long[] { 3, 16 }, embeddings.shape);
        Assert.Equal(ScalarType.Float32, embeddings.dtype);
        var norms = embeddings.norm(1);
        Assert.True(norms.sub(1).abs().max().item<float>() < 1e-4, $"norms {norms.max().item<float>()}");
    }

    [Fact]
    public void RejectsInputOfTheWrongSize()
    {
        using var scope = NewDisposeScope();
        var model = new FaceResNet(new FaceResNetOptions(Width: 4, InputSize: 64));
        Assert.Throws<ArgumentException>(() => model.forward(rand(1, 3, 112, 112)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FaceResNet(new FaceResNetOptions(Depth: 20)));
    }

    [Fact]
    public void FaceResNet18KeyListAndParameterCountMatchInsightface()
    {
        using var scope = NewDisposeScope();
        var model = new FaceResNet(new FaceResNetOptions(Depth: 18, Width: 64, EmbeddingSize: 128, InputSize: 112));
        string[] bn = ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"];
        var expected = new List<string> { "conv1.weight" };
        expected.AddRange(bn.Select(k => "bn1." + k));
        expected.Add("prelu.weight");
        for (int layer = 1; layer <= 4; layer++)
        {
            for (int block = 0; block < 2; block++)
            {
                var p = $"layer{layer}.{block}.";
                expected.AddRange(bn.Select(k => p + "bn1." + k));
                expected.Add(p + "conv1.weight");
                expected.AddRange(bn.Select(k => p + "bn2." + k));
                expected.Add(p + "prelu.weight");
                expected.Add(p + "conv2.weight");
                expected.AddRange(bn.Select(k => p + "bn3." + k));
                if (block == 0)
                {
                    expected.Add(p + "downsample.0.weight");
                    expected.AddRange(bn.Select(k => p + "downsample.1." + k));
                }
            }
        }
        expected.AddRange(bn.Select(k => "bn2." + k));
        expected.AddRange(["fc.weight", "fc.bias"]);
        expected.AddRange(bn.Select(k => "features." + k));
        Assert.Equal(expected.Order(), model.state_dict().Keys.Order());

        // IR block (in -> out): BN(in) + 3x3 in->out + BN + PReLU + 3x3 out->out + BN, + 1x1 projection + BN.
        static long Block(long i, long o, bool down) => 2 * i + 9 * i * o + 2 * o + o + 9 * o * o + 2 * o + (down ? i * o + 2 * o : 0);
        long count = (3 * 64 * 9 + 2 * 64 + 64)
            + Block(64, 64, true) + Block(64, 64, false) + Block(64, 128, true) + Block(128, 128, false)
            + Block(128, 256, true) + Block(256, 256, false) + Block(256, 512, true) + Block(512, 512, false)
            + 2 * 512 + (512 * 7 * 7 * 128 + 128) + 2 * 128;
        Assert.Equal(14_390_656, count);
        Assert.Equal(count, model.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void BFloat16EmbeddingsAreCloseToFloat32()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var model = new FaceResNet(new FaceResNetOptions(Width: 8, EmbeddingSize: 32, InputSize: 32));
        model.eval();
        var faces = rand(4, 3, 32, 32);
        using var _ = no_grad();
        var reference = model.forward(faces);
        model.Precision = ComputePrecision.BFloat16;
        var low = model.forward(faces);
        Assert.Equal(ScalarType.Float32, low.dtype);
        var cosine = low.mul(reference).sum(1);
        Assert.True(cosine.min().item<float>() > 0.98, $"min cosine {cosine.min().item<float>()}");
    }

    [Fact]
    public void OneSgdStepLowersFaceResNetContrastiveLoss()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        var model = new FaceResNet(new FaceResNetOptions(Width: 8, EmbeddingSize: 16, InputSize: 32));
        var faces = rand(8, 3, 32, 32);
        var labels = tensor(new long[] { 0, 0, 1, 1, 2, 2, 3, 3 });
        var loss = new ContrastiveLoss(margin: 1.0);
        var optimizer = optim.SGD(model.parameters(), 0.05);
        var before = loss.forward(model.forward(faces), labels);
        optimizer.zero_grad();
        before.backward();
        optimizer.step();
        using var _ = no_grad();
        var after = loss.forward(model.forward(faces), labels);
        Assert.True(after.item<float>() < before.item<float>(), $"contrastive {before.item<float>()} -> {after.item<float>()}");
    }
}
