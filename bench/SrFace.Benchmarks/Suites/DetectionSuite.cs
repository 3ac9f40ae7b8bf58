using System.Globalization;
using SrFace.Benchmarks.Harness;
using SrFace.Cascade;
using SrFace.Data;
using SrFace.Detection;
using SrFace.FaceAlignment;
using SrFace.Imaging;
using SrFace.Runtime;
using static TorchSharp.torch;

namespace SrFace.Benchmarks.Suites;

/// <summary>
/// The face preparation stage of the pretrained recogniser (dlib-resnet: detection + 68 landmarks + alignment to its
/// catalogue template, face-api's landmark box, 150 px), per photo: <see cref="FaceDetector"/> and <see cref="FacePreparer"/> as
/// <see cref="FaceRecognitionCascade.FromPretrained"/> loads them, split into the public steps (tiny detector, SSD
/// fallback when it ran, landmark net, alignment warp) and timed whole (<see cref="FaceDetector.Detect"/>,
/// <see cref="FacePreparer.Prepare"/>), on a few 250x250 LFW photos and on 1920x1080 photos built in memory around
/// one LFW face about 100 px wide (flat grey and noise backgrounds). Images are decoded before timing. The same stage
/// on ONNX Runtime (<see cref="Export.OnnxFaceDetector"/> from the file <c>srface export</c> writes beside an aligning
/// model, <see cref="FacePreparer.PrepareManaged"/>) is timed on the same photos, with as many threads as TorchSharp.
/// </summary>
internal static class DetectionSuite
{
    public const string Name = "detection";

    /// <summary>LFW photos timed (one per identity of the benchmark batch).</summary>
    private const int LfwPhotos = 8;

    /// <summary>The pretrained recogniser whose preparation is timed.</summary>
    private const string Recognizer = "dlib-resnet";

    /// <summary>Size of the large in-memory photo and the face width pasted into it.</summary>
    private const int LargeWidth = 1920, LargeHeight = 1080, PastedFaceWidth = 100;

