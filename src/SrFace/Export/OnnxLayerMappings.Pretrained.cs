using SrFace.Models.Recognition;
using SrFace.Models.SuperResolution;

namespace SrFace.Export;

// The networks of the pretrained/fine-tuned cascade: dlib's ResNet (face-api's port) and the VDSR-like restorer.
// Each mapping emits the module's children in the order its forward runs them; the comments name the TorchSharp line.
public sealed partial class OnnxLayerMappings
{
    /// <summary>Registers DlibResNet, its blocks, and Vdsr (called by <see cref="CreateDefault"/>).</summary>
    private void RegisterPretrainedNetworks()
    {
        Register<DlibResNet>(DlibResNetMapping);
        Register<DlibResNet.ScaledConv>((g, m, x) => g.Emit(Child(m, "scale"), g.Emit(Child(m, "conv"), x)));
        Register<DlibResNet.ChannelAffine>(ChannelAffine);
        Register<DlibResNet.Residual>(DlibResidual);
        Register<DlibResNet.ResidualDown>(DlibResidualDown);
        Register<Vdsr>(VdsrMapping);
    }

    /// <summary>DlibResNet.forward: normalise, conv32_down - ReLU - maxpool 3x3 s2, the stages, global mean, fc, L2 normalisation.</summary>
    private static OnnxValue DlibResNetMapping(OnnxGraphBuilder g, DlibResNet model, OnnxValue x)
    {
        var h = g.Node("Relu", [g.Emit(Child(model, "conv32_down"), Normalise(g, model, x)).Name], 4);
        h = g.Node("MaxPool", [h.Name], 4, ("kernel_shape", new long[] { 3, 3 }), ("strides", new long[] { 2, 2 }));
        h = g.Emit(Child(model, "stages"), h);
        var pooled = g.Node("ReduceMean", [h.Name, g.Int64s("axes", 2, 3)], 2, ("keepdims", 0L));   // x.mean([2, 3])
        return g.L2Normalise(g.Emit(Child(model, "fc"), pooled));
    }

    /// <summary>dlib's affine layer: y = x w + b per channel.</summary>
    private static OnnxValue ChannelAffine(OnnxGraphBuilder g, DlibResNet.ChannelAffine affine, OnnxValue x)
    {
        var c = affine.Weight.shape[0];
        var scaled = g.Node("Mul", [x.Name, g.Weight("affine_w", affine.Weight, [c, 1, 1])], 4);
        return g.Node("Add", [scaled.Name, g.Weight("affine_b", affine.Bias, [c, 1, 1])], 4);
    }

    /// <summary>relu(conv2(relu(conv1(x))) + x).</summary>
    private static OnnxValue DlibResidual(OnnxGraphBuilder g, DlibResNet.Residual block, OnnxValue x)
    {
        var h = g.Emit(Child(block, "conv2"), g.Node("Relu", [g.Emit(Child(block, "conv1"), x).Name], 4));
        return g.Node("Relu", [g.Node("Add", [h.Name, x.Name], 4).Name], 4);
    }

    /// <summary>relu(avgpool2x2(x) zero-padded in channels + conv2(relu(conv1(x))) zero-padded at the bottom/right to the pool's side).</summary>
    private static OnnxValue DlibResidualDown(OnnxGraphBuilder g, DlibResNet.ResidualDown block, OnnxValue x)
    {
        var h = g.Emit(Child(block, "conv2"), g.Node("Relu", [g.Emit(Child(block, "conv1"), x).Name], 4));
        var pooled = g.Node("AveragePool", [x.Name], 4, ("kernel_shape", new long[] { 2, 2 }), ("strides", new long[] { 2, 2 }));
        h = g.PadToSideOf(h, pooled);  // the 'valid' strided conv is one row/column short when the side is even
        if (block.ExtraChannels > 0)
            pooled = g.Node("Pad", [pooled.Name, g.Int64s("pads", 0, 0, 0, 0, 0, block.ExtraChannels, 0, 0)], 4, ("mode", "constant"));
        return g.Node("Relu", [g.Node("Add", [pooled.Name, h.Name], 4).Name], 4);
    }

    /// <summary>Vdsr.forward: replicate-pad to a multiple of r, pixel-unshuffle, conv-ReLU x (L-1), conv, shuffle, crop, + input.</summary>
    private static OnnxValue VdsrMapping(OnnxGraphBuilder g, Vdsr model, OnnxValue x)
    {
        var r = model.Options.Unshuffle;
        var y = r > 1 ? g.PixelUnshuffle(g.PadToMultipleOf(x, r), model.Channels, r) : x;
        foreach (var conv in Child(model, "body").children()) y = g.Node("Relu", [g.Emit(conv, y).Name], 4);
        y = g.Emit(Child(model, "tail"), y);
        if (r > 1) y = g.CropToSideOf(g.PixelShuffle(y, r), x);
        return g.Node("Add", [y.Name, x.Name], 4);
    }
}
