using SrFace.IO.TfJs;
using SrFace.Models.Blocks;
using SrFace.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SrFace.Detection;

/// <summary>Options of <see cref="SsdMobilenetV1.Detect"/> (face-api's <c>SsdMobilenetv1Options</c>).</summary>
/// <param name="MinConfidence">Keep boxes whose score exceeds this, in (0, 1); 0.5 as face-api.</param>
/// <param name="MaxResults">At most this many faces, &gt;= 1; 100 as face-api.</param>
/// <param name="IouThreshold">Non-maximum suppression IoU threshold; 0.5 as face-api.</param>
public sealed record SsdMobilenetV1Options(double MinConfidence = 0.5, int MaxResults = 100, double IouThreshold = 0.5)
{
    /// <summary>Throws when a value is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">When a threshold is outside (0, 1) or MaxResults is below 1.</exception>
    public void Validate()
    {
        if (MinConfidence is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(MinConfidence), MinConfidence, "The minimum confidence must lie in (0, 1).");
        if (MaxResults < 1) throw new ArgumentOutOfRangeException(nameof(MaxResults), MaxResults, "At least one result must be allowed.");
        if (IouThreshold is <= 0 or > 1) throw new ArgumentOutOfRangeException(nameof(IouThreshold), IouThreshold, "The IoU threshold must lie in (0, 1].");
    }
}

/// <summary>
/// face-api's SSD MobileNet v1 face detector: MobileNet v1 (width 1.0) features at 512 x 512, six SSD box predictors
/// (32x32 x 3, 16x16, 8x8, 4x4, 2x2, 1x1 x 6 anchors: 5118 priors), one face class. Slower and more accurate than
/// <see cref="TinyFaceDetector"/>; finds faces down to about 15-20 input pixels.
/// </summary>
/// <remarks>
/// <para>W. Liu et al., "SSD: Single Shot MultiBox Detector", ECCV 2016; A. G. Howard et al., "MobileNets", 2017; box
/// coder of the TensorFlow Object Detection API (scales 10, 10, 5, 5). Weights: MIT, @vladmandic/face-api 1.7.15
/// (<c>model/ssd_mobilenetv1_model</c>), trained on WIDER FACE for face-api.js.</para>
/// <para>Input mapping as face-api: the [0, 1] image zero-padded at the bottom or right to a square, resized to 512 with
/// TF's legacy bilinear resize, then 2 x - 1 (i.e. 255 x / 127.5 - 1). Convolutions use TF 'same' padding (at stride 2
/// one extra row/column at the bottom/right). Depthwise layers: batch norm (epsilon 0.001) and ReLU6; pointwise
/// layers: bias (folded batch norm) and ReLU6; box predictors: 1 x 1 convolutions with bias, no activation.</para>
/// <para>Decoding: prior (ymin, xmin, ymax, xmax) = <c>Output/extra_dim</c>, size (h, w) and centre; box centre =
/// (ty / 10) h + cy, (tx / 10) w + cx; half size = exp(th / 5) h / 2, exp(tw / 5) w / 2; score = sigmoid of the
/// face logit (class 1 of 3). Greedy NMS at IoU 0.5 on scores above the confidence, at most MaxResults; boxes clipped
/// to the padded square, then mapped to the image.</para>
/// </remarks>
public sealed class SsdMobilenetV1 : nn.Module<Tensor, (Tensor Boxes, Tensor Scores)>
{
    /// <summary>Input side of the network, 512 pixels.</summary>
    public const int InputSize = 512;

    /// <summary>Number of priors (anchors), 5118.</summary>
    public const int PriorCount = 5118;

    /// <summary>The manifest inside @vladmandic/face-api.</summary>
    public const string ManifestPath = "model/ssd_mobilenetv1_model-weights_manifest.json";

    private static readonly int[] MobileNetChannels = [32, 64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024];
    private static readonly int[] PredictionChannels = [256, 512, 128, 256, 128, 256, 64, 128];

