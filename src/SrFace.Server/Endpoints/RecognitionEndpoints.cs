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

    /// <summary>Maps the endpoints.</summary>
    public static void Map(IEndpointRouteBuilder v1)
    {
        v1.MapPost("/verify", Verify).DisableAntiforgery()
            .WithSummary("Verify whether two face images show the same person")
            .WithDescription("Multipart files 'a' (reference) and 'b' (probe). probeSize degrades b's face crop to that many pixels first; threshold overrides the model's calibrated one.")
            .Produces<VerifyResponse>().ProducesProblem(400).ProducesProblem(413).ProducesProblem(415).ProducesProblem(422).ProducesProblem(503);
        v1.MapPost("/identify", Identify).DisableAntiforgery()
            .WithSummary("Identify a face against a gallery (top-k, open set)")
            .WithDescription("Multipart file 'image'. gallery (default 'default'), top (1-100, default 5), probeSize, threshold; images=true adds the face crop, low-resolution probe and restored face as PNG data URLs.")
            .Produces<IdentifyResponse>().ProducesProblem(400).ProducesProblem(404).ProducesProblem(409).ProducesProblem(413).ProducesProblem(415).ProducesProblem(422).ProducesProblem(503);
        v1.MapPost("/restore", Restore).DisableAntiforgery()
            .WithSummary("Restore a low-resolution face with the SR model")
            .WithDescription("Multipart file 'image'; probeSize degrades its face crop first. Returns the restored face as PNG (S x S).")
            .Produces(200, contentType: "image/png").ProducesProblem(400).ProducesProblem(413).ProducesProblem(415).ProducesProblem(422).ProducesProblem(503);
    }

    private static Task<IResult> Verify(HttpContext http, IFormFile? a, IFormFile? b, [FromQuery] int? probeSize, [FromQuery] double? threshold,
        InferenceWorker worker, ServerOptions options, CancellationToken ct) => Problems.Guard(http, async () =>
    {
        CheckProbeSize(probeSize);
        CheckThreshold(threshold);
        var first = await UploadReader.ReadAsync(a, "a", options.MaxPixels, ct);
        var second = await UploadReader.ReadAsync(b, "b", options.MaxPixels, ct);
        var (ea, eb) = await worker.RunAsync(m => (FaceAnalysis.Embed(m, first, null), FaceAnalysis.Embed(m, second, probeSize)), ct);
        var similarity = FaceRecognitionCascade.Similarity(ea, eb);
        var t = threshold ?? worker.Threshold;
        return Results.Ok(new VerifyResponse(similarity, t, t is null ? null : similarity >= t));
    });

    private static Task<IResult> Identify(HttpContext http, IFormFile? image, [FromQuery] string? gallery, [FromQuery] int? top, [FromQuery] int? probeSize,
        [FromQuery] double? threshold, [FromQuery] bool? images, InferenceWorker worker, GalleryService galleries, ServerOptions options, CancellationToken ct) => Problems.Guard(http, async () =>
    {
        var name = gallery ?? GalleryAddress.DefaultGalleryName;
        var k = top ?? 5;
        if (k < 1 || k > MaxTop) throw new ArgumentException($"top must be in 1..{MaxTop}; got {k}.");
        CheckProbeSize(probeSize);
        CheckThreshold(threshold);
        GalleryNames.Check(name);
        var upload = await UploadReader.ReadAsync(image, "image", options.MaxPixels, ct);
        var (embedding, views) = await worker.RunAsync(m => (FaceAnalysis.Embed(m, upload, probeSize), images == true ? FaceAnalysis.Views(m, upload, probeSize) : null), ct);
        var t = threshold ?? worker.Threshold;
        var result = await galleries.WithGalleryAsync(name, create: false, g => g.Identify(embedding, k, t ?? double.NegativeInfinity), ct);
        var candidates = result.Candidates.Select(c => new Candidate(c.Identity, c.Score)).ToList();
        return Results.Ok(new IdentifyResponse(name, candidates, result.Identity, result.IsUnknown, t, views is null ? null : ToDataUrls(views)));
    });

    private static Task<IResult> Restore(HttpContext http, IFormFile? image, [FromQuery] int? probeSize, InferenceWorker worker, ServerOptions options, CancellationToken ct) =>
        Problems.Guard(http, async () =>
        {
            CheckProbeSize(probeSize);
            var upload = await UploadReader.ReadAsync(image, "image", options.MaxPixels, ct);
            var png = await worker.RunAsync(m => FaceAnalysis.RestorePng(m, upload, probeSize), ct);
            return Results.File(png, "image/png");
        });

    private static FaceImages ToDataUrls(FaceViews v)
    {
        static string? Url(byte[]? png) => png is null ? null : "data:image/png;base64," + Convert.ToBase64String(png);
        return new FaceImages(Url(v.Crop)!, Url(v.Probe), Url(v.Restored));
    }

    private static void CheckProbeSize(int? probeSize)
    {
        if (probeSize is < FaceRecognitionCascade.MinimumFaceSide or > 4096)
            throw new ArgumentException($"probeSize must be in {FaceRecognitionCascade.MinimumFaceSide}..4096 pixels; got {probeSize}.");
    }

    private static void CheckThreshold(double? threshold)
    {
        if (threshold is { } t && !(t >= -1 && t <= 1)) throw new ArgumentException($"threshold must be a cosine in [-1, 1]; got {t}.");
    }
}
