using SrFace.Detection;
using SrFace.Models.Blocks;
using TorchSharp;
using static TorchSharp.torch;

namespace SrFace.Export;

// face-api's networks (tiny face detector, SSD MobileNet v1, 68-point landmark net): each mapping emits the module's
// forward in TorchSharp's order. TF 'same' convolutions and 'same' max pooling are ONNX auto_pad SAME_UPPER (the
// extra row/column at the bottom/right, padded cells ignored by MaxPool), TF's maxPool 2 s2 'same' is ceil_mode.
public sealed partial class OnnxLayerMappings
{
    /// <summary>Registers the face-api networks and their blocks (called by <see cref="CreateDefault"/>).</summary>
    private void RegisterFaceDetectionNetworks()
    {
        Register<SeparableConv>((g, m, x) => g.Emit(Child(m, "pointwise"), ConvSame(g, (PrecisionConv2d)Child(m, "depthwise"), x)));
        Register<TinyFaceDetector>(TinyFaceDetectorMapping);
        Register<SsdMobilenetV1.PointwiseLayer>((g, m, x) => Relu6(g, ConvSame(g, (PrecisionConv2d)Child(m, "conv"), x)));
        Register<SsdMobilenetV1.DepthwiseLayer>(DepthwiseLayerMapping);
        Register<SsdMobilenetV1>(SsdMapping);
        Register<FaceLandmark68Net.DenseBlock>(DenseBlockMapping);
        Register<FaceLandmark68Net>(LandmarkNetMapping);
    }

    /// <summary>TinyFaceDetector.forward: mean subtraction, conv0 'valid', five separable convs with leaky ReLU and 'same' max pooling, conv8.</summary>
    private static OnnxValue TinyFaceDetectorMapping(OnnxGraphBuilder g, TinyFaceDetector model, OnnxValue x)
    {
        var h = g.Node("Sub", [x.Name, g.Constant("tiny_mean", TinyFaceDetector.MeanRgb255.Select(m => m / 255f).ToArray(), 1, 3, 1, 1)], 4);
        foreach (var name in new[] { "conv0", "conv1", "conv2", "conv3", "conv4", "conv5" })
        {
            h = g.Node("LeakyRelu", [g.Emit(Child(model, name), h).Name], 4, ("alpha", 0.1f));
            h = name == "conv5"
                ? g.Node("MaxPool", [h.Name], 4, ("kernel_shape", new long[] { 2, 2 }), ("strides", new long[] { 1, 1 }), ("auto_pad", "SAME_UPPER"))
                : g.Node("MaxPool", [h.Name], 4, ("kernel_shape", new long[] { 2, 2 }), ("strides", new long[] { 2, 2 }), ("ceil_mode", 1L));
        }
        return g.Emit(Child(model, "conv8"), h);
    }