    private readonly PointwiseLayer conv_0;
    private readonly ModuleList<DepthwiseLayer> depthwise;
    private readonly ModuleList<PointwiseLayer> pointwise;
    private readonly ModuleList<PointwiseLayer> prediction;
    private readonly ModuleList<PrecisionConv2d> box_encoding, class_predictor;

    /// <summary>The 5118 priors <c>[5118, 4]</c> as (ymin, xmin, ymax, xmax), relative to the 512 input; loaded from the weights.</summary>
    public readonly Parameter priors;

    /// <summary>Builds the network with random weights (kernels channels-last); load weights with <see cref="LoadTfJs"/>.</summary>
    public SsdMobilenetV1() : base(nameof(SsdMobilenetV1))
    {
        conv_0 = new PointwiseLayer(3, 32, 3, 2);
        depthwise = new ModuleList<DepthwiseLayer>();
        pointwise = new ModuleList<PointwiseLayer>();
        for (var i = 1; i <= 13; i++)
        {
            var c = MobileNetChannels[i - 1];
            depthwise.Add(new DepthwiseLayer(c, i is 2 or 4 or 6 or 12 ? 2 : 1));
            pointwise.Add(new PointwiseLayer(c, MobileNetChannels[i], 1, 1));
        }
        prediction = new ModuleList<PointwiseLayer>();
        var inC = 1024;
        for (var i = 0; i < 8; i++)
        {
            var odd = i % 2 == 1;
            prediction.Add(new PointwiseLayer(inC, PredictionChannels[i], odd ? 3 : 1, odd ? 2 : 1));
            inC = PredictionChannels[i];
        }
        int[] sourceChannels = [512, 1024, 512, 256, 256, 128];
        box_encoding = new ModuleList<PrecisionConv2d>();
        class_predictor = new ModuleList<PrecisionConv2d>();
        for (var i = 0; i < 6; i++)
        {
            var anchors = i == 0 ? 3 : 6;
            box_encoding.Add(new PrecisionConv2d(sourceChannels[i], anchors * 4, 1));
            class_predictor.Add(new PrecisionConv2d(sourceChannels[i], anchors * 3, 1));
        }
        priors = new Parameter(zeros(PriorCount, 4), requires_grad: false);
        RegisterComponents();
        this.ToChannelsLast();
    }

    /// <summary>Raw network output for a batch.</summary>
    /// <param name="input">Network input <c>[N, 3, 512, 512]</c>, float32 in [0, 1] (already padded and resized); not disposed.</param>
    /// <returns>Decoded boxes <c>[N, 5118, 4]</c> as (ymin, xmin, ymax, xmax) relative to the input square (not clipped),
    /// and face scores <c>[N, 5118]</c> in (0, 1).</returns>
    /// <exception cref="ArgumentException">When the input is not <c>[N, 3, 512, 512]</c>.</exception>
    public override (Tensor Boxes, Tensor Scores) forward(Tensor input)
    {
        if (input.dim() != 4 || input.shape[1] != 3 || input.shape[2] != InputSize || input.shape[3] != InputSize)
            throw new ArgumentException($"SsdMobilenetV1 expects [N, 3, 512, 512]; got [{string.Join(", ", input.shape)}].", nameof(input));
        using var scope = NewDisposeScope();
        using var two = tensor(2f);
        using var one = tensor(1f);
        var x = input.to(float32).mul(two).sub(one).ToChannelsLast();
        x = conv_0.forward(x);
        Tensor? conv11 = null;
        for (var i = 0; i < 13; i++)
        {
            x = pointwise[i].forward(depthwise[i].forward(x));
            if (i == 10) conv11 = x;
        }
        var sources = new List<Tensor> { conv11!, x };
        var p = x;
        for (var i = 0; i < 8; i++)
        {
            p = prediction[i].forward(p);
            if (i % 2 == 1) sources.Add(p);
        }
        var n = input.shape[0];
        var encodings = new List<Tensor>();
        var logits = new List<Tensor>();
        for (var i = 0; i < 6; i++)
        {
            encodings.Add(box_encoding[i].forward(sources[i]).permute(0, 2, 3, 1).reshape(n, -1, 4));
            logits.Add(class_predictor[i].forward(sources[i]).permute(0, 2, 3, 1).reshape(n, -1, 3));
        }
        var enc = cat(encodings, 1).to(float32);                                    // [N, 5118, 4] (ty, tx, th, tw)
        var cls = cat(logits, 1).to(float32);                                       // [N, 5118, 3]
        var scores = cls.select(2, 1).sigmoid();
        using var ten = tensor(10f);
        using var five = tensor(5f);
        using var half = tensor(0.5f);
        var (pyMin, pxMin, pyMax, pxMax) = (priors.select(1, 0), priors.select(1, 1), priors.select(1, 2), priors.select(1, 3));
        var (ph, pw) = (pyMax - pyMin, pxMax - pxMin);
        var (pcy, pcx) = (pyMin + ph * half, pxMin + pw * half);
        var cy = enc.select(2, 0) / ten * ph + pcy;
        var cx = enc.select(2, 1) / ten * pw + pcx;
        var hh = (enc.select(2, 2) / five).exp() * ph * half;
        var hw = (enc.select(2, 3) / five).exp() * pw * half;
        var boxes = stack([cy - hh, cx - hw, cy + hh, cx + hw], 2);
        return (boxes.MoveToOuterDisposeScope(), scores.MoveToOuterDisposeScope());
    }

