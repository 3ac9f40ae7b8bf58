using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using SkiaSharp;
using SrFace.Cascade;
using SrFace.Cli.Reporting;
using SrFace.Recognition;
using SrFace.Tests.Cli;
using SrFace.Tests.Models.Pretrained;
using SrFace.Tests.Recognition.Galleries;

namespace SrFace.Tests.Server;

/// <summary>
/// The face each image's answer used, over HTTP, with the pretrained dlib-resnet (detected and aligned): box and
/// landmarks in pixels of the upright image, faces found, the same JSON as <c>srface verify --json</c>; an upload
/// without a face is a 422 problem, never a similarity. Photos are LFW files or made in temporary folders
/// (<see cref="FacePhotos"/>), never in the repository.
/// </summary>
[Collection(TorchCollection.Name)]
public class ServerFaceTests
{
    private static readonly string[] Detectors = ["tiny", "ssd", "tiny-large"];

    [Fact]
    public async Task With_the_pretrained_dlib_resnet_verify_and_identify_report_the_face_box_and_68_landmarks_and_no_face_is_422()
    {
        var store = PretrainedStore.Open();
        var dir = TestData.NewTempDir();
        var (a, b) = (FacePhotos.Lfw("George_W_Bush", 2), FacePhotos.Lfw("George_W_Bush", 10));
        // The server serves .srface files: the pretrained model saved as one. What the CLI would print for a, to compare.
        var model = Path.Combine(dir, "dlib-resnet.srface");
        var tilted = FacePhotos.SmallTiltedFaceExif6(dir, a, faceWidth: 50, degrees: 15, new SKPoint(900, 260));
        JsonObject cliA;
        float[] tiltedChip; // the aligned face the preparation stage makes of the tilted photo, [3, s, s] in [0, 1]
        int tiltedSide;
        using (var cascade = FaceRecognitionCascade.FromPretrained("dlib-resnet", store))
        {
            cascade.Save(model);
            var embedder = new FaceEmbedder(cascade);
            cliA = FaceReport.ImageAndFace(a, embedder.EmbedFaces([a])[0], embedder.Preprocessing.Alignment);
            using var scope = TorchSharp.torch.NewDisposeScope();
            var chip = embedder.PrepareImageFace(new SrFace.Imaging.FaceImageReader().Read(tilted), tilted).Chip;
            (tiltedChip, tiltedSide) = (chip.contiguous().data<float>().ToArray(), (int)chip.shape[1]);
        }
        using var backend = TestGalleries.Of("sqlite");
        await using var server = await TestServer.StartAsync(backend.CatalogAddress(), o => o with { Model = model, Models = store.Root });

        // Verify two LFW photos of one person: each face's box lies in the image, with dlib's 68 landmarks.
        var response = await server.Client.PostAsync("/v1/verify", Files(("a", a), ("b", b)));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var verify = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(verify.GetProperty("same").GetBoolean(), verify.ToString()); // the calibrated threshold
        foreach (var (name, path) in new[] { ("faceA", a), ("faceB", b) })
        {
            var face = verify.GetProperty(name);
            Assert.Equal("aligned", face.GetProperty("framing").GetString());
            Assert.Equal(1, face.GetProperty("facesFound").GetInt32());
            AssertFaceInImage(face, path, landmarks: 68);
        }
        // The same fields and values as `srface verify --json` gives for the image (one shaping, UsedFace).
        cliA.Remove("file");
        Assert.True(JsonNode.DeepEquals(cliA, JsonNode.Parse(verify.GetProperty("faceA").GetRawText())),
            $"server {verify.GetProperty("faceA")} != CLI {cliA.ToJsonString()}");

        // Identify a small tilted face in an EXIF-rotated photo: the box is in pixels of the upright photo.
        foreach (var (person, n) in new[] { ("George_W_Bush", 10), ("George_W_Bush", 11), ("Colin_Powell", 1), ("Colin_Powell", 2) })
        {
            var enrolled = await server.PostWithKeyAsync($"/v1/galleries/default/identities/{person}/images", Files(("images", FacePhotos.Lfw(person, n))));
            Assert.Equal(HttpStatusCode.Created, enrolled.StatusCode);
            // The enrolment says which face of each image it used: its box and landmarks, as verify and identify do.
            var used = (await enrolled.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("faces").EnumerateArray().Single();
            Assert.Equal($"upload:{person}_{n:0000}.jpg", used.GetProperty("image").GetString());
            AssertFaceInImage(used.GetProperty("face"), FacePhotos.Lfw(person, n), landmarks: 68);
        }
        var identify = await (await server.Client.PostAsync("/v1/identify?top=2&images=true", Files(("image", tilted)))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("George_W_Bush", identify.GetProperty("candidates")[0].GetProperty("identity").GetString());
        var probe = identify.GetProperty("face");
        Assert.Equal(("aligned", 1), (probe.GetProperty("framing").GetString(), probe.GetProperty("facesFound").GetInt32()));
        AssertFaceInImage(probe, tilted, landmarks: 68);
        var box = probe.GetProperty("box");
        Assert.InRange(box.GetProperty("x").GetDouble() + box.GetProperty("width").GetDouble() / 2, 870, 930);  // pasted centred at (900, 260) of 1280x720
        Assert.InRange(box.GetProperty("y").GetDouble() + box.GetProperty("height").GetDouble() / 2, 230, 290);
        // The pretrained recogniser has no SR model: the small face is embedded by the recogniser alone, and the page
        // shows the aligned face the preparation stage produced (not a centred crop of the photo), with no restoration.
        Assert.False(probe.GetProperty("restored").GetBoolean());
        Assert.InRange(probe.GetProperty("faceSidePx").GetDouble(), 30, 80);
        var images = identify.GetProperty("images");
        Assert.Equal((JsonValueKind.Null, JsonValueKind.Null), (images.GetProperty("probe").ValueKind, images.GetProperty("restored").ValueKind));
        using (var shown = SKBitmap.Decode(Convert.FromBase64String(images.GetProperty("crop").GetString()!["data:image/png;base64,".Length..])))
        {
            Assert.Equal((tiltedSide, tiltedSide), (shown.Width, shown.Height));
            var plane = tiltedSide * tiltedSide;
            var error = Enumerable.Range(0, plane).Average(i =>
            {
                var c = shown.GetPixel(i % tiltedSide, i / tiltedSide);
                return (Math.Abs(c.Red / 255.0 - tiltedChip[i]) + Math.Abs(c.Green / 255.0 - tiltedChip[plane + i]) + Math.Abs(c.Blue / 255.0 - tiltedChip[2 * plane + i])) / 3;
            });
            Assert.True(error < 1.0 / 255, $"the face shown differs from the aligned face by {error * 255:0.00} grey levels on average");
        }

        // Two faces: the largest (left) one is used, and the answer says so.
        var two = FacePhotos.TwoFaces(dir, FacePhotos.Lfw("Colin_Powell", 3), FacePhotos.Lfw("George_W_Bush", 12));
        var several = (await (await server.Client.PostAsync("/v1/identify", Files(("image", two)))).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("face");
        Assert.Equal((2, "2 faces found, using the largest"), (several.GetProperty("facesFound").GetInt32(), several.GetProperty("note").GetString()));
        AssertFaceInImage(several, two, landmarks: 68);
        Assert.True(several.GetProperty("box").GetProperty("x").GetDouble() + several.GetProperty("box").GetProperty("width").GetDouble() / 2 < 400);

        // No face: a 422 problem naming the upload, never a similarity or a ranking; nothing is enrolled.
        var blank = FacePhotos.Blank(dir);
        foreach (var (url, form) in new[] { ("/v1/verify", Files(("a", a), ("b", blank))), ("/v1/identify", Files(("image", blank))) })
        {
            var problem = await NoFaceProblem(await server.Client.PostAsync(url, form));
            Assert.False(problem.TryGetProperty("similarity", out _));
            Assert.False(problem.TryGetProperty("candidates", out _));
        }
        await NoFaceProblem(await server.PostWithKeyAsync("/v1/galleries/default/identities/Nobody/images", Files(("images", blank))));
        var identities = await server.Client.GetFromJsonAsync<JsonElement>("/v1/galleries/default/identities");
        Assert.DoesNotContain("Nobody", identities.GetProperty("identities").EnumerateArray().Select(i => i.GetProperty("identity").GetString()));
    }

    /// <summary>A server whose models compute in bfloat16 (<c>srface serve --bf16</c>) gives the calibrated decisions;
    /// bfloat16 with the ONNX runtime is refused before it starts.</summary>
    [Fact]
    public async Task A_bfloat16_server_verifies_one_person_as_same_and_two_people_as_different()
    {
        using var backend = TestGalleries.Of("sqlite");
        await using var server = await TestServer.StartAsync(backend.CatalogAddress(), o => o with { Model = "dlib-resnet", Models = PretrainedStore.Open().Root, BFloat16 = true });
        foreach (var (b, same) in new[] { (FacePhotos.Lfw("George_W_Bush", 10), true), (FacePhotos.Lfw("Tony_Blair", 1), false) })
        {
            var response = await server.Client.PostAsync("/v1/verify", Files(("a", FacePhotos.Lfw("George_W_Bush", 2)), ("b", b)));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var verify = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(same, verify.GetProperty("same").GetBoolean());
        }
        var onnx = new SrFace.Server.ServerOptions { Model = "m.onnx", Gallery = "g", Runtime = "onnx", BFloat16 = true };
        Assert.Contains("bfloat16 applies to the torch runtime", Assert.Throws<ArgumentException>(onnx.Validate).Message);
    }

    /// <summary>A multipart form of (field, file) pairs.</summary>
    private static MultipartFormDataContent Files(params (string Field, string Path)[] files)
    {
        var form = new MultipartFormDataContent();
        foreach (var (field, path) in files) form.Add(TestServer.Form(field, path).Single(), field, Path.GetFileName(path));
        return form;
    }

    /// <summary>Asserts the face's box and landmarks lie in the upright image (EXIF orientation applied) and its detector is named.</summary>
    private static void AssertFaceInImage(JsonElement face, string path, int landmarks)
    {
        var (width, height) = UprightSize(path);
        var box = face.GetProperty("box");
        var (x, y, w, h) = (box.GetProperty("x").GetDouble(), box.GetProperty("y").GetDouble(), box.GetProperty("width").GetDouble(), box.GetProperty("height").GetDouble());
        Assert.True(x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= width && y + h <= height, $"box {box} outside the {width}x{height} image {Path.GetFileName(path)}");
        var points = face.GetProperty("landmarks").EnumerateArray().ToArray();
        Assert.Equal(landmarks, points.Length);
        Assert.All(points, p =>
        {
            Assert.Equal(2, p.GetArrayLength());
            Assert.InRange(p[0].GetDouble(), 0, width);
            Assert.InRange(p[1].GetDouble(), 0, height);
        });
        Assert.Contains(face.GetProperty("detector").GetString(), Detectors);
        Assert.InRange(face.GetProperty("score").GetDouble(), 0.0, 1.0);
        Assert.False(face.TryGetProperty("fallback", out _));
    }

    /// <summary>Width and height of the image as displayed: swapped for EXIF orientations 5-8.</summary>
    private static (int Width, int Height) UprightSize(string path)
    {
        using var codec = SKCodec.Create(path) ?? throw new InvalidDataException($"Cannot decode {path}.");
        var turned = codec.EncodedOrigin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        return turned ? (codec.Info.Height, codec.Info.Width) : (codec.Info.Width, codec.Info.Height);
    }

    private static async Task<JsonElement> NoFaceProblem(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("No face found", body.GetProperty("title").GetString());
        Assert.Contains("no face found in upload:blank.jpg", body.GetProperty("detail").GetString());
        return body;
    }
}
