using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SrFace.Tests.Recognition;
using SrFace.Tests.Recognition.Galleries;

namespace SrFace.Tests.Server;

/// <summary>Issue 11's reliability cases, against SQLite and PostgreSQL galleries.</summary>
[Collection(TorchCollection.Name)]
public class ServerReliabilityTests
{
    private static string[] Photos => TinyCascade.People.Samples.Select(s => s.Path).ToArray();

    private static HttpRequestMessage Enrolment(string baseAddress, string gallery, string identity, string photo)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"{baseAddress}/v1/galleries/{gallery}/identities/{identity}/images")
        {
            Content = TestServer.Form("images", photo),
        };
        request.Headers.Add("X-API-Key", TestServer.ApiKey);
        return request;
    }

    private static async Task<Dictionary<string, int>> ListAsync(HttpClient client, string baseAddress, string gallery)
    {
        var list = await client.GetFromJsonAsync<JsonElement>($"{baseAddress}/v1/galleries/{gallery}/identities");
        return list.GetProperty("identities").EnumerateArray().ToDictionary(i => i.GetProperty("identity").GetString()!, i => i.GetProperty("images").GetInt32());
    }

    [SkippableTheory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Eight_clients_enrolling_and_identifying_at_once_lose_no_committed_identity(string backend)
    {
        using var b = TestGalleries.Of(backend);
        await using var server = await TestServer.StartAsync(b.CatalogAddress());
        var gallery = b.CatalogGalleryName("crowd");
        var photos = Photos;
        var acknowledged = new ConcurrentDictionary<string, int>();
        var identifyStatuses = new ConcurrentBag<HttpStatusCode>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 8), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (client, ct) =>
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
            for (var round = 0; round < 3; round++)
            {
                var identity = $"c{client}-r{round}";
                var enrol = await http.SendAsync(Enrolment(server.BaseAddress, gallery, identity, photos[(client * 3 + round) % photos.Length]), ct);
                if (enrol.StatusCode == HttpStatusCode.Created) acknowledged[identity] = 1;
                else Assert.Equal(HttpStatusCode.ServiceUnavailable, enrol.StatusCode); // the only refusal allowed under load
                // Every client also adds to one shared identity.
                var shared = await http.SendAsync(Enrolment(server.BaseAddress, gallery, "shared", photos[client % photos.Length]), ct);
                if (shared.StatusCode == HttpStatusCode.Created) acknowledged.AddOrUpdate("shared", 1, (_, n) => n + 1);
                var identify = await http.PostAsync($"{server.BaseAddress}/v1/identify?gallery={gallery}", TestServer.Form("image", photos[client % photos.Length]), ct);
                identifyStatuses.Add(identify.StatusCode);
            }
        });
        Assert.All(identifyStatuses, s => Assert.True(s is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable or HttpStatusCode.NotFound, $"identify answered {s}"));
        Assert.True(acknowledged.Count > 8, "too few enrolments were acknowledged to test anything");
        var stored = await ListAsync(server.Client, server.BaseAddress, gallery);
        foreach (var (identity, images) in acknowledged) Assert.Equal(images, stored.GetValueOrDefault(identity));
        Assert.Equal(acknowledged.Count, stored.Count);
    }

    [SkippableTheory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_server_killed_with_sigkill_mid_enrolment_restarts_with_every_acknowledged_enrolment(string backend)
    {
        using var b = TestGalleries.Of(backend);
        var galleries = b.CatalogAddress();
        var gallery = b.CatalogGalleryName("killed");
        var photos = Photos;
        var acknowledged = new ConcurrentDictionary<string, bool>();
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        using (var server = ServerProcess.Start(galleries))
        {
            using var stop = new CancellationTokenSource();
            var clients = Enumerable.Range(0, 4).Select(client => Task.Run(async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    var identity = $"k{client}-{i}";
                    try
                    {
                        var response = await http.SendAsync(Enrolment(server.BaseAddress, gallery, identity, photos[(client + i) % photos.Length]));
                        if (response.StatusCode == HttpStatusCode.Created) acknowledged[identity] = true;
                    }
                    catch (HttpRequestException)
                    {
                        return; // the server is gone
                    }
                }
            })).ToArray();
            // Kill while enrolments are in flight, once a good number have been acknowledged.
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (acknowledged.Count < 12 && DateTime.UtcNow < deadline) await Task.Delay(20);
            server.KillHard();
            stop.Cancel();
            await Task.WhenAll(clients);
        }
        Assert.True(acknowledged.Count >= 12, $"only {acknowledged.Count} enrolments were acknowledged before the kill");

        using var restarted = ServerProcess.Start(galleries);
        var stored = await ListAsync(http, restarted.BaseAddress, gallery);
        var lost = acknowledged.Keys.Where(k => !stored.ContainsKey(k)).ToList();
        Assert.True(lost.Count == 0, $"acknowledged but lost after SIGKILL: {string.Join(", ", lost)}");
        Assert.All(acknowledged.Keys, k => Assert.Equal(1, stored[k]));
        // The restarted server works: it enrols and answers.
        Assert.Equal(HttpStatusCode.Created, (await http.SendAsync(Enrolment(restarted.BaseAddress, gallery, "after", photos[0]))).StatusCode);
    }

    [Fact]
    public async Task A_server_on_an_unreachable_database_does_not_start_and_a_damaged_gallery_is_a_problem_not_a_crash()
    {
        // Port 1 on loopback: nothing listens there. The server must not start and call itself healthy.
        var e = await Assert.ThrowsAsync<SrFace.Recognition.GalleryFormatException>(() => TestServer.StartAsync("postgres://srface:secret@127.0.0.1:1/none"));
        Assert.Contains("127.0.0.1:1", e.Message);                   // "Gallery 'postgres://srface@127.0.0.1:1/none' cannot be reached or prepared: ..."
        Assert.True(e.Message.Contains("cannot be reached"), e.Message);
        Assert.DoesNotContain("secret", e.Message);

        var folder = TestData.NewTempDir();
        await File.WriteAllTextAsync(Path.Combine(folder, "broken.db"), "not an SQLite file");
        await using var server = await TestServer.StartAsync($"sqlite:{folder}");
        var answer = await server.Client.GetAsync("/v1/galleries/broken/identities");
        var body = await answer.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.InternalServerError, answer.StatusCode);
        Assert.Contains("Gallery unreadable", body);
        Assert.Contains("broken.db", body);
    }

    [Fact]
    public async Task A_50_megapixel_png_and_a_zip_named_jpg_are_refused_without_memory_blow_up()
    {
        using var b = TestGalleries.Of("sqlite");
        using var server = ServerProcess.Start(b.CatalogAddress());
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        // Warm up with a normal enrolment and identification, then take the peak resident memory.
        Assert.Equal(HttpStatusCode.Created, (await http.SendAsync(Enrolment(server.BaseAddress, "mem", "someone", Photos[0]))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync($"{server.BaseAddress}/v1/identify?gallery=mem", TestServer.Form("image", Photos[1]))).StatusCode);
        var before = server.PeakResidentBytes();

        var huge = TestImages.BlackPng(8000, 6250); // 50 megapixels: 200 MB as RGBA, 600 MB as float32 RGB
        Assert.True(huge.Length < 1_000_000);
        foreach (var endpoint in new[] { "/v1/identify?gallery=mem", "/v1/restore" })
        {
            var response = await http.PostAsync(server.BaseAddress + endpoint, TestServer.Form("image", huge, "huge.png"));
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            Assert.Contains("50000000 pixels", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        }
        var enrolHuge = new HttpRequestMessage(HttpMethod.Post, $"{server.BaseAddress}/v1/galleries/mem/identities/huge/images") { Content = TestServer.Form("images", huge, "huge.png") };
        enrolHuge.Headers.Add("X-API-Key", TestServer.ApiKey);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await http.SendAsync(enrolHuge)).StatusCode);
        var zip = await http.PostAsync($"{server.BaseAddress}/v1/identify?gallery=mem", TestServer.Form("image", TestImages.Zip(), "photo.jpg"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, zip.StatusCode);

        var growth = server.PeakResidentBytes() - before;
        Assert.True(growth < 64L * 1024 * 1024, $"peak resident memory grew by {growth / (1024 * 1024)} MB while refusing the uploads");
        var list = await http.GetFromJsonAsync<JsonElement>($"{server.BaseAddress}/v1/galleries/mem/identities");
        Assert.Equal(["someone"], list.GetProperty("identities").EnumerateArray().Select(i => i.GetProperty("identity").GetString()));
    }
}
