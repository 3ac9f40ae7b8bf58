using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using SrFace.Server.Galleries;
using SrFace.Server.Inference;
using SrFace.Server.Security;

namespace SrFace.Server.Endpoints;

/// <summary>Enrol (POST images), delete and list identities of a gallery; enrol and delete need the API key.</summary>
internal static class GalleryEndpoints
{
    /// <summary>Longest identity name.</summary>
    public const int MaxIdentityLength = 200;

    /// <summary>Maps the endpoints.</summary>
    public static void Map(IEndpointRouteBuilder v1, ApiKeyGuard guard)
    {
        // The form is read in the handler, after the key check: an unauthenticated client cannot make the server buffer uploads.
        v1.MapPost("/galleries/{g}/identities/{id}/images", Enrol).DisableAntiforgery().AddEndpointFilterFactory(guard.Filter)
            .Accepts<IFormFileCollection>("multipart/form-data")
            .WithSummary("Enrol an identity from one or more face images (API key)")
            .WithDescription($"Multipart files 'images' (one or more). The gallery is created for the server's model on first enrolment. replace=true drops the identity's earlier images. An image in which a face-detecting model finds no face is a 422 problem 'No face found' and nothing is enrolled. The response lists, per image, the face used (box, landmarks, face side, restored), as verify and identify report it. Needs the {ApiKeyGuard.Header} header.")
            .Produces<EnrolResponse>(201).ProducesProblem(400).ProducesProblem(401).ProducesProblem(409).ProducesProblem(413).ProducesProblem(415).ProducesProblem(422).ProducesProblem(503);
        v1.MapDelete("/galleries/{g}/identities/{id}", Delete).AddEndpointFilterFactory(guard.Filter)
            .WithSummary("Delete an identity with its images (API key)")
            .Produces(204).ProducesProblem(400).ProducesProblem(401).ProducesProblem(404);
        v1.MapGet("/galleries/{g}/identities", List)
            .WithSummary("List a gallery's identities with their image counts")
            .Produces<IdentityList>().ProducesProblem(400).ProducesProblem(404);
    }

    private static Task<IResult> Enrol(HttpContext http, string g, string id, [FromQuery] bool? replace,
        InferenceWorker worker, GalleryService galleries, ServerOptions options, CancellationToken ct) => Problems.Guard(http, async () =>
    {
        CheckIdentity(id);
        Recognition.GalleryNames.Check(g);
        if (!http.Request.HasFormContentType)
            throw new UploadRejectedException(StatusCodes.Status415UnsupportedMediaType, "Multipart form expected", "Send the images as multipart/form-data files 'images'.");
        var form = await http.Request.ReadFormAsync(ct);
        var files = form.Files.GetFiles("images");
        if (files.Count == 0) throw new UploadRejectedException(StatusCodes.Status400BadRequest, "Missing images", "Send one or more face images as multipart form files 'images'.");
        if (files.Count > options.MaxImagesPerEnrolment)
            throw new UploadRejectedException(StatusCodes.Status413PayloadTooLarge, "Too many images", $"{files.Count} images sent; at most {options.MaxImagesPerEnrolment} per enrolment.");
        var uploads = new List<Upload>();
        foreach (var file in files) uploads.Add(await UploadReader.ReadAsync(file, "images", options.MaxPixels, ct));
        var faces = await worker.RunAsync(m => uploads.Select(u => FaceAnalysis.EmbedFace(m, u, null)).ToArray(), ct);
        var total = await galleries.WithGalleryAsync(g, create: true, gallery =>
        {
            gallery.Enroll(id, uploads.Select((u, i) => (u.Label, faces[i].Embedding)).ToArray(), replace ?? false);
            return gallery.Embeddings(id).Count;
        }, ct);
        var used = uploads.Select((u, i) => new EnrolledImage(u.Label, faces[i].Face)).ToList();
        return Results.Created($"/v1/galleries/{Uri.EscapeDataString(g)}/identities", new EnrolResponse(g, id, uploads.Count, total, used));
    });

    private static Task<IResult> Delete(HttpContext http, string g, string id, GalleryService galleries, CancellationToken ct) => Problems.Guard(http, async () =>
    {
        CheckIdentity(id);
        var removed = await galleries.WithGalleryAsync(g, create: false, gallery => gallery.Delete(id), ct);
        return removed ? Results.NoContent() : Problems.Problem(StatusCodes.Status404NotFound, "Identity not found", $"No identity '{id}' in gallery '{g}'.");
    });

    private static Task<IResult> List(HttpContext http, string g, GalleryService galleries, CancellationToken ct) => Problems.Guard(http, async () =>
    {
        var identities = await galleries.WithGalleryAsync(g, create: false, gallery => gallery.ListIdentities(), ct);
        return Results.Ok(new IdentityList(g, identities.Select(i => new IdentitySummary(i.Name, i.ImageCount)).ToList()));
    });

    private static void CheckIdentity(string id)
    {
        if (string.IsNullOrWhiteSpace(id) || id.Length > MaxIdentityLength || id.Any(char.IsControl))
            throw new ArgumentException($"Invalid identity name: use 1 to {MaxIdentityLength} printable characters.");
    }
}
