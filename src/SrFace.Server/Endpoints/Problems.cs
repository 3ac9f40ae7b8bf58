using Microsoft.AspNetCore.Http;
using SrFace.Data;
using SrFace.Imaging;
using SrFace.Server.Galleries;
using SrFace.Server.Inference;

namespace SrFace.Server.Endpoints;

/// <summary>Maps the errors of a request to JSON problem bodies (RFC 9457): bad input is a 4xx that says why, never an answer.</summary>
internal static class Problems
{
    /// <summary>The problem title of an upload in which the face detector found no face (422).</summary>
    public const string NoFaceFound = "No face found";

    /// <summary>Runs an endpoint body and turns expected failures into problem results; anything else is a 500.</summary>
    public static async Task<IResult> Guard(HttpContext http, Func<Task<IResult>> body)
    {
        try
        {
            return await body();
        }
        catch (UploadRejectedException e)
        {
            return Problem(e.Status, e.Title, e.Message);
        }
        catch (FaceNotFoundException e)
        {
            // The model detects faces and the upload shows none: an answer about the input, never a similarity.
            return Problem(StatusCodes.Status422UnprocessableEntity, NoFaceFound, e.Message);
        }
        catch (InvalidImageException e)
        {
            var tooLarge = e.Message.Contains("exceeds the cap", StringComparison.Ordinal);
            return Problem(tooLarge ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status400BadRequest, tooLarge ? "Image too large" : "Unreadable image", e.Message);
        }
        catch (InvalidDataException e) when (e.Message.Contains("Multipart body length limit", StringComparison.OrdinalIgnoreCase))
        {
            return Problem(StatusCodes.Status413PayloadTooLarge, "Upload too large", e.Message);
        }
        catch (InvalidDataException e) when (e.Message.Contains("multipart", StringComparison.OrdinalIgnoreCase))
        {
            return Problem(StatusCodes.Status400BadRequest, "Bad multipart body", e.Message);
        }
        catch (InvalidDataException e)
        {
            return Problem(StatusCodes.Status422UnprocessableEntity, "No usable face", e.Message);
        }
        catch (QueueFullException e)
        {
            http.Response.Headers.RetryAfter = "1";
            return Problem(StatusCodes.Status503ServiceUnavailable, "Busy", e.Message);
        }
        catch (Recognition.GalleryFormatException e) when (e.InnerException is System.Data.Common.DbException { IsTransient: true } or TimeoutException)
        {
            // The database went away under the request: nothing was answered or written; a retry may succeed.
            http.Response.Headers.RetryAfter = "5";
            return Problem(StatusCodes.Status503ServiceUnavailable, "Gallery unavailable", e.Message);
        }
        catch (Recognition.GalleryFormatException e)
        {
            // A gallery the store cannot read (damaged file, foreign schema): the server's fault, said plainly.
            return Problem(StatusCodes.Status500InternalServerError, "Gallery unreadable", e.Message);
        }
        catch (GalleryNotFoundException e)
        {
            return Problem(StatusCodes.Status404NotFound, "Gallery not found", e.Message);
        }
        catch (InvalidOperationException e) when (e.Message.Contains("was built with model", StringComparison.Ordinal))
        {
            return Problem(StatusCodes.Status409Conflict, "Gallery of another model", e.Message);
        }
        catch (NotSupportedException e)
        {
            // What this server's runtime cannot do (e.g. show restorations of an ONNX export): not the request's fault.
            return Problem(StatusCodes.Status501NotImplemented, "Not available with this model", e.Message);
        }
        catch (ArgumentException e)
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid request", e.Message);
        }
        catch (BadHttpRequestException e)
        {
            return Problem(e.StatusCode, e.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Upload too large" : "Bad request", e.Message);
        }
    }

    /// <summary>A problem result.</summary>
    public static IResult Problem(int status, string title, string detail) => Results.Problem(statusCode: status, title: title, detail: detail);
}
