using SrFace.IO.TfJs;
using SrFace.Models.Blocks;
using SrFace.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace SrFace.Detection;

/// <summary>Options of <see cref="TinyFaceDetector.Detect"/> (face-api's <c>TinyFaceDetectorOptions</c>).</summary>
/// <param name="InputSize">Network input side S in pixels, a multiple of 32 (416 default; 320 faster, 512-1280 finds
/// smaller faces: the grid cell is S / 32 input pixels).</param>
/// <param name="ScoreThreshold">Keep boxes whose score (sigmoid of the objectness logit) exceeds this, in (0, 1); 0.5
/// as face-api.</param>
/// <param name="IouThreshold">Non-maximum suppression: drop a box whose IoU with a better one exceeds this; 0.4 as face-api.</param>
public sealed record TinyFaceDetectorOptions(int InputSize = 416, double ScoreThreshold = 0.5, double IouThreshold = 0.4)
{
    /// <summary>Throws when a value is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">When InputSize is not a positive multiple of 32 or a threshold is outside (0, 1).</exception>
    public void Validate()
    {
        if (InputSize <= 0 || InputSize % 32 != 0) throw new ArgumentOutOfRangeException(nameof(InputSize), InputSize, "The tiny face detector's input size must be a positive multiple of 32.");
        if (ScoreThreshold is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(ScoreThreshold), ScoreThreshold, "The score threshold must lie in (0, 1).");
        if (IouThreshold is <= 0 or > 1) throw new ArgumentOutOfRangeException(nameof(IouThreshold), IouThreshold, "The IoU threshold must lie in (0, 1].");
    }
}

/// <summary>
/// face-api's TinyFaceDetector: a Tiny-YOLOv2-style single-shot detector with depthwise-separable convolutions, one
/// class (face), 5 anchor boxes per cell of an S/32 x S/32 grid; about 190 kB of weights. Fast; misses faces smaller
/// than about one grid cell (32 input pixels).
/// </summary>
/// <remarks>
/// <para>J. Redmon, A. Farhadi, "YOLO9000: Better, Faster, Stronger", CVPR 2017 (box decoding, anchors); A. G. Howard
/// et al., "MobileNets", 2017 (separable convolutions). Weights: MIT, V. Mandic's @vladmandic/face-api 1.7.15
/// (<c>model/tiny_face_detector_model</c>), trained by V. Mühler for face-api.js.</para>
/// <para>Input mapping exactly as face-api: the [0, 1] image is zero-padded at the bottom or right to a square, resized
/// to S x S with TF's legacy bilinear resize (no half-pixel offset), then (255 x - mean) / 255 with mean RGB
/// (117.001, 114.697, 97.404).</para>
/// <code>
/// layer   op                                               out (S = 416)    channels
/// conv0   conv3x3 'valid' + bias, leaky 0.1; maxpool 2 s2   207              16
/// conv1   sepconv3x3 'same' + bias, leaky; maxpool 2 s2     104              32
/// conv2   same; maxpool 2 s2                                52               64
/// conv3   same; maxpool 2 s2                                26               128
/// conv4   same; maxpool 2 s2                                13               256
/// conv5   same; maxpool 2 s1 'same'                         13               512
/// conv8   conv1x1 + bias                                    13               25 = 5 anchors x (tx, ty, tw, th, to)
/// </code>
/// <para>Decoding per cell (row, col) and anchor a, G = S/32: centre ((col + sigmoid(tx)) / G, (row + sigmoid(ty)) / G),
/// size (exp(tw) aw / G, exp(th) ah / G), score sigmoid(to), all relative to the padded square, then to the image
/// by the factors max(rw, rh) / rw and / rh (rw, rh: the image's side in the input, rounded); non-maximum
/// suppression at IoU 0.4.</para>
/// </remarks>
public sealed class TinyFaceDetector : nn.Module<Tensor, Tensor>
{
    /// <summary>Anchor sizes (width, height) in grid cells (face-api <c>tinyFaceDetector/const.ts</c>).</summary>
    public static readonly (double W, double H)[] Anchors =
        [(1.603231, 2.094468), (6.041143, 7.080126), (2.882459, 3.518061), (4.266906, 5.178857), (9.041765, 10.66308)];

