using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using SrFace.Cascade;
using SrFace.Recognition;
using SrFace.Server.Galleries;
using SrFace.Server.Inference;

namespace SrFace.Server.Endpoints;

/// <summary>POST /v1/verify, /v1/identify and /v1/restore: multipart uploads, inference on the worker thread.</summary>
internal static class RecognitionEndpoints
{
    /// <summary>Most candidates an identification returns.</summary>
    public const int MaxTop = 100;

    /// <summary>What the OpenAPI document says of the face fields (<see cref="UsedFace"/>) and of an image without a face.</summary>
    private const string FaceFields =
        "With a model that detects faces (a dlib-resnet cascade, whose catalogue entry aligns faces) each image's face is detected and aligned: " +
        "facesFound (the largest face is used; note names the choice when there are several), framing 'aligned', box {x, y, width, height} " +
        "in pixels of the upright image (after EXIF orientation), detector (tiny, ssd, tiny-large), score, and landmarks as [x, y] pairs " +
        "(the 68 points, or 5 for a five-point template; null with fallback 'detector box' when the face was too small for landmarks). " +
        "A centred-crop model (or an upload smaller than the model's input) gives framing 'centred crop' with facesFound, box, detector, score and landmarks null. " +
        "faceSidePx (the face's box side in photo pixels, the crop side for a centred crop, scaled down by probeSize) and restored say whether the cascade " +
        "judged the face a low-quality probe and restored it (restore + fusion) or embedded it with the recogniser alone; a model without SR never restores. " +
        "An image in which the detector finds no face is a 422 problem 'No face found', never a similarity.";

    /// <summary>Maps the endpoints.</summary>
    public static void Map(IEndpointRouteBuilder v1)
    {
        v1.MapPost("/verify", Verify).DisableAntiforgery()
            .WithSummary("Verify whether two face images show the same person")
            .WithDescription("Multipart files 'a' (reference) and 'b' (probe). probeSize degrades b's face crop to that many pixels first; threshold overrides the model's calibrated one. " + FaceFields +
                " faceA and faceB say which face of each image was used.")
            .Produces<VerifyResponse>().ProducesProblem(400).ProducesProblem(413).ProducesProblem(415).ProducesProblem(422).ProducesProblem(503);
        v1.MapPost("/identify", Identify).DisableAntiforgery()
            .WithSummary("Identify a face against a gallery (top-k, open set)")
            .WithDescription("Multipart file 'image'. gallery (default 'default'), top (1-100, default 5), probeSize, threshold (default: the server's --threshold, else the model's open-set threshold, else its verification threshold; thresholdSource says which); images=true adds the face the preparation stage produced (aligned, or the centred crop) and, when the cascade restores it, the low-resolution probe and its restoration as PNG data URLs (images is null on a server running an ONNX export, whose graph gives embeddings only). " + FaceFields +
                " face says which face of the image was identified.")
            .Produces<IdentifyResponse>().ProducesProblem(400).ProducesProblem(404).ProducesProblem(409).ProducesProblem(413).ProducesProblem(415).ProducesProblem(422).ProducesProblem(503);
        v1.MapPost("/restore", Restore).DisableAntiforgery()
            .WithSummary("Restore a low-resolution face with the SR model")
            .WithDescription("Multipart file 'image'; its face is prepared as for identify (detected and aligned, or the centred crop), probeSize degrades it first. Returns the SR model's restoration as PNG (S x S); a face at least S px wide, or a model without SR, is only resized to S.")
            .Produces(200, contentType: "image/png").ProducesProblem(400).ProducesProblem(413).ProducesProblem(415).ProducesProblem(422).ProducesProblem(501).ProducesProblem(503);
    }