    public static SuiteResult Run(StopwatchRunner runner, FaceBatches faces, Action<string> progress)
    {
        if (faces.Files.Count == 0)
            return new SuiteResult(Name, faces.Source, [], [], ["No LFW images: the detection suite needs real faces (give --data)."]);
        using var scope = NewDisposeScope();
        progress($"{Name}: loading {Recognizer} and the face detector from the model store");
        using var cascade = FaceRecognitionCascade.FromPretrained(Recognizer, BenchmarkModels.Store());
        var detector = cascade.Detector ?? throw new InvalidOperationException($"{Recognizer} does not align faces: no detector to time.");
        var preparer = cascade.Preparer;
        var template = FacePreparer.TemplateOf(cascade.Preprocessing.Alignment)!;
        var size = cascade.InputSize;
        var o = detector.Options;
        var facesFolder = Directory.CreateTempSubdirectory("srface-bench-");
        var facesFile = Path.Combine(facesFolder.FullName, "faces.onnx");
        progress($"{Name}: exporting the face detector to ONNX ({facesFile})");
        Export.FaceDetectorOnnxExporter.Export(detector, facesFile);
        using var onnx = new Export.OnnxFaceDetector(facesFile, threads: get_num_threads(), detector.Options);
        facesFolder.Delete(recursive: true);      // the sessions hold the graph in memory
        var onnxPreparer = new FacePreparer(cascade.Preprocessing, onnx);

        var reader = new FaceImageReader();
        var lfw = faces.Files.Where((_, i) => i % BenchmarkModels.PerIdentity == 0).Take(LfwPhotos)
            .Select((file, i) => new Photo($"lfw {i + 1}", reader.Read(file))).ToList();
        var cases = new List<CaseResult>();
        var notes = new List<string>();
        var perPhoto = new List<string>();
        var h = (int)lfw[0].Image.shape[1];
        var w = (int)lfw[0].Image.shape[2];
        Measure($"LFW {w}x{h}", lfw);

        // One LFW face, scaled so its detector box is about PastedFaceWidth px wide, pasted into large photos (in memory only).
        var source = lfw.FirstOrDefault(p => detector.Detect(p.Image).Largest is not null);
        if (source is null) notes.Add($"No face detected in any of the LFW photos: no {LargeWidth}x{LargeHeight} photo built.");
        else
        {
            var sourceBox = detector.Detect(source.Image).Largest!.Box;
            var factor = PastedFaceWidth / sourceBox.Width;
            var pasted = Resize(source.Image, factor);
            var backgrounds = new (string Label, Tensor Pixels)[]
            {
                ("flat", ones(3, LargeHeight, LargeWidth).mul_(0.5)),
                ("noise", rand([3, LargeHeight, LargeWidth], generator: new Generator(1234))),
            };
            foreach (var (label, background) in backgrounds)
            {
                var (x, y) = ((int)(0.6 * LargeWidth), (int)(0.3 * LargeHeight)); // off-centre, well inside the frame
                background.narrow(1, y, pasted.shape[1]).narrow(2, x, pasted.shape[2]).copy_(pasted);
                Measure($"{LargeWidth}x{LargeHeight} {label}", [new Photo($"{LargeWidth}x{LargeHeight} {label}", background)]);
            }
            notes.Add($"{LargeWidth}x{LargeHeight} photos: {source.Name} resized x{factor:0.00} to {pasted.shape[2]}x{pasted.shape[1]} px (its detector box {sourceBox.Width:0} px wide -> about {PastedFaceWidth} px) and pasted at ({(int)(0.6 * LargeWidth)}, {(int)(0.3 * LargeHeight)}); built in memory, never written.");
        }

        var tinyFactor = (double)o.Tiny.InputSize / LargeWidth;
        var fourK = (double)o.MaxDetectionSide / 3840;
        notes.Add($"Downscaling: FaceDetector shrinks photos whose longer side exceeds MaxDetectionSide = {o.MaxDetectionSide} px to that side (antialiased bilinear) " +
            $"before detection and landmarks, and maps boxes and landmarks back (e.g. 3840x2160 -> {3840 * fourK:0}x{2160 * fourK:0}, x{fourK:0.00}); " +
            $"no photo here exceeds it (see DetectionScale above).");
        notes.Add($"Network inputs: the tiny detector pads each photo to a square and resizes it to {o.Tiny.InputSize}x{o.Tiny.InputSize} " +
            $"({LargeWidth}x{LargeHeight}: x{tinyFactor:0.000}, a {PastedFaceWidth} px face is {PastedFaceWidth * tinyFactor:0} px there); SSD (fallback when the tiny finds nothing) " +
            $"to {SsdMobilenetV1.InputSize}x{SsdMobilenetV1.InputSize}; the last fallback is the tiny detector at {o.TinyLargeInputSize} when the longer side exceeds {1.5 * o.Tiny.InputSize:0} px; " +
            $"landmarks on each box crop at {FaceLandmark68Net.InputSize}x{FaceLandmark68Net.InputSize} (boxes under {o.MinLandmarkBoxSide:0} px get none).");
        notes.Add($"Rows: Detect = FaceDetector.Detect (the detector chain, then landmarks); tiny {o.Tiny.InputSize} = TinyFaceDetector.Detect on every photo (FaceDetector's first pass); " +
            "SSD / tiny fallback = SsdMobilenetV1.Detect / TinyFaceDetector.Detect at the large input, timed only on the photos where FaceDetector ran them (the tiny pass found nothing); " +
            "68 landmarks = FaceLandmark68Net.DetectBatch on the photo's boxes; " +
            $"alignment = what Prepare does after detection (similarity fit to the {cascade.Preprocessing.Alignment} template, FaceAligner.Warp at the face's native side, bicubic resize to {size} px); " +
            "Prepare = FacePreparer.Prepare (Detect + alignment of the largest face); " +
            "ONNX Runtime rows = the same on managed images (decoded before timing) with the exported networks and GridSample (OnnxFaceDetector.Detect, FacePreparer.PrepareManaged).");
        notes.Add($"ms per photo, median / min over {runner.Profile.LatencyRepetitions} repetitions (each repetition runs every photo of its set once; {runner.Profile.LatencyWarmup} untimed first):");
        notes.AddRange(perPhoto);
        var ratios = new List<RatioResult>();
        var lfwPrepare = cases.FirstOrDefault(c => c.Case == $"LFW {w}x{h}: Prepare (whole stage)");
        foreach (var large in cases.Where(c => c.Case.StartsWith($"{LargeWidth}x{LargeHeight}", StringComparison.Ordinal) && c.Case.EndsWith(": Prepare (whole stage)", StringComparison.Ordinal)))
            if (lfwPrepare is not null) ratios.Add(RatioResult.Latency($"{large.Case.Split(':')[0]} / LFW {w}x{h}, Prepare ms per photo", large, lfwPrepare));
        foreach (var viaOnnx in cases.Where(c => c.Case.EndsWith("ONNX Runtime: PrepareManaged (whole stage)", StringComparison.Ordinal)))
            if (cases.FirstOrDefault(c => c.Case == $"{viaOnnx.Case.Split(':')[0]}: Prepare (whole stage)") is { } torchPrepare)
                ratios.Add(RatioResult.Latency($"{viaOnnx.Case.Split(':')[0]}, ONNX Runtime / TorchSharp Prepare ms per photo", viaOnnx, torchPrepare));
        return new SuiteResult(Name, faces.Source + $"; {lfw.Count} of them as whole {w}x{h} photos", cases, ratios, notes);

        void Measure(string set, IReadOnlyList<Photo> photos)
        {
            progress($"{Name}: {set}");
            var results = photos.Select(p => detector.Detect(p.Image)).ToList();
            var kinds = results.Select(r => r.Largest?.Detector).ToList();
            var found = Enumerable.Range(0, photos.Count).Where(i => results[i].Largest is not null).ToList();
            notes.Add($"{set}: {found.Count} of {photos.Count} photo(s) with a face; detector that found it: " +
                string.Join(", ", Enum.GetValues<FaceDetectorKind>().Select(k => $"{k} {kinds.Count(x => x == k)}")) +
                $"; faces per photo {string.Join("/", results.Select(r => r.Count))}; DetectionScale {string.Join("/", results.Select(r => r.DetectionScale.ToString("0.###", CultureInfo.InvariantCulture)).Distinct())}" +
                (photos.Count == 1 && results[0].Largest is { } f ? $"; box {f.Box.Width:0}x{f.Box.Height:0} px, score {f.Score:0.00}" : ""));

            Add(set, "Detect (detection + landmarks)", photos.Count, () => { foreach (var p in photos) detector.Detect(p.Image); });
            var managed = photos.Select(p => new PlanarImage(p.Image.contiguous().data<float>().ToArray(), 3, (int)p.Image.shape[1], (int)p.Image.shape[2])).ToList();
            Add(set, "ONNX Runtime: Detect (detection + landmarks)", photos.Count, () => { foreach (var m in managed) onnx.Detect(m); });
            Add(set, $"detection: tiny {o.Tiny.InputSize}", photos.Count, () => { foreach (var p in photos) detector.Tiny.Detect(p.Image, o.Tiny); });
            var ssd = Enumerable.Range(0, photos.Count).Where(i => kinds[i] is null or FaceDetectorKind.Ssd or FaceDetectorKind.TinyLarge).ToList();
            if (ssd.Count > 0)
                Add(set, $"detection: SSD fallback (ran on {ssd.Count} of {photos.Count})", ssd.Count, () => { foreach (var i in ssd) detector.Ssd.Detect(photos[i].Image, o.Ssd); });
            var large = Enumerable.Range(0, photos.Count).Where(i => kinds[i] is null or FaceDetectorKind.TinyLarge).Where(i => Math.Max(photos[i].Image.shape[1], photos[i].Image.shape[2]) > 1.5 * o.Tiny.InputSize).ToList();
            if (large.Count > 0 && o.TinyLargeInputSize > o.Tiny.InputSize)
                Add(set, $"detection: tiny {o.TinyLargeInputSize} fallback (ran on {large.Count} of {photos.Count})", large.Count,
                    () => { foreach (var i in large) detector.Tiny.Detect(photos[i].Image, o.Tiny with { InputSize = o.TinyLargeInputSize }); });
            if (found.Count == 0) return;
            // Landmark boxes in detection pixels, as FaceDetector.Detect passes them (all faces of a photo in one batch).
            var regions = found.ToDictionary(i => i, i => results[i].Where(f => f.Landmarks68 is not null)
                .Select(f => f.Box.Scale(results[i].DetectionScale, results[i].DetectionScale)).ToList());
            Add(set, "68 landmarks", found.Count, () => { foreach (var i in found) detector.Landmarks.DetectBatch(photos[i].Image, regions[i]); });
            Add(set, $"alignment to {size} px", found.Count, () => { foreach (var i in found) Align(photos[i].Image, results[i].Largest!, template, size); });
            Add(set, "Prepare (whole stage)", found.Count, () => { foreach (var i in found) preparer.Prepare(photos[i].Image, photos[i].Name); });
            Add(set, "ONNX Runtime: PrepareManaged (whole stage)", found.Count, () => { foreach (var i in found) onnxPreparer.PrepareManaged(managed[i], photos[i].Name); });
        }

        void Add(string set, string step, int photos, Action run)
        {
            var timing = runner.TimeLatency(run);
            var result = new CaseResult(Name, $"{set}: {step}", size, "fp32", photos, "photo", timing);
            cases.Add(result);
            perPhoto.Add(string.Create(CultureInfo.InvariantCulture,
                $"  {result.Case}: {result.MillisecondsPerItem:0.0} / {timing.Min * 1000 / photos:0.0} ms"));
        }
    }

