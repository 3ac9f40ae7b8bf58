using SrFace.Benchmarks.Harness;
using SrFace.Cascade;
using SrFace.Data;
using SrFace.Imaging;
using static TorchSharp.torch;

namespace SrFace.Benchmarks.Suites;

/// <summary>
/// How small a tight face crop the face detectors still find (the measure behind
/// <see cref="FacePreprocessing.UndetectableSide"/> and <see cref="FacePreparer.RetryPaddingDivisor"/>): the first
/// LFW photo of every 120th person (alphabetical), its face cut out as the square of 1.3 detector boxes, resized
/// (bilinear, antialiased) to each side from 150 down to 19 px, and <see cref="FacePreparer"/>'s two passes run on it:
/// the crop as it is, and padded with a third of its side replicated around. Also every pass on non-faces of the same
/// sizes (uniform noise, flat grey, a ramp), where any detection is a false one. A count, not a timing: it reports in
/// notes only. The crops are made in memory and never written.
/// </summary>
internal static class DetectionReachSuite
{
    public const string Name = "detection-reach";

    private static readonly int[] Sides = [150, 112, 96, 80, 72, 64, 56, 48, 40, 32, 24, 19];

    public static SuiteResult Run(string? lfwImages, Action<string> progress)
    {
        if (lfwImages is null || !Directory.Exists(lfwImages))
            return new SuiteResult(Name, "none", [], [], ["No LFW images: the detection-reach suite needs real faces (give --data)."]);
        using var scope = NewDisposeScope();
        progress($"{Name}: loading the face detector from the model store");
        using var cascade = FaceRecognitionCascade.FromPretrained("dlib-resnet", BenchmarkModels.Store());
        var detector = cascade.Detector!;
        var reader = new FaceImageReader();
        var people = Directory.GetDirectories(lfwImages).Order(StringComparer.Ordinal).Where((_, i) => i % 120 == 0).ToList();
        var (direct, padded) = (Sides.ToDictionary(s => s, _ => 0), Sides.ToDictionary(s => s, _ => 0));
        var faces = 0;
        foreach (var person in people)
        {
            using var photoScope = NewDisposeScope();
            var image = reader.Read(Directory.GetFiles(person).Order(StringComparer.Ordinal).First());
            if (detector.Detect(image).Largest?.Box is not { } box) continue;
            faces++;
            var (h, w) = ((int)image.shape[1], (int)image.shape[2]);
            var side = (int)Math.Min(1.3 * box.Width, Math.Min(h, w));
            var top = Math.Clamp((int)(box.Y + box.Height / 2 - side / 2.0), 0, h - side);
            var left = Math.Clamp((int)(box.X + box.Width / 2 - side / 2.0), 0, w - side);
            var crop = image[.., top..(top + side), left..(left + side)];
            foreach (var s in Sides)
            {
                var resized = Resize(crop, s);
                if (detector.Detect(resized).Largest is not null) direct[s]++;
                if (detector.Detect(Pad(resized)).Largest is not null) padded[s]++;
            }
            progress($"{Name}: {faces} faces");
        }
        var (falseDirect, falsePadded, tries) = (0, 0, 0);
        var generator = new Generator(1);
        foreach (var s in Sides)
        {
            using var sideScope = NewDisposeScope();
            foreach (var nonFace in new[] { rand([3, s, s], generator: generator), full([3, s, s], 0.5f), linspace(0, 1, s).view(1, 1, s).expand(3, s, s).contiguous() })
            {
                tries++;
                if (detector.Detect(nonFace).Largest is not null) falseDirect++;
                if (detector.Detect(Pad(nonFace)).Largest is not null) falsePadded++;
            }
        }
        var notes = new List<string>
        {
            $"Tight face crops (1.3 detector boxes) of {faces} LFW people (the first photo of every 120th person with a face found), faces found as they are / padded with a third of the side replicated (FacePreparer's second pass):",
        };
        notes.AddRange(Sides.Select(s => $"  {s} px: {direct[s]}/{faces} as they are, {padded[s]}/{faces} padded ({100.0 * padded[s] / faces:0} %)"));
        notes.Add($"Non-faces (uniform noise, flat grey, ramp) at the same {Sides.Length} sides: {falseDirect}/{tries} detections as they are, {falsePadded}/{tries} padded.");
        notes.Add($"FacePreprocessing.UndetectableSide = {FacePreprocessing.UndetectableSide} px: images up to it are taken whole as face crops by models that align faces; above it a face must be found.");
        return new SuiteResult(Name, $"LFW photos from {lfwImages}", [], [], notes);
    }

    private static Tensor Resize(Tensor image, int side) =>
        nn.functional.interpolate(image.unsqueeze(0), [side, side], mode: InterpolationMode.Bilinear, align_corners: false, antialias: true).squeeze(0).clamp(0, 1);

    private static Tensor Pad(Tensor image)
    {
        var border = FacePreparer.RetryBorder((int)image.shape[1], (int)image.shape[2]);
        return nn.functional.pad(image.unsqueeze(0), [border, border, border, border], TorchSharp.PaddingModes.Replicate).squeeze(0);
    }
}
