using Google.Protobuf;
using Onnx;
using SrFace.Detection;
using SrFace.Training;

namespace SrFace.Export;

/// <summary>
/// Writes the networks of face preparation as one ONNX file (opset <see cref="OnnxGraphBuilder.Opset"/>, float32) beside
/// an exported cascade that aligns faces, so that <see cref="OnnxCascade"/> needs no libtorch: face-api's tiny face
/// detector, SSD MobileNet v1 and 68-landmark net (built from SrFace's layer mappings,
/// <see cref="OnnxLayerMappings"/>), and the alignment warp (ONNX GridSample: bilinear, zeros, <c>align_corners = 0</c>,
/// what libtorch's <c>grid_sample</c> computes in <see cref="FaceAlignment.FaceAligner.Warp"/>). Four independent paths
/// of one graph; a runner prunes the graph to each (<see cref="OnnxGraphPruning"/>).
/// </summary>
/// <remarks>
/// <code>
/// input                                   output                          what
/// tiny_input     [1, 3, S, S], S = 32 k    tiny_output [1, 25, S/32, S/32]  TinyFaceDetector.forward (logits)
/// ssd_input      [n, 3, 512, 512]          ssd_output  [n, 5118, 5]         SsdMobilenetV1.forward: (ymin, xmin, ymax, xmax, score)
/// landmark_input [n, 3, 112, 112]          landmark_output [n, 136]         FaceLandmark68Net.forward
/// warp_image [1, C, H, W], warp_grid [1, s, s, 2]  warp_output [1, C, s, s]  GridSample, clamped to [0, 1]
/// </code>
/// Network inputs are face-api's padded and resized images in [0, 1]; image decoding, that padding/resize
/// (<see cref="ManagedNetInput"/>), box decoding, NMS, the landmark mapping and the similarity transform stay in C#
/// (<see cref="FaceDetectionPipeline"/>, <see cref="Data.FacePreparer"/>), shared with the TorchSharp path.
/// </remarks>
public static class FaceDetectorOnnxExporter
{
    /// <summary>The tiny detector's input.</summary>
    public const string TinyInput = "tiny_input";

    /// <summary>The tiny detector's output.</summary>
    public const string TinyOutput = "tiny_output";

    /// <summary>The SSD's input.</summary>
    public const string SsdInput = "ssd_input";

    /// <summary>The SSD's output: boxes and scores side by side.</summary>
    public const string SsdOutput = "ssd_output";

    /// <summary>The landmark net's input.</summary>
    public const string LandmarkInput = "landmark_input";

    /// <summary>The landmark net's output.</summary>
    public const string LandmarkOutput = "landmark_output";

    /// <summary>The warp's image input.</summary>
    public const string WarpImage = "warp_image";

    /// <summary>The warp's sampling grid input (<see cref="FaceAlignment.FaceAligner.SamplingGrid"/>).</summary>
    public const string WarpGrid = "warp_grid";

    /// <summary>The warp's output, the aligned chip.</summary>
    public const string WarpOutput = "warp_output";

    /// <summary>The value of the <c>srface.kind</c> metadata of the file.</summary>
    public const string Kind = "srface-face-detector-onnx";

    /// <summary>
    /// The face-detector file that belongs to an exported cascade: <c>F.faces.onnx</c> beside <c>F.onnx</c>. A naming
    /// rule rather than a metadata entry, so the cascade file stays what it was (any ONNX runner, same metadata).
    /// </summary>
    /// <param name="cascadePath">The cascade's <c>.onnx</c> file.</param>
    /// <returns>The detector file's path.</returns>
    public static string PathFor(string cascadePath)
    {
        ArgumentNullException.ThrowIfNull(cascadePath);
        return System.IO.Path.ChangeExtension(cascadePath, ".faces.onnx");
    }

    /// <summary>Builds the model (see the class remarks).</summary>
    /// <param name="detector">The loaded networks (TorchSharp); not disposed.</param>
    /// <returns>The ONNX model with <c>srface.kind</c>, the weights' package and the opset as metadata.</returns>
    public static ModelProto Build(FaceDetector detector)
    {
        ArgumentNullException.ThrowIfNull(detector);
        var g = new OnnxGraphBuilder("srface-face-detector");
        var tiny = g.Input(TinyInput, [1, 3, null, null], sideName: "tiny_side");
        g.Output(g.Emit(detector.Tiny, tiny), TinyOutput, [1, 25, null, null]);
        var ssd = g.Input(SsdInput, [null, 3, SsdMobilenetV1.InputSize, SsdMobilenetV1.InputSize]);
        g.Output(g.Emit(detector.Ssd, ssd), SsdOutput, [null, SsdMobilenetV1.PriorCount, 5]);
        var landmarks = g.Input(LandmarkInput, [null, 3, FaceLandmark68Net.InputSize, FaceLandmark68Net.InputSize]);
        g.Output(g.Emit(detector.Landmarks, landmarks), LandmarkOutput, [null, 136]);

        g.Graph.Input.Add(ValueInfo(WarpImage, "1", "channels", "height", "width"));
        g.Graph.Input.Add(ValueInfo(WarpGrid, "1", "chip", "chip", "2"));
        var sampled = g.Node("GridSample", [WarpImage, WarpGrid], 4, ("mode", "bilinear"), ("padding_mode", "zeros"), ("align_corners", 0L));
        g.Output(g.ClampUnit(sampled), WarpOutput, [1, null, null, null]);
        return g.ToModel(new Dictionary<string, string>
        {
            ["srface.kind"] = Kind,
            ["srface.weights"] = $"{FaceDetector.Package} {FaceDetector.Version}",
            ["srface.opset"] = OnnxGraphBuilder.Opset.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
    }

    /// <summary>Writes <see cref="Build"/> to <paramref name="path"/> atomically.</summary>
    /// <param name="detector">The loaded networks; not disposed.</param>
    /// <param name="path">Target file, normally <see cref="PathFor"/> of the cascade.</param>
    /// <exception cref="IOException">When the file cannot be written.</exception>
    public static void Export(FaceDetector detector, string path)
    {
        var model = Build(detector);
        AtomicFile.Write(path, stream => model.WriteTo(stream));
    }

    /// <summary>A float32 value whose dimensions are fixed numbers or symbolic names.</summary>
    private static ValueInfoProto ValueInfo(string name, params string[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(long.TryParse(d, out var v) ? new TensorShapeProto.Types.Dimension { DimValue = v } : new TensorShapeProto.Types.Dimension { DimParam = d });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}