    /// <summary>Depthwise 3 x 3 'same' convolution, batch norm folded as TorchSharp computes it (float32), ReLU6.</summary>
    private static OnnxValue DepthwiseLayerMapping(OnnxGraphBuilder g, SsdMobilenetV1.DepthwiseLayer layer, OnnxValue x)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        Tensor P(string name) => layer.named_parameters().First(p => p.name == name).parameter;
        var inv = P("variance").add(tensor(0.0010000000474974513f)).rsqrt().mul(P("scale"));
        var shift = P("offset") - P("mean") * inv;
        var c = inv.shape[0];
        var y = ConvSame(g, (PrecisionConv2d)Child(layer, "conv"), x);
        y = g.Node("Mul", [y.Name, g.Weight("dw_scale", inv, [1, c, 1, 1])], 4);
        return Relu6(g, g.Node("Add", [y.Name, g.Weight("dw_shift", shift, [1, c, 1, 1])], 4));
    }

    /// <summary>
    /// SsdMobilenetV1.forward: 2 x - 1, MobileNet v1, the prediction layers, the six box/class predictors, prior
    /// decoding; one output <c>[N, 5118, 5]</c> = (ymin, xmin, ymax, xmax, face score) (the module's two outputs side by side).
    /// </summary>
    private static OnnxValue SsdMapping(OnnxGraphBuilder g, SsdMobilenetV1 model, OnnxValue x)
    {
        var h = g.Node("Sub", [g.Node("Mul", [x.Name, g.Constant("two", [2f])], 4).Name, g.Constant("one", [1f])], 4);
        h = g.Emit(Child(model, "conv_0"), h);
        var depthwise = Child(model, "depthwise").children().ToList();
        var pointwise = Child(model, "pointwise").children().ToList();
        OnnxValue? conv11 = null;
        for (var i = 0; i < 13; i++)
        {
            h = g.Emit(pointwise[i], g.Emit(depthwise[i], h));
            if (i == 10) conv11 = h;
        }
        var sources = new List<OnnxValue> { conv11!.Value, h };
        var p = h;
        var prediction = Child(model, "prediction").children().ToList();
        for (var i = 0; i < 8; i++)
        {
            p = g.Emit(prediction[i], p);
            if (i % 2 == 1) sources.Add(p);
        }
        var boxHeads = Child(model, "box_encoding").children().ToList();
        var classHeads = Child(model, "class_predictor").children().ToList();
        OnnxValue Flat(nn.Module head, OnnxValue source, long width)
        {
            var nhwc = g.Node("Transpose", [g.Emit(head, source).Name], 4, ("perm", new long[] { 0, 2, 3, 1 }));
            return g.Node("Reshape", [nhwc.Name, g.Int64s("shape", 0, -1, width)], 3);
        }
        var enc = g.Node("Concat", sources.Select((s, i) => Flat(boxHeads[i], s, 4).Name).ToArray(), 3, ("axis", 1L));      // [N, 5118, 4]
        var cls = g.Node("Concat", sources.Select((s, i) => Flat(classHeads[i], s, 3).Name).ToArray(), 3, ("axis", 1L));    // [N, 5118, 3]
        var score = g.Node("Sigmoid", [g.Node("Slice", [cls.Name, g.Int64s("start", 1), g.Int64s("end", 2), g.Int64s("axes", 2)], 3).Name], 3);

        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var priors = model.priors.detach().to(float32);
        var (pyMin, pxMin, pyMax, pxMax) = (priors.select(1, 0), priors.select(1, 1), priors.select(1, 2), priors.select(1, 3));
        using var half = tensor(0.5f);
        var (ph, pw) = (pyMax - pyMin, pxMax - pxMin);
        var (pcy, pcx) = (pyMin + ph * half, pxMin + pw * half);
        string Prior(string hint, Tensor t) => g.Weight(hint, t, [SsdMobilenetV1.PriorCount, 1]);
        var t4 = g.Nodes("Split", [enc.Name], 4, 3, ("axis", 2L), ("num_outputs", 4L));                     // ty, tx, th, tw
        OnnxValue Centre(OnnxValue t, Tensor size, Tensor centre) =>
            g.Node("Add", [g.Node("Mul", [g.Node("Div", [t.Name, g.Constant("ten", [10f])], 3).Name, Prior("prior_size", size)], 3).Name, Prior("prior_centre", centre)], 3);
        OnnxValue HalfSide(OnnxValue t, Tensor size)
        {
            var e = g.Node("Exp", [g.Node("Div", [t.Name, g.Constant("five", [5f])], 3).Name], 3);
            return g.Node("Mul", [g.Node("Mul", [e.Name, Prior("prior_size", size)], 3).Name, g.Constant("half", [0.5f])], 3);
        }
        var (cy, cx) = (Centre(t4[0], ph, pcy), Centre(t4[1], pw, pcx));
        var (hh, hw) = (HalfSide(t4[2], ph), HalfSide(t4[3], pw));
        return g.Node("Concat", [
            g.Node("Sub", [cy.Name, hh.Name], 3).Name, g.Node("Sub", [cx.Name, hw.Name], 3).Name,
            g.Node("Add", [cy.Name, hh.Name], 3).Name, g.Node("Add", [cx.Name, hw.Name], 3).Name, score.Name], 3, ("axis", 2L));
    }

    /// <summary>face-api's denseBlock4: out1 = relu(first conv, stride 2), then out2..out4 from relu'd sums, in TorchSharp's sum order.</summary>
    private static OnnxValue DenseBlockMapping(OnnxGraphBuilder g, FaceLandmark68Net.DenseBlock block, OnnxValue x)
    {
        var first = block.named_children().FirstOrDefault(c => c.name == "conv0").module;
        var out1 = g.Node("Relu", [(first is PrecisionConv2d conv ? ConvSame(g, conv, x) : g.Emit(Child(block, "sep0"), x)).Name], 4);
        OnnxValue Add(OnnxValue a, OnnxValue b) => g.Node("Add", [a.Name, b.Name], 4);
        var out2 = g.Emit(Child(block, "sep1"), out1);
        var out3 = g.Emit(Child(block, "sep2"), g.Node("Relu", [Add(out1, out2).Name], 4));
        var out4 = g.Emit(Child(block, "sep3"), g.Node("Relu", [Add(Add(out1, out2), out3).Name], 4));
        return g.Node("Relu", [Add(out1, Add(out2, Add(out3, out4))).Name], 4);
    }

    /// <summary>FaceLandmark68Net.forward: mean subtraction, four dense blocks, average pool 7 s2, flatten, fc.</summary>
    private static OnnxValue LandmarkNetMapping(OnnxGraphBuilder g, FaceLandmark68Net model, OnnxValue x)
    {
        var h = g.Node("Sub", [x.Name, g.Constant("landmark_mean", FaceLandmark68Net.MeanRgb255.Select(m => m / 255f).ToArray(), 1, 3, 1, 1)], 4);
        foreach (var name in new[] { "dense0", "dense1", "dense2", "dense3" }) h = g.Emit(Child(model, name), h);
        h = g.Node("AveragePool", [h.Name], 4, ("kernel_shape", new long[] { 7, 7 }), ("strides", new long[] { 2, 2 }));
        return g.Emit(Child(model, "fc"), g.Node("Flatten", [h.Name], 2, ("axis", 1L)));
    }

    /// <summary>A convolution with TF 'same' padding (ONNX auto_pad SAME_UPPER: the odd extra row/column at the bottom/right).</summary>
    private static OnnxValue ConvSame(OnnxGraphBuilder g, PrecisionConv2d conv, OnnxValue x)
    {
        var k = conv.weight.shape[2];
        var inputs = new List<string> { x.Name, g.Weight("conv_w", conv.weight) };
        if (conv.bias is not null) inputs.Add(g.Weight("conv_b", conv.bias));
        long s = conv.Stride;
        return g.Node("Conv", [.. inputs], 4, ("kernel_shape", new[] { k, k }), ("strides", new[] { s, s }),
            ("auto_pad", "SAME_UPPER"), ("group", (long)conv.Groups), ("dilations", new long[] { 1, 1 }));
    }

    private static OnnxValue Relu6(OnnxGraphBuilder g, OnnxValue x) =>
        g.Node("Clip", [x.Name, g.Constant("zero", [0f]), g.Constant("six", [6f])], x.Rank);
}
