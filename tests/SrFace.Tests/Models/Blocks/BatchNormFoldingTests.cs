using SrFace.Models.Blocks;
using SrFace.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SrFace.Tests.Models.Blocks;

[Collection(TorchCollection.Name)]
public class BatchNormFoldingTests
{
    /// <summary>A batch norm with running statistics far from the initial (0, 1), a gamma and a beta of its own.</summary>
    private static BatchNorm2d TrainedBatchNorm(int channels)
    {
        var bn = nn.BatchNorm2d(channels);
        using (no_grad())
        {
            bn.running_mean!.copy_(randn(channels));
            bn.running_var!.copy_(rand(channels).add(0.2));
            bn.weight!.copy_(randn(channels));
            bn.bias!.copy_(randn(channels));
        }
        return bn;
    }

    /// <summary>In eval mode the folded convolution is the two layers: the same outputs and gradients for W, gamma and beta.</summary>
    [Fact]
    public void An_eval_mode_batch_norm_folded_into_its_convolution_computes_the_two_layers_with_the_same_gradients()
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        var conv = new PrecisionConv2d(8, 16, 3, stride: 2, padding: 1, bias: false).ToChannelsLast();
        var bn = TrainedBatchNorm(16);
        bn.eval();
        var x = rand(2, 8, 12, 12).ToChannelsLast();
        var upstream = randn(2, 16, 6, 6);
        var parameters = new[] { conv.weight, bn.weight!, bn.bias! };

        var folded = BatchNormFolding.ConvThenBatchNorm(conv, bn, x);
        folded.mul(upstream).sum().backward();
        var foldedGrads = parameters.Select(p => p.grad!.clone()).ToArray();
        foreach (var p in parameters) p.grad!.zero_();

        var sequential = bn.forward(conv.forward(x));
        sequential.mul(upstream).sum().backward();

        Assert.True(folded.allclose(sequential, rtol: 1e-4, atol: 1e-5), $"max difference {folded.sub(sequential).abs().max().item<float>()}");
        foreach (var (f, p) in foldedGrads.Zip(parameters))
            Assert.True(f.allclose(p.grad!, rtol: 1e-4, atol: 1e-4), $"gradient difference {f.sub(p.grad!).abs().max().item<float>()}");
    }

    /// <summary>In training mode the batch norm normalises with the batch's statistics and updates its running ones.</summary>
    [Fact]
    public void A_training_mode_batch_norm_runs_apart_with_the_batch_statistics()
    {
        using var scope = NewDisposeScope();
        manual_seed(12);
        var conv = new PrecisionConv2d(4, 8, 3, padding: 1, bias: false).ToChannelsLast();
        var bn = TrainedBatchNorm(8);
        var before = bn.running_mean!.clone();
        bn.train();
        var x = rand(4, 4, 10, 10).ToChannelsLast();

        var y = BatchNormFolding.ConvThenBatchNorm(conv, bn, x);

        // Normalised by the batch: each channel's mean is beta (the running mean, far from the batch's, would not give it).
        var channelMeans = y.mean([0, 2, 3]);
        Assert.True(channelMeans.allclose(bn.bias!, rtol: 1e-4, atol: 1e-4), $"channel means {channelMeans.sub(bn.bias!).abs().max().item<float>()} from beta");
        Assert.False(bn.running_mean!.allclose(before), "the running mean moved towards the batch's");
    }

    /// <summary>
    /// A frozen FaceResNet (a cascade's copy) keeps its folded kernels and embeds as it did thawed, in fp32 and bf16.
    /// (That the folded network computes the unfolded one is checked against ONNX Runtime's own batch norms on a
    /// trained model: <c>OnnxExportTests</c>.)
    /// </summary>
    [Fact]
    public void A_frozen_face_resnet_in_eval_mode_embeds_as_it_does_thawed()
    {
        using var scope = NewDisposeScope();
        manual_seed(13);
        using var net = new SrFace.Models.Recognition.FaceResNet(new(Depth: 18, Width: 8, EmbeddingSize: 16, InputSize: 32));
        foreach (var bn in net.modules().OfType<BatchNorm2d>())
        {
            using (no_grad())
            {
                bn.running_mean!.copy_(randn(bn.running_mean.shape[0]).mul(0.1));
                bn.running_var!.copy_(rand(bn.running_var.shape[0]).add(0.5));
            }
        }
        net.eval();
        var x = rand(3, 3, 32, 32);
        Tensor Embed(ComputePrecision precision)
        {
            net.Precision = precision;
            using (no_grad()) return net.forward(x);
        }
        var fp32 = Embed(ComputePrecision.Float32);
        var bf16 = Embed(ComputePrecision.BFloat16);
        InferenceKernels.Freeze(net);
        Assert.True(Embed(ComputePrecision.Float32).allclose(fp32, rtol: 0, atol: 1e-6), "frozen fp32 kernels: the same embeddings");
        Assert.True(Embed(ComputePrecision.BFloat16).allclose(bf16, rtol: 0, atol: 1e-6), "frozen bf16 kernels: the same embeddings");
        var cosine = fp32.mul(bf16).sum(1);
        Assert.True(cosine.min().item<float>() > 0.99f, $"bf16 against fp32 cosine {cosine.min().item<float>()}");
    }
}