    /// <summary>Detects faces in one image.</summary>
    /// <param name="image">RGB image <c>[3, H, W]</c>, float in [0, 1]; not disposed.</param>
    /// <param name="options">Thresholds; null for the defaults (0.5, 100, 0.5).</param>
    /// <returns>Faces, best score first; boxes in <paramref name="image"/>'s pixels.</returns>
    /// <exception cref="ArgumentException">When the image is not <c>[3, H, W]</c> floats.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When an option is out of range.</exception>
    public IReadOnlyList<FaceDetection> Detect(Tensor image, SsdMobilenetV1Options? options = null)
    {
        options ??= new SsdMobilenetV1Options();
        options.Validate();
        return Decode(Run(image), (int)image.shape[2], (int)image.shape[1], options);
    }

    /// <summary>The network on one image, padded and resized as face-api does.</summary>
    /// <param name="image">RGB image <c>[3, H, W]</c>, float in [0, 1]; not disposed.</param>
    /// <returns>The decoded boxes and scores of the 5118 priors and the reshaped dimensions.</returns>
    /// <exception cref="ArgumentException">When the image is not <c>[3, H, W]</c> floats.</exception>
    public SsdNetOutput Run(Tensor image)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var (batch, rw, rh) = NetInput.ToBatch(image, InputSize, centre: false);
        var (boxesT, scoresT) = forward(batch);
        return new SsdNetOutput(boxesT[0].contiguous().data<float>().ToArray(), scoresT[0].contiguous().data<float>().ToArray(), rw, rh);
    }

    /// <summary>
    /// face-api's post-processing of the raw output, the same for every runtime: NMS on scores above the confidence,
    /// boxes clipped to the padded square and mapped to the image.
    /// </summary>
    /// <param name="raw">The network's output for one image.</param>
    /// <param name="imageWidth">The image's width W, pixels.</param>
    /// <param name="imageHeight">The image's height H, pixels.</param>
    /// <param name="options">Thresholds.</param>
    /// <returns>Faces, best score first; boxes in image pixels.</returns>
    public static IReadOnlyList<FaceDetection> Decode(SsdNetOutput raw, int imageWidth, int imageHeight, SsdMobilenetV1Options options)
    {
        ArgumentNullException.ThrowIfNull(raw);
        ArgumentNullException.ThrowIfNull(options);
        var (b, s) = (raw.Boxes, raw.Scores);
        var (padX, padY) = ((double)InputSize / raw.ReshapedWidth, (double)InputSize / raw.ReshapedHeight);
        return Suppress(b, s, options).Select(i =>
        {
            var top = Math.Max(0, b[4 * i]) * padY;
            var left = Math.Max(0, b[4 * i + 1]) * padX;
            var bottom = Math.Min(1, b[4 * i + 2]) * padY;
            var right = Math.Min(1, b[4 * i + 3]) * padX;
            return new FaceDetection(FaceBox.FromCorners(left, top, right, bottom).Scale(imageWidth, imageHeight), s[i]);
        }).ToList();
    }

    /// <summary>face-api's SSD NMS: candidates above the confidence, best first, kept unless their IoU with a kept box exceeds the threshold.</summary>
    private static List<int> Suppress(float[] boxes, float[] scores, SsdMobilenetV1Options options)
    {
        FaceBox Box(int i) => FaceBox.FromCorners(
            Math.Min(boxes[4 * i + 1], boxes[4 * i + 3]), Math.Min(boxes[4 * i], boxes[4 * i + 2]),
            Math.Max(boxes[4 * i + 1], boxes[4 * i + 3]), Math.Max(boxes[4 * i], boxes[4 * i + 2]));
        var candidates = Enumerable.Range(0, scores.Length).Where(i => scores[i] > options.MinConfidence)
            .OrderByDescending(i => scores[i]).ToList();
        var selected = new List<int>();
        foreach (var c in candidates)
        {
            if (selected.Count >= Math.Min(options.MaxResults, scores.Length)) break;
            if (selected.All(k => Box(c).IoU(Box(k)) <= options.IouThreshold)) selected.Add(c);
        }
        return selected;
    }

    /// <summary>
    /// The TF.js graph constants in the manifest that the network does not use (tensor shapes, slice bounds, the
    /// pre-processor's constants, which face-api also ignores); left out of the strict import explicitly.
    /// </summary>
    public static bool IsGraphConstant(string tfName) =>
        tfName.Contains("/stack", StringComparison.Ordinal) || tfName.Contains("/strided_slice/", StringComparison.Ordinal)
        || tfName.StartsWith("Postprocessor/", StringComparison.Ordinal) || tfName.StartsWith("Preprocessor/", StringComparison.Ordinal)
        || tfName == "concat_1/axis";

    /// <summary>The TF.js tensor of each parameter (names of the TensorFlow Object Detection API graph).</summary>
    public IReadOnlyList<TfJsParameterMap> TfJsNames()
    {
        var map = new List<TfJsParameterMap>
        {
            new("MobilenetV1/Conv2d_0_pointwise/weights", "conv_0.conv.weight", TfJsLayout.ConvKernel),
            new("MobilenetV1/Conv2d_0_pointwise/convolution_bn_offset", "conv_0.conv.bias", TfJsLayout.AsIs),
            new("Output/extra_dim", "priors", TfJsLayout.AsIs),
        };
        for (var i = 1; i <= 13; i++)
        {
            var d = $"MobilenetV1/Conv2d_{i}_depthwise";
            map.Add(new($"{d}/depthwise_weights", $"depthwise.{i - 1}.conv.weight", TfJsLayout.DepthwiseKernel));
            map.Add(new($"{d}/BatchNorm/gamma", $"depthwise.{i - 1}.scale", TfJsLayout.AsIs));
            map.Add(new($"{d}/BatchNorm/beta", $"depthwise.{i - 1}.offset", TfJsLayout.AsIs));
            map.Add(new($"{d}/BatchNorm/moving_mean", $"depthwise.{i - 1}.mean", TfJsLayout.AsIs));
            map.Add(new($"{d}/BatchNorm/moving_variance", $"depthwise.{i - 1}.variance", TfJsLayout.AsIs));
            map.Add(new($"MobilenetV1/Conv2d_{i}_pointwise/weights", $"pointwise.{i - 1}.conv.weight", TfJsLayout.ConvKernel));
            map.Add(new($"MobilenetV1/Conv2d_{i}_pointwise/convolution_bn_offset", $"pointwise.{i - 1}.conv.bias", TfJsLayout.AsIs));
        }
        for (var i = 0; i < 8; i++)
        {
            map.Add(new($"Prediction/Conv2d_{i}_pointwise/weights", $"prediction.{i}.conv.weight", TfJsLayout.ConvKernel));
            map.Add(new($"Prediction/Conv2d_{i}_pointwise/convolution_bn_offset", $"prediction.{i}.conv.bias", TfJsLayout.AsIs));
        }
        for (var i = 0; i < 6; i++)
        {
            map.Add(new($"Prediction/BoxPredictor_{i}/BoxEncodingPredictor/weights", $"box_encoding.{i}.weight", TfJsLayout.ConvKernel));
            map.Add(new($"Prediction/BoxPredictor_{i}/BoxEncodingPredictor/biases", $"box_encoding.{i}.bias", TfJsLayout.AsIs));
            map.Add(new($"Prediction/BoxPredictor_{i}/ClassPredictor/weights", $"class_predictor.{i}.weight", TfJsLayout.ConvKernel));
            map.Add(new($"Prediction/BoxPredictor_{i}/ClassPredictor/biases", $"class_predictor.{i}.bias", TfJsLayout.AsIs));
        }
        return map;
    }

    /// <summary>Loads face-api's <c>ssd_mobilenetv1_model</c> weights (the graph constants of <see cref="IsGraphConstant"/> are skipped, everything else strictly).</summary>
    /// <param name="manifestPath">The <c>ssd_mobilenetv1_model-weights_manifest.json</c> file (its shards beside it).</param>
    /// <exception cref="FileNotFoundException">When a file is missing.</exception>
    /// <exception cref="TfJsFormatException">When the file is damaged or is not this network's.</exception>
    public void LoadTfJs(string manifestPath)
    {
        var weights = TfJsWeights.LoadManifest(manifestPath);
        var used = weights.Where(kv => !IsGraphConstant(kv.Key))
            .Select(kv => kv.Key == "Output/extra_dim" ? new KeyValuePair<string, TfJsTensor>(kv.Key, kv.Value with { Shape = [PriorCount, 4] }) : kv)
            .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        if (weights.TryGetValue("Output/extra_dim", out var extra) && extra.ElementCount != PriorCount * 4)
            throw new TfJsFormatException($"{manifestPath}: 'Output/extra_dim' has shape [{string.Join(", ", extra.Shape)}]; [1, {PriorCount}, 4] expected.");
        TfJsImport.LoadInto(this, used, TfJsNames(), manifestPath);
    }

    /// <summary>Convolution (k x k, TF 'same') + bias + ReLU6 (the pointwise layers; the first one is 3 x 3 stride 2).</summary>
    internal sealed class PointwiseLayer : nn.Module<Tensor, Tensor>
    {
        private readonly PrecisionConv2d conv;
        private readonly int kernel, stride;

        public PointwiseLayer(int inC, int outC, int kernel, int stride) : base(nameof(PointwiseLayer))
        {
            conv = new PrecisionConv2d(inC, outC, kernel, stride);
            (this.kernel, this.stride) = (kernel, stride);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            using var padded = TfOps.PadSame(x, kernel, stride);
            using var y = conv.forward(padded);
            return TfOps.Relu6(y);
        }
    }

    /// <summary>Depthwise 3 x 3 convolution (TF 'same', no bias), batch norm (epsilon 0.001), ReLU6.</summary>
    internal sealed class DepthwiseLayer : nn.Module<Tensor, Tensor>
    {
        private readonly PrecisionConv2d conv;
        private readonly Parameter scale, offset, mean, variance;
        private readonly int stride;

        public DepthwiseLayer(int channels, int stride) : base(nameof(DepthwiseLayer))
        {
            conv = new PrecisionConv2d(channels, channels, 3, stride, groups: channels, bias: false);
            scale = new Parameter(ones(channels));
            offset = new Parameter(zeros(channels));
            mean = new Parameter(zeros(channels), requires_grad: false);
            variance = new Parameter(ones(channels), requires_grad: false);
            this.stride = stride;
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            var y = conv.forward(TfOps.PadSame(x, 3, stride));
            using var eps = tensor(0.0010000000474974513f);
            var inv = variance.add(eps).rsqrt().mul(scale);
            var shift = offset - mean * inv;
            y = y.mul(inv.to(y.dtype).view(1, -1, 1, 1)).add(shift.to(y.dtype).view(1, -1, 1, 1));
            return TfOps.Relu6(y).MoveToOuterDisposeScope();
        }
    }
}
