using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SrFace.Server.Inference;
using SrFace.Tests.Recognition;
using SrFace.Tests.Recognition.Galleries;

namespace SrFace.Tests.Server;

/// <summary>Every endpoint with good and bad input, against the real server over HTTP (SQLite galleries).</summary>
[Collection(TorchCollection.Name)]
public class ServerEndpointTests
{
    private static string[] PhotosOf(int person, int count = 2) =>
        TinyCascade.People.Samples.Where(s => s.Identity == TinyCascade.People.Identities[person]).Take(count).Select(s => s.Path).ToArray();

    private static string Name(int person) => TinyCascade.People.Identities[person];

    private static async Task<JsonElement> Problem(HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)expected, body.GetProperty("status").GetInt32());
        return body;
    }

    [Fact]
    public async Task Enrol_identify_verify_restore_list_and_delete_with_good_and_bad_input()
    {
        using var backend = TestGalleries.Of("sqlite");
        await using var server = await TestServer.StartAsync(backend.CatalogAddress());
        var health = await server.Client.GetFromJsonAsync<JsonElement>("/healthz");
        Assert.Equal("ok", health.GetProperty("status").GetString());

        // Nothing enrolled yet: the gallery does not exist.
        await Problem(await server.Client.PostAsync("/v1/identify", TestServer.Form("image", PhotosOf(0)[0])), HttpStatusCode.NotFound);
        for (var p = 0; p < 3; p++)
        {
            var enrolled = await server.PostWithKeyAsync($"/v1/galleries/default/identities/{Name(p)}/images", TestServer.Form("images", PhotosOf(p)));
            Assert.Equal(HttpStatusCode.Created, enrolled.StatusCode);
            var body = await enrolled.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal((2, 2), (body.GetProperty("added").GetInt32(), body.GetProperty("totalImages").GetInt32()));
            // The face used per image, in order: the tiny model's centred crop (0.48 of 250 px: 120 px, not restored at S = 32).
            var faces = body.GetProperty("faces").EnumerateArray().ToArray();
            Assert.Equal(PhotosOf(p).Select(f => "upload:" + Path.GetFileName(f)), faces.Select(f => f.GetProperty("image").GetString()));
            Assert.All(faces, f => Assert.Equal(("centred crop", 120.0, false),
                (f.GetProperty("face").GetProperty("framing").GetString(), f.GetProperty("face").GetProperty("faceSidePx").GetDouble(), f.GetProperty("face").GetProperty("restored").GetBoolean())));
        }
        var list = await server.Client.GetFromJsonAsync<JsonElement>("/v1/galleries/default/identities");
        Assert.Equal(Enumerable.Range(0, 3).Select(Name).Order(StringComparer.Ordinal), list.GetProperty("identities").EnumerateArray().Select(i => i.GetProperty("identity").GetString()));

        // An enrolled photo is nearest its own identity's template (the tiny model is uncalibrated: closed set).
        var identify = await server.Client.PostAsync("/v1/identify?top=3&images=true&probeSize=16", TestServer.Form("image", PhotosOf(1)[0]));
        Assert.Equal(HttpStatusCode.OK, identify.StatusCode);
        var result = await identify.Content.ReadFromJsonAsync<JsonElement>();
        var candidates = result.GetProperty("candidates").EnumerateArray().ToArray();
        Assert.Equal(3, candidates.Length);
        Assert.Equal(candidates.Select(c => c.GetProperty("score").GetDouble()).OrderDescending(), candidates.Select(c => c.GetProperty("score").GetDouble()));
        Assert.Equal(candidates[0].GetProperty("identity").GetString(), result.GetProperty("identity").GetString());
        Assert.False(result.GetProperty("unknown").GetBoolean());
        Assert.Equal(JsonValueKind.Null, result.GetProperty("threshold").ValueKind);
        var images = result.GetProperty("images");
        foreach (var view in new[] { "crop", "probe", "restored" }) Assert.StartsWith("data:image/png;base64,", images.GetProperty(view).GetString());
        // The tiny test cascade takes a centred crop: no detection ran, so no box, landmarks or face count.
        var face = result.GetProperty("face");
        Assert.Equal("centred crop", face.GetProperty("framing").GetString());
        foreach (var field in new[] { "facesFound", "box", "detector", "score", "landmarks" }) Assert.Equal(JsonValueKind.Null, face.GetProperty(field).ValueKind);
        Assert.False(face.TryGetProperty("note", out _));
        // probeSize=16 makes the 120 px face a 16 px probe, below S = 32: restored and fused, and the answer says so.
        Assert.Equal((16.0, true), (face.GetProperty("faceSidePx").GetDouble(), face.GetProperty("restored").GetBoolean()));

        // Open set with an explicit threshold above every cosine: unknown, but still ranked.
        var strict = await (await server.Client.PostAsync("/v1/identify?threshold=1", TestServer.Form("image", PhotosOf(5)[0]))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(strict.GetProperty("unknown").GetBoolean());
        Assert.Equal(JsonValueKind.Null, strict.GetProperty("identity").ValueKind);

        var verifyForm = TestServer.Form("a", PhotosOf(2)[0]);
        verifyForm.Add(TestServer.Form("b", PhotosOf(2)[1]).First(), "b", "b.jpg");
        var verify = await (await server.Client.PostAsync("/v1/verify?threshold=-1", verifyForm)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.InRange(verify.GetProperty("similarity").GetDouble(), -1.0, 1.0);
        Assert.True(verify.GetProperty("same").GetBoolean()); // every cosine is >= -1
        Assert.All(new[] { "faceA", "faceB" }, f => Assert.Equal(JsonValueKind.Null, verify.GetProperty(f).GetProperty("box").ValueKind));
        Assert.Equal("centred crop", verify.GetProperty("faceB").GetProperty("framing").GetString());
        Assert.All(new[] { "faceA", "faceB" }, f => Assert.False(verify.GetProperty(f).GetProperty("restored").GetBoolean()));

        var restore = await server.Client.PostAsync("/v1/restore?probeSize=8", TestServer.Form("image", PhotosOf(0)[0]));
        Assert.Equal("image/png", restore.Content.Headers.ContentType?.MediaType);
        var png = await restore.Content.ReadAsByteArrayAsync();
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);

        // Bad input: 4xx with a problem body, never an answer.
        await Problem(await server.Client.PostAsync("/v1/identify?top=0", TestServer.Form("image", PhotosOf(0)[0])), HttpStatusCode.BadRequest);
        await Problem(await server.Client.PostAsync("/v1/identify?threshold=2", TestServer.Form("image", PhotosOf(0)[0])), HttpStatusCode.BadRequest);
        await Problem(await server.Client.PostAsync("/v1/identify?probeSize=33", TestServer.Form("image", PhotosOf(0)[0])), HttpStatusCode.BadRequest); // above S = 32, as the CLI refuses it
        var unbound = await server.Client.PostAsync("/v1/identify?probeSize=abc", TestServer.Form("image", PhotosOf(0)[0]));
        Assert.Equal(HttpStatusCode.BadRequest, unbound.StatusCode);
        Assert.Contains("probeSize", await unbound.Content.ReadAsStringAsync());                       // says which value did not bind
        await Problem(await server.Client.PostAsync("/v1/identify?gallery=../etc", TestServer.Form("image", PhotosOf(0)[0])), HttpStatusCode.BadRequest);
        await Problem(await server.Client.PostAsync("/v1/identify", TestServer.Form("other", PhotosOf(0)[0])), HttpStatusCode.BadRequest);
        await Problem(await server.Client.PostAsync("/v1/identify", TestServer.Form("image", [], "empty.jpg")), HttpStatusCode.BadRequest);
        await Problem(await server.Client.PostAsync("/v1/identify", TestServer.Form("image", TestImages.Zip(), "holiday.jpg")), HttpStatusCode.UnsupportedMediaType);
        var truncated = File.ReadAllBytes(PhotosOf(0)[0])[..2000];
        await Problem(await server.Client.PostAsync("/v1/identify", TestServer.Form("image", truncated, "cut.jpg")), HttpStatusCode.BadRequest);
        await Problem(await server.Client.PostAsync("/v1/verify", TestServer.Form("a", PhotosOf(0)[0])), HttpStatusCode.BadRequest);
        var twoAs = TestServer.Form("a", PhotosOf(0)[0], PhotosOf(1)[0]);
        twoAs.Add(TestServer.Form("b", PhotosOf(0)[1]).Single(), "b", "b.jpg");
        await Problem(await server.Client.PostAsync("/v1/verify", twoAs), HttpStatusCode.BadRequest);          // which 'a' was meant is unknown
        await Problem(await server.Client.PostAsync("/v1/identify", TestServer.Form("image", PhotosOf(0)[0], PhotosOf(1)[0])), HttpStatusCode.BadRequest);
        await Problem(await server.PostWithKeyAsync("/v1/galleries/default/identities/x/images", new StringContent("{}")), HttpStatusCode.UnsupportedMediaType);
        await Problem(await server.Client.GetAsync("/v1/galleries/none/identities"), HttpStatusCode.NotFound);
        await Problem(await server.Client.GetAsync("/no/such/route"), HttpStatusCode.NotFound);

        // Delete: the key is required, an unknown identity is 404, the rest is gone from list and search.
        Assert.Equal(HttpStatusCode.NoContent, (await server.DeleteWithKeyAsync($"/v1/galleries/default/identities/{Name(0)}")).StatusCode);
        await Problem(await server.DeleteWithKeyAsync($"/v1/galleries/default/identities/{Name(0)}"), HttpStatusCode.NotFound);
        var after = await (await server.Client.PostAsync("/v1/identify?top=10", TestServer.Form("image", PhotosOf(0)[0]))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.DoesNotContain(Name(0), after.GetProperty("candidates").EnumerateArray().Select(c => c.GetProperty("identity").GetString()));
    }

    [Fact]
    public async Task Unauthenticated_enrol_and_delete_are_401_and_change_nothing()
    {
        using var backend = TestGalleries.Of("sqlite");
        await using var server = await TestServer.StartAsync(backend.CatalogAddress());
        Assert.Equal(HttpStatusCode.Created, (await server.PostWithKeyAsync($"/v1/galleries/g/identities/{Name(0)}/images", TestServer.Form("images", PhotosOf(0)))).StatusCode);
        foreach (var key in new string?[] { null, "", "wrong", TestServer.ApiKey + "x" })
        {
            var delete = await server.DeleteWithKeyAsync($"/v1/galleries/g/identities/{Name(0)}", key);
            await Problem(delete, HttpStatusCode.Unauthorized);
            Assert.Contains("ApiKey", delete.Headers.WwwAuthenticate.ToString());
            await Problem(await server.PostWithKeyAsync($"/v1/galleries/g/identities/{Name(1)}/images", TestServer.Form("images", PhotosOf(1)), key), HttpStatusCode.Unauthorized);
        }
        var list = await server.Client.GetFromJsonAsync<JsonElement>("/v1/galleries/g/identities");
        var identities = list.GetProperty("identities").EnumerateArray().ToArray();
        Assert.Equal([Name(0)], identities.Select(i => i.GetProperty("identity").GetString()));
        Assert.Equal(2, identities[0].GetProperty("images").GetInt32());
    }

    [Fact]
    public async Task Oversize_uploads_and_too_many_pixels_are_413_before_decoding()
    {
        using var backend = TestGalleries.Of("sqlite");
        await using var server = await TestServer.StartAsync(backend.CatalogAddress(), o => o with { MaxUploadBytes = 256 * 1024, MaxPixels = 1_000_000 });
        var big = new byte[400 * 1024];
        File.ReadAllBytes(PhotosOf(0)[0]).CopyTo(big, 0);
        await Problem(await server.Client.PostAsync("/v1/identify", TestServer.Form("image", big, "big.jpg")), HttpStatusCode.RequestEntityTooLarge);
        await Problem(await server.Client.PostAsync("/v1/identify", TestServer.Form("image", TestImages.BlackPng(2000, 1000), "wide.png")), HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.PostAsync("/v1/identify", TestServer.Form("image", PhotosOf(0)[0]))).StatusCode); // a normal photo still passes the caps
    }

    [Fact]
    public async Task A_full_inference_queue_is_503_with_retry_after_and_the_server_recovers()
    {
        using var backend = TestGalleries.Of("sqlite");
        await using var server = await TestServer.StartAsync(backend.CatalogAddress(), o => o with { QueueCapacity = 1 });
        var worker = server.App.Services.GetRequiredService<InferenceWorker>();
        using var release = new ManualResetEventSlim();
        var running = new ManualResetEventSlim();
        var blocker = worker.RunAsync(_ => { running.Set(); release.Wait(); return 0; }, CancellationToken.None); // occupies the worker
        Assert.True(running.Wait(TimeSpan.FromSeconds(30)));
        var waiting = worker.RunAsync(_ => 0, CancellationToken.None);                                          // fills the queue
        var busy = await server.Client.PostAsync("/v1/restore", TestServer.Form("image", PhotosOf(0)[0]));
        await Problem(busy, HttpStatusCode.ServiceUnavailable);
        Assert.Equal("1", busy.Headers.GetValues("Retry-After").Single());
        release.Set();
        await Task.WhenAll(blocker, waiting);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.PostAsync("/v1/restore", TestServer.Form("image", PhotosOf(0)[0]))).StatusCode);
    }

    [Fact]
    public async Task The_openapi_document_lists_every_endpoint()
    {
        using var backend = TestGalleries.Of("sqlite");
        await using var server = await TestServer.StartAsync(backend.CatalogAddress());
        var document = await server.Client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = document.GetProperty("paths");
        foreach (var (path, method) in new[]
                 {
                     ("/v1/verify", "post"), ("/v1/identify", "post"), ("/v1/restore", "post"), ("/healthz", "get"),
                     ("/v1/galleries/{g}/identities/{id}/images", "post"), ("/v1/galleries/{g}/identities/{id}", "delete"),
                     ("/v1/galleries/{g}/identities", "get"),
                 })
            Assert.True(paths.GetProperty(path).TryGetProperty(method, out _), $"{method.ToUpperInvariant()} {path} missing from the OpenAPI document");
        Assert.True(paths.GetProperty("/v1/identify").GetProperty("post").TryGetProperty("requestBody", out _));
        // The face each answer used: verify's faceA/faceB and identify's face share one schema with the box and landmarks.
        var schemas = document.GetProperty("components").GetProperty("schemas");
        foreach (var (response, fields) in new[] { ("VerifyResponse", new[] { "faceA", "faceB" }), ("IdentifyResponse", ["face"]) })
            foreach (var field in fields)
                Assert.True(schemas.GetProperty(response).GetProperty("properties").TryGetProperty(field, out _), $"{response}.{field} missing");
        var usedFace = schemas.GetProperty("UsedFace").GetProperty("properties");
        foreach (var field in new[] { "facesFound", "framing", "note", "box", "detector", "score", "landmarks", "fallback", "faceSidePx", "restored" })
            Assert.True(usedFace.TryGetProperty(field, out _), $"UsedFace.{field} missing from the OpenAPI document");
        Assert.Contains("No face found", paths.GetProperty("/v1/verify").GetProperty("post").GetProperty("description").GetString());
    }
}