    private static Task<IResult> Verify(HttpContext http, IFormFile? a, IFormFile? b, [FromQuery] int? probeSize, [FromQuery] double? threshold,
        InferenceWorker worker, ServerOptions options, CancellationToken ct) => Problems.Guard(http, async () =>
    {
        CheckProbeSize(probeSize, worker);
        CheckThreshold(threshold);
        CheckOneFileEach(http, "a", "b");
        var first = await UploadReader.ReadAsync(a, "a", options.MaxPixels, ct);
        var second = await UploadReader.ReadAsync(b, "b", options.MaxPixels, ct);
        var (fa, fb) = await worker.RunAsync(m => (FaceAnalysis.EmbedFace(m, first, null), FaceAnalysis.EmbedFace(m, second, probeSize)), ct);
        var similarity = EmbeddingMath.Cosine(fa.Embedding, fb.Embedding);
        var t = threshold ?? worker.Threshold;
        return Results.Ok(new VerifyResponse(similarity, t, t is null ? null : similarity >= t, fa.Face, fb.Face));
    });

    private static Task<IResult> Identify(HttpContext http, IFormFile? image, [FromQuery] string? gallery, [FromQuery] int? top, [FromQuery] int? probeSize,
        [FromQuery] double? threshold, [FromQuery] bool? images, InferenceWorker worker, GalleryService galleries, ServerOptions options, CancellationToken ct) => Problems.Guard(http, async () =>
    {
        var name = gallery ?? GalleryAddress.DefaultGalleryName;
        var k = top ?? 5;
        if (k < 1 || k > MaxTop) throw new ArgumentException($"top must be in 1..{MaxTop}; got {k}.");
        CheckProbeSize(probeSize, worker);
        CheckThreshold(threshold);
        GalleryNames.Check(name);
        CheckOneFileEach(http, "image");
        var upload = await UploadReader.ReadAsync(image, "image", options.MaxPixels, ct);
        var (face, views) = await worker.RunAsync(m => (FaceAnalysis.EmbedFace(m, upload, probeSize), images == true ? FaceAnalysis.Views(m, upload, probeSize) : null), ct);
        var (t, source) = worker.OpenSetThreshold(threshold);
        var result = await galleries.WithGalleryAsync(name, create: false, g => g.Identify(face.Embedding, k, t ?? double.NegativeInfinity), ct);
        var candidates = result.Candidates.Select(c => new Candidate(c.Identity, c.Score)).ToList();
        return Results.Ok(new IdentifyResponse(name, candidates, result.Identity, result.IsUnknown, t, source, face.Face, views is null ? null : ToDataUrls(views)));
    });

    private static Task<IResult> Restore(HttpContext http, IFormFile? image, [FromQuery] int? probeSize, InferenceWorker worker, ServerOptions options, CancellationToken ct) =>
        Problems.Guard(http, async () =>
        {
            CheckProbeSize(probeSize, worker);
            CheckOneFileEach(http, "image");
            var upload = await UploadReader.ReadAsync(image, "image", options.MaxPixels, ct);
            var png = await worker.RunAsync(m => FaceAnalysis.RestorePng(m, upload, probeSize), ct);
            return Results.File(png, "image/png");
        });

    private static FaceImages ToDataUrls(FaceViews v)
    {
        static string? Url(byte[]? png) => png is null ? null : "data:image/png;base64," + Convert.ToBase64String(png);
        return new FaceImages(Url(v.Crop)!, Url(v.Probe), Url(v.Restored));
    }

    private static void CheckProbeSize(int? probeSize, InferenceWorker worker) => FaceRecognitionCascade.CheckProbeSize(probeSize, worker.InputSize);

    /// <summary>Refuses a form that repeats a single-file field (e.g. two files named 'a'): which one was meant is unknown.</summary>
    private static void CheckOneFileEach(HttpContext http, params string[] fields)
    {
        foreach (var field in fields)
        {
            var count = http.Request.Form.Files.GetFiles(field).Count;
            if (count > 1) throw new ArgumentException($"the form has {count} files named '{field}'; send one.");
        }
    }

    private static void CheckThreshold(double? threshold)
    {
        if (threshold is { } t && !(t >= -1 && t <= 1)) throw new ArgumentException($"threshold must be a cosine in [-1, 1]; got {t}.");
    }
}
