using SrFace.IO.TfJs;
using SrFace.Models.Blocks;
using SrFace.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SrFace.Detection;

/// <summary>A 2-D point in image pixels (continuous coordinates: pixel (i, j) covers [i, i + 1) x [j, j + 1)).</summary>
/// <param name="X">Horizontal position, pixels from the left edge.</param>
/// <param name="Y">Vertical position, pixels from the top edge.</param>
public readonly record struct PointF2(double X, double Y)
{
    /// <summary>Euclidean distance to another point, pixels.</summary>
    /// <param name="other">The other point.</param>
    public double DistanceTo(PointF2 other) => Math.Sqrt((X - other.X) * (X - other.X) + (Y - other.Y) * (Y - other.Y));
}

/// <summary>
/// face-api's FaceLandmark68Net: 68 facial landmarks (the iBUG 300-W markup, 0-based: jaw 0-16, brows 17-26, nose
/// 27-35, eyes 36-47, mouth 48-67) regressed from a 112 x 112 crop by four densely connected blocks of separable
/// convolutions (a DenseNet-style extractor, about 350 kB of weights) and a fully connected layer.
/// </summary>
/// <remarks>
/// <para>C. Sagonas et al., "300 Faces in-the-Wild Challenge", ICCV-W 2013 (the markup); G. Huang et al., "Densely
/// Connected Convolutional Networks", CVPR 2017. Weights: MIT, @vladmandic/face-api 1.7.15
/// (<c>model/face_landmark_68_model</c>), trained by V. Mühler for face-api.js.</para>
/// <para>Input mapping as face-api: the crop (w x h) is zero-padded to a square centred (round(d/2) after, the rest
/// before), resized to 112 with TF's legacy bilinear resize, (255 x - mean) / 255 with mean RGB (122.782, 117.001,
/// 104.298). Output 136 values in [0, 1] over the 112 input, interleaved x, y; mapped back as face-api's
/// <c>postProcess</c>: s = 112 / max(w, h), rel = (out 112 - pad) / (w s, h s) with pad = |w s - h s| / 2 on the
/// shorter axis, then times (w, h) in crop pixels.</para>
/// <code>
/// block    first conv (stride 2, TF 'same')          then 3 separable convs with dense sums, ReLU     out (112 input)
/// dense0   conv3x3 3->32 + bias, ReLU                 32                                                56
/// dense1   sepconv 32->64, ReLU                       64                                                28
/// dense2   sepconv 64->128, ReLU                      128                                               14
/// dense3   sepconv 128->256, ReLU                     256                                               7
/// head     avgpool 7x7 s2 'valid' - matmul 256 x 136 + bias                                             136
/// </code>
/// </remarks>
public sealed class FaceLandmark68Net : nn.Module<Tensor, Tensor>
{
    /// <summary>Input side, 112 pixels.</summary>
    public const int InputSize = 112;

    /// <summary>Mean RGB in 0..255 subtracted from the input.</summary>
    public static readonly float[] MeanRgb255 = [122.782f, 117.001f, 104.298f];

    /// <summary>The manifest inside @vladmandic/face-api.</summary>
    public const string ManifestPath = "model/face_landmark_68_model-weights_manifest.json";

    private readonly DenseBlock dense0, dense1, dense2, dense3;
    private readonly PrecisionLinear fc;

    /// <summary>Builds the network with random weights (kernels channels-last); load weights with <see cref="LoadTfJs"/>.</summary>
    public FaceLandmark68Net() : base(nameof(FaceLandmark68Net))
    {
        dense0 = new DenseBlock(3, 32, first: true);
        dense1 = new DenseBlock(32, 64, first: false);
        dense2 = new DenseBlock(64, 128, first: false);
        dense3 = new DenseBlock(128, 256, first: false);
        fc = new PrecisionLinear(256, 136);
        RegisterComponents();
        this.ToChannelsLast();
    }

    /// <summary>Raw network output.</summary>
    /// <param name="input">Crops <c>[N, 3, 112, 112]</c>, float32 in [0, 1] (already padded and resized); not disposed.</param>
    /// <returns><c>[N, 136]</c>: x0, y0, x1, y1, ... relative to the 112 x 112 input (about [0, 1]).</returns>
    /// <exception cref="ArgumentException">When the input is not <c>[N, 3, 112, 112]</c>.</exception>
    public override Tensor forward(Tensor input)
    {
        if (input.dim() != 4 || input.shape[1] != 3 || input.shape[2] != InputSize || input.shape[3] != InputSize)
            throw new ArgumentException($"FaceLandmark68Net expects [N, 3, 112, 112]; got [{string.Join(", ", input.shape)}].", nameof(input));
        using var scope = NewDisposeScope();
        var x = NetInput.SubtractMean255(input.to(float32), MeanRgb255).ToChannelsLast();
        x = dense3.forward(dense2.forward(dense1.forward(dense0.forward(x))));      // [N, 256, 7, 7]
        x = nn.functional.avg_pool2d(x, kernel_size: 7, stride: 2);               // [N, 256, 1, 1]
        return fc.forward(x.flatten(1)).to(float32).MoveToOuterDisposeScope();
    }