    /// <summary>Mean RGB in 0..255 subtracted from the input.</summary>
    public static readonly float[] MeanRgb255 = [117.001f, 114.697f, 97.404f];

    /// <summary>The manifest inside @vladmandic/face-api.</summary>
    public const string ManifestPath = "model/tiny_face_detector_model-weights_manifest.json";

    private readonly PrecisionConv2d conv0, conv8;
    private readonly SeparableConv conv1, conv2, conv3, conv4, conv5;

    /// <summary>Builds the network with random weights (kernels channels-last); load weights with <see cref="LoadTfJs"/>.</summary>
    public TinyFaceDetector() : base(nameof(TinyFaceDetector))
    {
        conv0 = new PrecisionConv2d(3, 16, 3);
        conv1 = new SeparableConv(16, 32);
        conv2 = new SeparableConv(32, 64);
        conv3 = new SeparableConv(64, 128);
        conv4 = new SeparableConv(128, 256);
        conv5 = new SeparableConv(256, 512);
        conv8 = new PrecisionConv2d(512, 25, 1);
        RegisterComponents();
        this.ToChannelsLast();
    }

    /// <summary>Raw network output.</summary>
    /// <param name="input">Network input <c>[N, 3, S, S]</c>, float32 in [0, 1] (already padded and resized), S a multiple of 32; not disposed.</param>
    /// <returns><c>[N, 25, S/32, S/32]</c> logits: channel 5a + (tx, ty, tw, th, to) for anchor a.</returns>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = NetInput.SubtractMean255(input.to(float32), MeanRgb255).ToChannelsLast();
        x = TfOps.MaxPool2Same(TfOps.Leaky(conv0.forward(x)), 2);
        x = TfOps.MaxPool2Same(TfOps.Leaky(conv1.forward(x)), 2);
        x = TfOps.MaxPool2Same(TfOps.Leaky(conv2.forward(x)), 2);
        x = TfOps.MaxPool2Same(TfOps.Leaky(conv3.forward(x)), 2);
        x = TfOps.MaxPool2Same(TfOps.Leaky(conv4.forward(x)), 2);
        x = TfOps.MaxPool2Same(TfOps.Leaky(conv5.forward(x)), 1);
        return conv8.forward(x).to(float32).MoveToOuterDisposeScope();
    }

    /// <summary>Detects faces in one image.</summary>
    /// <param name="image">RGB image <c>[3, H, W]</c>, float in [0, 1]; not disposed.</param>
    /// <param name="options">Input size and thresholds; null for the defaults (416, 0.5, 0.4).</param>
    /// <returns>Faces, best score first; boxes in <paramref name="image"/>'s pixels (they may extend past its border).</returns>
    /// <exception cref="ArgumentException">When the image is not <c>[3, H, W]</c> floats.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When an option is out of range.</exception>
    public IReadOnlyList<FaceDetection> Detect(Tensor image, TinyFaceDetectorOptions? options = null)
    {
        options ??= new TinyFaceDetectorOptions();
        options.Validate();
        return Decode(Run(image, options.InputSize), (int)image.shape[2], (int)image.shape[1], options);
    }

    /// <summary>The network on one image, padded and resized as face-api does (<see cref="NetInput.ToBatch"/>).</summary>
    /// <param name="image">RGB image <c>[3, H, W]</c>, float in [0, 1]; not disposed.</param>
    /// <param name="inputSize">S, a multiple of 32.</param>
    /// <returns>The raw logits <c>[25, S/32, S/32]</c> and the reshaped dimensions.</returns>
    /// <exception cref="ArgumentException">When the image is not <c>[3, H, W]</c> floats.</exception>
    public TinyNetOutput Run(Tensor image, int inputSize)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var (batch, rw, rh) = NetInput.ToBatch(image, inputSize, centre: false);
        var raw = forward(batch);                                                   // [1, 25, G, G]
        return new TinyNetOutput(raw[0].contiguous().data<float>().ToArray(), (int)raw.shape[2], rw, rh);
    }

    /// <summary>
    /// Decodes the raw output (see the class remarks: YOLOv2 boxes relative to the padded square, then to the image)
    /// and applies non-maximum suppression; the same for every runtime.
    /// </summary>
    /// <param name="raw">The network's output for one image.</param>
    /// <param name="imageWidth">The image's width W, pixels.</param>
    /// <param name="imageHeight">The image's height H, pixels.</param>
    /// <param name="options">Thresholds.</param>
    /// <returns>Faces, best score first; boxes in image pixels (they may extend past its border).</returns>
    public static IReadOnlyList<FaceDetection> Decode(TinyNetOutput raw, int imageWidth, int imageHeight, TinyFaceDetectorOptions options)
    {
        ArgumentNullException.ThrowIfNull(raw);
        ArgumentNullException.ThrowIfNull(options);
        var (grid, values, rw, rh) = (raw.Grid, raw.Logits, raw.ReshapedWidth, raw.ReshapedHeight);
        var side = (double)Math.Max(rw, rh);
        var (cx, cy) = (side / rw, side / rh);
        var boxes = new List<FaceBox>();
        var scores = new List<double>();
        double At(int channel, int row, int col) => values[(channel * grid + row) * grid + col];
        for (var row = 0; row < grid; row++)
            for (var col = 0; col < grid; col++)
                for (var a = 0; a < Anchors.Length; a++)
                {
                    var score = Sigmoid(At(5 * a + 4, row, col));
                    if (score <= options.ScoreThreshold) continue;
                    var ctX = (col + Sigmoid(At(5 * a, row, col))) / grid * cx;
                    var ctY = (row + Sigmoid(At(5 * a + 1, row, col))) / grid * cy;
                    var bw = Math.Exp(At(5 * a + 2, row, col)) * Anchors[a].W / grid * cx;
                    var bh = Math.Exp(At(5 * a + 3, row, col)) * Anchors[a].H / grid * cy;
                    boxes.Add(new FaceBox(ctX - bw / 2, ctY - bh / 2, bw, bh));
                    scores.Add(score);
                }
        return TfOps.NonMaxSuppression(boxes, scores, options.IouThreshold)
            .Select(i => new FaceDetection(boxes[i].Scale(imageWidth, imageHeight), scores[i])).ToList();
    }

    /// <summary>The TF.js tensor of each parameter: <c>convK/filters</c>, <c>/bias</c>, <c>/depthwise_filter</c>, <c>/pointwise_filter</c>.</summary>
    public IReadOnlyList<TfJsParameterMap> TfJsNames() =>
    [
        new("conv0/filters", "conv0.weight", TfJsLayout.ConvKernel),
        new("conv0/bias", "conv0.bias", TfJsLayout.AsIs),
        .. Enumerable.Range(1, 5).SelectMany(i => SeparableConv.Names($"conv{i}", $"conv{i}")),
        new("conv8/filters", "conv8.weight", TfJsLayout.ConvKernel),
        new("conv8/bias", "conv8.bias", TfJsLayout.AsIs),
    ];

    /// <summary>Loads face-api's <c>tiny_face_detector_model</c> weights.</summary>
    /// <param name="manifestPath">The <c>tiny_face_detector_model-weights_manifest.json</c> file (its shard beside it).</param>
    /// <exception cref="FileNotFoundException">When a file is missing.</exception>
    /// <exception cref="TfJsFormatException">When the file is damaged or is not this network's.</exception>
    public void LoadTfJs(string manifestPath) =>
        TfJsImport.LoadInto(this, TfJsWeights.LoadManifest(manifestPath), TfJsNames(), manifestPath);

    internal static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
}
