using SrFace.Data;
using SrFace.Detection;
using SrFace.Export;
using SrFace.Imaging;
using SrFace.Models;
using SrFace.Tests.Detection;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SrFace.Tests.Export;

/// <summary>
/// The face-api networks and the alignment warp exported to ONNX (<see cref="FaceDetectorOnnxExporter"/>) and run in
/// ONNX Runtime on managed images (<see cref="OnnxFaceDetector"/>) against the TorchSharp modules on LFW photos: raw
/// network outputs, detected boxes and landmarks, and the aligned chips of <see cref="FacePreparer"/>.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class FaceDetectorOnnxTests(ITestOutputHelper output, FaceDetectorOnnxTests.Exported exported) : IClassFixture<FaceDetectorOnnxTests.Exported>
{
    /// <summary>The file exported once for the class.</summary>
    public sealed class Exported : IDisposable
    {
        /// <summary>The exported file.</summary>
        public string Path { get; } = System.IO.Path.Combine(TestData.NewTempDir(), "faces.onnx");

        /// <summary>Exports the shared detector.</summary>
        public Exported() => FaceDetectorOnnxExporter.Export(DetectionModels.Detector, Path);

        /// <inheritdoc />
        public void Dispose() { }
    }

    private static readonly string[] Photos =
    [
        "lfw/lfw-deepfunneled/George_W_Bush/George_W_Bush_0001.jpg",
        "lfw/lfw-deepfunneled/Serena_Williams/Serena_Williams_0001.jpg",
        "lfw/lfw-deepfunneled/Colin_Powell/Colin_Powell_0002.jpg",
        "lfw/lfw-deepfunneled/Tony_Blair/Tony_Blair_0002.jpg",
    ];

    private readonly string _path = exported.Path;

    private static double MaxAbs(IReadOnlyList<float> a, IReadOnlyList<float> b)
    {
        Assert.Equal(a.Count, b.Count);
        return Enumerable.Range(0, a.Count).Max(i => Math.Abs((double)a[i] - b[i]));
    }

    [Fact]
    public void Network_outputs_match_the_torchsharp_modules()
    {
        var detector = DetectionModels.Detector;
        using var onnx = new OnnxFaceDetector(_path, threads: 2);
        double tiny = 0, tinyLarge = 0, ssdBoxes = 0, ssdScores = 0, landmarks = 0;
        foreach (var photo in Photos)
        {
            var (torch, managed) = DetectionModels.ReadBoth(photo);
            using (torch)
            {
                var (t, o) = (detector.Tiny.Run(torch, 416), onnx.RunTiny(managed, 416));
                Assert.Equal((t.Grid, t.ReshapedWidth, t.ReshapedHeight), (o.Grid, o.ReshapedWidth, o.ReshapedHeight));
                tiny = Math.Max(tiny, MaxAbs(t.Logits, o.Logits));
                var (s, so) = (detector.Ssd.Run(torch), onnx.RunSsd(managed));
                ssdBoxes = Math.Max(ssdBoxes, MaxAbs(s.Boxes, so.Boxes));
                ssdScores = Math.Max(ssdScores, MaxAbs(s.Scores, so.Scores));
                // Two regions: the face and an off-centre, non-square one (centred padding on the other axis).
                (int, int, int, int)[] crops = [(60, 70, 130, 120), (10, 30, 90, 200)];
                landmarks = Math.Max(landmarks, MaxAbs(detector.Landmarks.Run(torch, crops), onnx.RunLandmarks(managed, crops)));
            }
        }
        var (lt, lm) = DetectionModels.ReadBoth(Photos[0]);
        using (lt) tinyLarge = MaxAbs(detector.Tiny.Run(lt, 1280).Logits, onnx.RunTiny(lm, 1280).Logits);
        output.WriteLine($"max |ONNX Runtime - TorchSharp| over {Photos.Length} LFW photos: tiny logits (416) {tiny:E2}, tiny logits (1280, one photo) {tinyLarge:E2}, " +
            $"SSD boxes (relative) {ssdBoxes:E2}, SSD scores {ssdScores:E2}, landmark outputs (relative to 112) {landmarks:E2}");
        Assert.True(tiny < 2e-4 && tinyLarge < 2e-4, $"tiny logits differ by {tiny:E2} / {tinyLarge:E2}");
        Assert.True(ssdBoxes < 2e-5 && ssdScores < 2e-5, $"SSD differs by {ssdBoxes:E2} (boxes), {ssdScores:E2} (scores)");
        Assert.True(landmarks < 1e-5, $"landmark outputs differ by {landmarks:E2}");
    }

    [Fact]
    public void Detections_and_landmarks_match_the_torchsharp_detector()
    {
        // Also with photos downscaled for detection (MaxDetectionSide 128 < 250): the managed antialiased bilinear resize.
        var shared = DetectionModels.Detector;
        var downscaling = new FaceDetectorOptions() with { MaxDetectionSide = 128 };
        var torchDownscaling = new FaceDetector(shared.Tiny, shared.Ssd, shared.Landmarks, downscaling);   // shares the networks: not disposed
        using var onnx = new OnnxFaceDetector(_path, threads: 2);
        using var onnxDownscaling = new OnnxFaceDetector(_path, threads: 2, downscaling);
        double box = 0, score = 0, point = 0;
        var faces = 0;
        foreach (var photo in Photos)
        {
            var (torch, managed) = DetectionModels.ReadBoth(photo);
            using (torch)
                foreach (var (t, o) in new[] { (shared.Detect(torch), onnx.Detect(managed)), (torchDownscaling.Detect(torch), onnxDownscaling.Detect(managed)) })
                {
                    Assert.Equal(t.Count, o.Count);
                    Assert.Equal(t.DetectionScale, o.DetectionScale);
                    for (var i = 0; i < t.Count; i++)
                    {
                        faces++;
                        Assert.Equal(t[i].Detector, o[i].Detector);
                        var (a, b) = (t[i].Box, o[i].Box);
                        box = Math.Max(box, new[] { a.X - b.X, a.Y - b.Y, a.Width - b.Width, a.Height - b.Height }.Max(Math.Abs));
                        score = Math.Max(score, Math.Abs(t[i].Score - o[i].Score));
                        Assert.Equal(t[i].Landmarks68 is null, o[i].Landmarks68 is null);
                        if (t[i].Landmarks68 is { } lt)
                            point = Math.Max(point, lt.Zip(o[i].Landmarks68!).Max(p => Math.Max(Math.Abs(p.First.X - p.Second.X), Math.Abs(p.First.Y - p.Second.Y))));
                    }
                }
        }
        output.WriteLine($"{faces} faces (full size and downscaled to 128 px): max |ONNX Runtime - TorchSharp| box {box:E2} px, score {score:E2}, landmarks {point:E2} px");
        Assert.True(faces >= 2 * Photos.Length, $"only {faces} faces found");
        Assert.True(box < 2e-4 && point < 2e-4 && score < 1e-5, $"boxes {box:E2} px, landmarks {point:E2} px, scores {score:E2}");
    }

    [Theory]
    [InlineData(FaceAlignmentTemplate.DlibChip, 150)]
    [InlineData(FaceAlignmentTemplate.LandmarkBox, 150)]
    [InlineData(FaceAlignmentTemplate.ArcFace5Point, 112)]
    public void Aligned_chips_match_the_torchsharp_preparer(FaceAlignmentTemplate alignment, int size)
    {
        var preprocessing = new FacePreprocessing(size, Alignment: alignment);
        var torchPreparer = new FacePreparer(preprocessing, DetectionModels.Detector);
        using var onnx = new OnnxFaceDetector(_path, threads: 2);
        var onnxPreparer = new FacePreparer(preprocessing, onnx);
        double worst = 0;
        foreach (var photo in Photos)
            foreach (var side in new int?[] { null, 19 })
            {
                using var scope = NewDisposeScope();
                var (torch, managed) = DetectionModels.ReadBoth(photo);
                Func<int, int>? sideFor = side is { } s ? _ => s : null;
                var t = torchPreparer.Prepare(torch, photo, sideFor);
                var o = onnxPreparer.PrepareManaged(managed, photo, sideFor);
                Assert.Equal(t.NativeSide, o.NativeSide);
                Assert.Equal(t.FacesFound, o.FacesFound);
                Assert.Equal(t.Chip.shape, new long[] { o.Chip.Channels, o.Chip.Height, o.Chip.Width });
                worst = Math.Max(worst, MaxAbs(t.Chip.contiguous().data<float>().ToArray(), o.Chip.Pixels));
            }
        output.WriteLine($"{alignment} chips ({size} px and 19 px) of {Photos.Length} LFW photos: max |ONNX Runtime - TorchSharp| = {worst:E2}");
        Assert.True(worst < 1e-4, $"chips differ by {worst:E2}");
    }

    [Fact]
    public void A_face_filling_the_image_is_found_on_the_padded_pass_in_both_runtimes_and_reported_in_its_pixels()
    {
        const int side = 120;                                        // a tight crop above FacePreprocessing.UndetectableSide
        var preprocessing = new FacePreprocessing(150, Alignment: FaceAlignmentTemplate.LandmarkBox);
        var torchPreparer = new FacePreparer(preprocessing, DetectionModels.Detector);
        using var onnx = new OnnxFaceDetector(_path, threads: 2);
        var onnxPreparer = new FacePreparer(preprocessing, onnx);
        var missedWithoutPadding = 0;
        foreach (var photo in Photos)
        {
            using var scope = NewDisposeScope();
            var image = DetectionModels.ReadImage(photo);
            var box = DetectionModels.Detector.Detect(image).Largest!.Box;
            // The square of 1.3 detector boxes around the face, resized to 120 px: the face fills the image.
            var half = (int)(0.65 * box.Width);
            var (cx, cy) = ((int)(box.X + box.Width / 2), (int)(box.Y + box.Height / 2));
            var crop = nn.functional.interpolate(image[.., (cy - half)..(cy + half), (cx - half)..(cx + half)].unsqueeze(0), [side, side],
                mode: InterpolationMode.Bilinear, align_corners: false, antialias: true).squeeze(0).clamp(0, 1).contiguous();
            if (DetectionModels.Detector.Detect(crop).Largest is null) missedWithoutPadding++;

            var t = torchPreparer.Prepare(crop, photo);
            var o = onnxPreparer.PrepareManaged(new PlanarImage(crop.data<float>().ToArray(), 3, side, side), photo);
            Assert.NotNull(t.Face);
            Assert.NotNull(o.Face);
            var (tb, ob) = (t.Face!.Box, o.Face!.Box);
            output.WriteLine($"{Path.GetFileName(photo)}: box x {tb.X:F1}, y {tb.Y:F1}, {tb.Width:F1}x{tb.Height:F1} in the {side} px crop (ONNX Runtime x {ob.X:F1}, y {ob.Y:F1})");
            // Reported in the crop's own pixels (not the padded image's): the face is the middle of the crop.
            Assert.InRange(tb.X + tb.Width / 2, side * 0.35, side * 0.65);
            Assert.InRange(tb.Y + tb.Height / 2, side * 0.3, side * 0.7);
            Assert.True(new[] { tb.X - ob.X, tb.Y - ob.Y, tb.Width - ob.Width }.Max(Math.Abs) < 1e-3, "the runtimes disagree on the box");
            Assert.True(MaxAbs(t.Chip.contiguous().data<float>().ToArray(), o.Chip.Pixels) < 1e-4);
        }
        output.WriteLine($"{missedWithoutPadding} of {Photos.Length} crops had no face on the first pass");
        Assert.True(missedWithoutPadding > 0, "no crop needed the padded pass: the test does not reach it");

        // Noise of the same size has no face on either pass: an error, in both runtimes.
        var noise = rand([3, side, side], generator: new Generator(5));
        Assert.Throws<FaceNotFoundException>(() => torchPreparer.Prepare(noise, "noise"));
        Assert.Throws<FaceNotFoundException>(() => onnxPreparer.PrepareManaged(new PlanarImage(noise.data<float>().ToArray(), 3, side, side), "noise"));
    }

    [Fact]
    public void Padding_replicates_the_edges_as_torch_does()
    {
        using var scope = NewDisposeScope();
        var image = rand([3, 5, 7], generator: new Generator(3));
        var torch = nn.functional.pad(image.unsqueeze(0), [2, 2, 2, 2], TorchSharp.PaddingModes.Replicate).squeeze(0).contiguous();
        var managed = ManagedFacePreprocessing.PadReplicate(new PlanarImage(image.contiguous().data<float>().ToArray(), 3, 5, 7), 2);
        Assert.Equal((3, 9, 11), (managed.Channels, managed.Height, managed.Width));
        Assert.Equal(torch.data<float>().ToArray(), managed.Pixels);
    }

    [Fact]
    public void A_file_that_is_not_a_detector_export_is_refused_by_name()
    {
        var onnx = System.IO.Path.Combine(TestData.NewTempDir(), "cascade.onnx");
        var model = new OnnxGraphBuilder("not-a-detector");
        var x = model.Input("x", [null, 1]);
        model.Output(x, "y", [null, 1]);
        File.WriteAllBytes(onnx, Google.Protobuf.MessageExtensions.ToByteArray(model.ToModel(new Dictionary<string, string>())));
        var e = Assert.Throws<InvalidDataException>(() => new OnnxFaceDetector(onnx));
        Assert.Contains(onnx, e.Message);
    }
}