    /// <summary>68 landmarks of the face in one region of an image.</summary>
    /// <param name="image">RGB image <c>[3, H, W]</c>, float in [0, 1]; not disposed.</param>
    /// <param name="region">The face box (a detector's), in <paramref name="image"/>'s pixels; clipped to the image and
    /// floored to whole pixels for the crop as face-api does.</param>
    /// <returns>68 points in <paramref name="image"/>'s pixels, or null when the clipped region is empty.</returns>
    /// <exception cref="ArgumentException">When the image is not <c>[3, H, W]</c> floats.</exception>
    public PointF2[]? Detect(Tensor image, FaceBox region) => DetectBatch(image, [region])[0];

    /// <summary>68 landmarks for several regions of one image, run as one batch.</summary>
    /// <param name="image">RGB image <c>[3, H, W]</c>, float in [0, 1]; not disposed.</param>
    /// <param name="regions">Face boxes in <paramref name="image"/>'s pixels.</param>
    /// <returns>Per region: 68 points in image pixels (crop origin + face-api's crop-relative points times the crop
    /// size), or null when the clipped region is empty.</returns>
    /// <exception cref="ArgumentException">When the image is not <c>[3, H, W]</c> floats.</exception>
    public IReadOnlyList<PointF2[]?> DetectBatch(Tensor image, IReadOnlyList<FaceBox> regions)
    {
        NetInput.CheckImage(image);
        return FaceDetectionPipeline.Landmarks((int)image.shape[1], (int)image.shape[2], regions, crops => Run(image, crops));
    }

    /// <summary>The network on pixel regions of one image, each padded centred to a square and resized to 112, as one batch.</summary>
    /// <param name="image">RGB image <c>[3, H, W]</c>, float in [0, 1]; not disposed.</param>
    /// <param name="crops">Non-empty whole-pixel regions inside the image.</param>
    /// <returns><c>[k, 136]</c> row-major, relative to the 112 input.</returns>
    public float[] Run(Tensor image, IReadOnlyList<(int X, int Y, int Width, int Height)> crops)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var batch = cat(crops.Select(c =>
        {
            using var crop = image.narrow(1, c.Y, c.Height).narrow(2, c.X, c.Width);
            return NetInput.ToBatch(crop, InputSize, centre: true).Batch;
        }).ToList(), 0);
        return forward(batch).data<float>().ToArray();
    }

    /// <summary>The TF.js tensor of each parameter: <c>denseB/convK/...</c> and <c>fc/weights</c>, <c>fc/bias</c>.</summary>
    public IReadOnlyList<TfJsParameterMap> TfJsNames()
    {
        var map = new List<TfJsParameterMap>
        {
            new("dense0/conv0/filters", "dense0.conv0.weight", TfJsLayout.ConvKernel),
            new("dense0/conv0/bias", "dense0.conv0.bias", TfJsLayout.AsIs),
            new("fc/weights", "fc.weight", TfJsLayout.MatMul),
            new("fc/bias", "fc.bias", TfJsLayout.AsIs),
        };
        for (var b = 0; b < 4; b++)
            for (var k = b == 0 ? 1 : 0; k < 4; k++)
                map.AddRange(SeparableConv.Names($"dense{b}/conv{k}", $"dense{b}.sep{k}"));
        return map;
    }

    /// <summary>Loads face-api's <c>face_landmark_68_model</c> weights.</summary>
    /// <param name="manifestPath">The <c>face_landmark_68_model-weights_manifest.json</c> file (its shard beside it).</param>
    /// <exception cref="FileNotFoundException">When a file is missing.</exception>
    /// <exception cref="TfJsFormatException">When the file is damaged or is not this network's.</exception>
    public void LoadTfJs(string manifestPath) =>
        TfJsImport.LoadInto(this, TfJsWeights.LoadManifest(manifestPath), TfJsNames(), manifestPath);

    /// <summary>face-api's <c>denseBlock4</c>: out1 = relu(conv0 stride 2), then out2..out4 from relu'd sums of the previous outputs.</summary>
    internal sealed class DenseBlock : nn.Module<Tensor, Tensor>
    {
        private readonly PrecisionConv2d? conv0;
        private readonly SeparableConv? sep0;
        private readonly SeparableConv sep1, sep2, sep3;

        public DenseBlock(int inC, int outC, bool first) : base(nameof(DenseBlock))
        {
            if (first) conv0 = new PrecisionConv2d(inC, outC, 3, stride: 2);
            else sep0 = new SeparableConv(inC, outC, stride: 2);
            sep1 = new SeparableConv(outC, outC);
            sep2 = new SeparableConv(outC, outC);
            sep3 = new SeparableConv(outC, outC);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            var out1 = nn.functional.relu(conv0 is not null ? conv0.forward(TfOps.PadSame(x, 3, 2)) : sep0!.forward(x));
            var out2 = sep1.forward(out1);
            var out3 = sep2.forward(nn.functional.relu(out1 + out2));
            var out4 = sep3.forward(nn.functional.relu(out1 + out2 + out3));
            return nn.functional.relu(out1 + (out2 + (out3 + out4))).MoveToOuterDisposeScope();
        }
    }
}