    /// <summary>What <see cref="FacePreparer.Prepare"/> does after detection, from its public parts: the similarity fit,
    /// the warp at the face's native side and the antialiased bicubic resize to the recogniser's side.</summary>
    private static Tensor Align(Tensor image, DetectedFace face, AlignmentTemplate template, int size)
    {
        SimilarityTransform Fit(int side) => face.Landmarks68 is null ? FaceAligner.FromBox(face.Box, template, side) : FaceAligner.Estimate(face.Landmarks68, template, side);
        var native = (int)Math.Round(size * Fit(size).Scale);
        var warpSide = Math.Max(FacePreparer.MinimumSide, native);
        var chip = FaceAligner.Warp(image, [Fit(warpSide)], warpSide);
        return warpSide == size ? chip
            : SafeScalars.Clamp_(nn.functional.interpolate(chip, size: [size, size], mode: InterpolationMode.Bicubic, align_corners: false, antialias: true));
    }

    /// <summary>An image resized by <paramref name="factor"/> (antialiased bilinear), <c>[3, h, w]</c>.</summary>
    private static Tensor Resize(Tensor image, double factor)
    {
        var target = new[] { (long)Math.Round(image.shape[1] * factor), (long)Math.Round(image.shape[2] * factor) };
        return SafeScalars.Clamp_(nn.functional.interpolate(image.unsqueeze(0), target, mode: InterpolationMode.Bilinear, align_corners: false, antialias: true)).squeeze(0);
    }

    private sealed record Photo(string Name, Tensor Image);
}
