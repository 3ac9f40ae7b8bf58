using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SrFace.Detection;
using SrFace.FaceAlignment;
using SrFace.Imaging;

namespace SrFace.Export;

/// <summary>
/// The face detector, 68-landmark net and alignment warp of a file from <see cref="FaceDetectorOnnxExporter"/>, run in
/// ONNX Runtime (CPU) on managed images: no libtorch call. Detection is <see cref="FaceDetectionPipeline"/> (the
/// TorchSharp <see cref="FaceDetector"/>'s flow, decoding and NMS) over these networks; the network inputs are
/// prepared by <see cref="ManagedNetInput"/>.
/// </summary>
/// <remarks>ONNX Runtime sessions take concurrent calls; this class keeps no state between calls.</remarks>
public sealed class OnnxFaceDetector : IFaceDetectionNetworks<PlanarImage>, IDisposable
{
    private readonly InferenceSession _tiny, _ssd, _landmarks, _warp;

    /// <summary>Loads the file.</summary>
    /// <param name="path">A <c>.faces.onnx</c> file written by <c>srface export</c>.</param>
    /// <param name="threads">ONNX Runtime intra-op threads; null for the core count.</param>
    /// <param name="options">Detector options; null for the defaults (those of <see cref="FaceDetector"/>).</param>
    /// <exception cref="FileNotFoundException">When the file does not exist.</exception>
    /// <exception cref="InvalidDataException">When it is not a face-detector file of <c>srface export</c> (names the file).</exception>
    /// <exception cref="ArgumentOutOfRangeException">When an option is out of range.</exception>
    public OnnxFaceDetector(string path, int? threads = null, FaceDetectorOptions? options = null)
    {
        Options = options ?? new FaceDetectorOptions();
        Options.Validate();
        var model = OnnxCascade.ReadModel(path);
        if (!model.MetadataProps.Any(p => p.Key == "srface.kind" && p.Value == FaceDetectorOnnxExporter.Kind))
            throw new InvalidDataException($"{path}: not a face-detector file written by `srface export` (srface.kind is not {FaceDetectorOnnxExporter.Kind}).");
        Path = path;
        using var session = OnnxSessionSettings.Create(threads);
        var opened = new List<InferenceSession>();
        InferenceSession Open(string[] inputs, string output)
        {
            var s = OnnxCascade.Open(OnnxGraphPruning.Prune(model, inputs, [output]), session, path);
            opened.Add(s);
            return s;
        }
        try
        {
            _tiny = Open([FaceDetectorOnnxExporter.TinyInput], FaceDetectorOnnxExporter.TinyOutput);
            _ssd = Open([FaceDetectorOnnxExporter.SsdInput], FaceDetectorOnnxExporter.SsdOutput);
            _landmarks = Open([FaceDetectorOnnxExporter.LandmarkInput], FaceDetectorOnnxExporter.LandmarkOutput);
            _warp = Open([FaceDetectorOnnxExporter.WarpImage, FaceDetectorOnnxExporter.WarpGrid], FaceDetectorOnnxExporter.WarpOutput);
        }
        catch
        {
            opened.ForEach(s => s.Dispose());
            throw;
        }
    }

    /// <summary>The file this runs.</summary>
    public string Path { get; }

    /// <summary>The options in force.</summary>
    public FaceDetectorOptions Options { get; }

    /// <summary>Detects every face in a photo, with landmarks (as <see cref="FaceDetector.Detect"/>).</summary>
    /// <param name="image">RGB photo <c>[3, H, W]</c> in [0, 1], upright.</param>
    /// <returns>The faces, largest box first, in original-image pixels; empty when there is none.</returns>
    /// <exception cref="ArgumentException">When the image is not RGB.</exception>
    public FaceDetectionResult Detect(PlanarImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Channels != 3) throw new ArgumentException($"Face detection needs an RGB image; got {image.Channels} channel(s).", nameof(image));
        return FaceDetectionPipeline.Detect(this, image, Options);
    }

    /// <summary>
    /// Samples one face chip through an output-to-image transform (ONNX GridSample, bilinear, zeros outside, clamped
    /// to [0, 1]): <see cref="FaceAligner.Warp"/> in ONNX Runtime.
    /// </summary>
    /// <param name="image">Image <c>[C, H, W]</c> in [0, 1].</param>
    /// <param name="outputToImage">Output pixel (integer centres) to image pixel (integer centres).</param>
    /// <param name="size">Output side s, at least 1.</param>
    /// <returns>The chip <c>[C, s, s]</c>.</returns>
    public PlanarImage Warp(PlanarImage image, SimilarityTransform outputToImage, int size)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        var grid = FaceAligner.SamplingGrid([outputToImage], size, image.Height, image.Width);
        var chip = Run(_warp,
            (FaceDetectorOnnxExporter.WarpImage, image.Pixels, [1, image.Channels, image.Height, image.Width]),
            (FaceDetectorOnnxExporter.WarpGrid, grid, [1, size, size, 2]));
        return new PlanarImage(chip, image.Channels, size, size);
    }

    /// <inheritdoc />
    public (int Height, int Width) SizeOf(PlanarImage image) => (image.Height, image.Width);

    /// <inheritdoc />
    public PlanarImage Downscale(PlanarImage image, int height, int width) => ManagedNetInput.Downscale(image, height, width);

    /// <inheritdoc />
    public TinyNetOutput RunTiny(PlanarImage image, int inputSize)
    {
        var (batch, rw, rh) = ManagedNetInput.ToBatch(image, inputSize);
        var logits = Run(_tiny, (FaceDetectorOnnxExporter.TinyInput, batch, [1, 3, inputSize, inputSize]));
        return new TinyNetOutput(logits, inputSize / 32, rw, rh);
    }

    /// <inheritdoc />
    public SsdNetOutput RunSsd(PlanarImage image)
    {
        const int s = SsdMobilenetV1.InputSize;
        var (batch, rw, rh) = ManagedNetInput.ToBatch(image, s);
        var output = Run(_ssd, (FaceDetectorOnnxExporter.SsdInput, batch, [1, 3, s, s]));      // [5118, 5]
        var boxes = new float[SsdMobilenetV1.PriorCount * 4];
        var scores = new float[SsdMobilenetV1.PriorCount];
        for (var i = 0; i < scores.Length; i++)
        {
            Array.Copy(output, 5 * i, boxes, 4 * i, 4);
            scores[i] = output[5 * i + 4];
        }
        return new SsdNetOutput(boxes, scores, rw, rh);
    }

    /// <inheritdoc />
    public float[] RunLandmarks(PlanarImage image, IReadOnlyList<(int X, int Y, int Width, int Height)> crops)
    {
        ArgumentNullException.ThrowIfNull(crops);
        const int s = FaceLandmark68Net.InputSize;
        var batch = crops.SelectMany(c => ManagedNetInput.CropToInput(image, c, s)).ToArray();
        return Run(_landmarks, (FaceDetectorOnnxExporter.LandmarkInput, batch, [crops.Count, 3, s, s]));
    }

    private static float[] Run(InferenceSession session, params (string Name, float[] Values, int[] Shape)[] inputs)
    {
        var feeds = inputs.Select(i => NamedOnnxValue.CreateFromTensor(i.Name, new DenseTensor<float>(i.Values, i.Shape))).ToArray();
        using var results = session.Run(feeds);
        return results[0].AsTensor<float>().ToArray();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _tiny.Dispose();
        _ssd.Dispose();
        _landmarks.Dispose();
        _warp.Dispose();
    }
}
