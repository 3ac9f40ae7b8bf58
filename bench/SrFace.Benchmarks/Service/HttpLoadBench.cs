using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Spectre.Console;
using SrFace.Server;

namespace SrFace.Benchmarks.Service;

/// <summary>
/// <c>http --model M [--clients 1,4,16] [--seconds 10] [--probe-size 16] [--data LFW_IMAGES_DIR]</c>: requests/s and
/// p50/p99 latency of <c>POST /v1/identify</c> on loopback with a closed-loop .NET client (each client sends its next
/// request when the previous one answered), against a server started in this process with an SQLite gallery of 20
/// LFW people enrolled through the API.
/// </summary>
internal static class HttpLoadBench
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        var a = new ServiceArguments(args);
        var model = a.Get("model") ?? throw new ArgumentException("--model FILE (a .srface cascade) is required.");
        var clients = a.Ints("clients", [1, 4, 16]);
        var seconds = a.Int("seconds", 10);
        var probeSize = a.Get("probe-size") ?? "16";
        var lfw = a.Get("data") ?? Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../../shared/datasets/lfw/lfw-deepfunneled"));
        var people = Directory.GetDirectories(lfw).Where(d => Directory.GetFiles(d).Length >= 4).Order(StringComparer.Ordinal).Take(20).ToArray();
        if (people.Length == 0) throw new ArgumentException($"No LFW people with 4 images under {lfw}; pass --data LFW_IMAGES_DIR.");
        var folder = Directory.CreateTempSubdirectory("srface-http-bench-").FullName;
        var keyFile = Path.Combine(folder, "key");
        await File.WriteAllTextAsync(keyFile, "bench-key\n");
        await using var app = ServerApp.Build(new ServerOptions { Model = model, Gallery = "sqlite:" + Path.Combine(folder, "galleries"), Urls = "http://127.0.0.1:0", ApiKeyFile = keyFile, QueueCapacity = 64 });
        await app.StartAsync();
        var baseAddress = ServerApp.Addresses(app).Single();
        using var http = new HttpClient { BaseAddress = new Uri(baseAddress), Timeout = TimeSpan.FromMinutes(1) };
        foreach (var person in people)
        {
            var form = new MultipartFormDataContent();
            foreach (var photo in Directory.GetFiles(person).Order(StringComparer.Ordinal).Take(2)) form.Add(new ByteArrayContent(await File.ReadAllBytesAsync(photo)), "images", Path.GetFileName(photo));
            var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/galleries/default/identities/{Path.GetFileName(person)}/images") { Content = form };
            request.Headers.Add("X-API-Key", "bench-key");
            (await http.SendAsync(request)).EnsureSuccessStatusCode();
        }
        var probes = people.Select(p => File.ReadAllBytes(Directory.GetFiles(p).Order(StringComparer.Ordinal).ElementAt(2))).ToArray();
        var table = new Table().Title($"POST /v1/identify?probeSize={probeSize} on loopback, {seconds} s per row, 20 identities, closed-loop clients")
            .AddColumns("clients", "requests", "requests/s", "p50 ms", "p99 ms", "503 busy", "422 no face", "other errors");
        foreach (var count in clients)
        {
            var latencies = new List<double>();
            int busy = 0, noFace = 0, errors = 0;
            var stopAt = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, count).Select(c => Task.Run(async () =>
            {
                for (var i = c; Stopwatch.GetTimestamp() < stopAt; i++)
                {
                    var form = new MultipartFormDataContent();
                    var content = new ByteArrayContent(probes[i % probes.Length]);
                    content.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
                    form.Add(content, "image", "probe.jpg");
                    var sent = Stopwatch.StartNew();
                    using var response = await http.PostAsync($"/v1/identify?probeSize={probeSize}", form);
                    await response.Content.ReadAsByteArrayAsync();
                    var ms = sent.Elapsed.TotalMilliseconds;
                    lock (latencies)
                    {
                        if (response.IsSuccessStatusCode) latencies.Add(ms);
                        else if (response.StatusCode == HttpStatusCode.ServiceUnavailable) busy++;
                        else if (response.StatusCode == HttpStatusCode.UnprocessableEntity) noFace++; // the detector found no face: an answer, not a failure
                        else errors++;
                    }
                }
            })));
            var elapsed = clock.Elapsed.TotalSeconds;
            latencies.Sort();
            table.AddRow($"{count}", $"{latencies.Count}", $"{latencies.Count / elapsed:F1}", $"{ServiceArguments.Percentile(latencies, 0.5):F1}",
                $"{ServiceArguments.Percentile(latencies, 0.99):F1}", $"{busy}", $"{noFace}", $"{errors}");
        }
        AnsiConsole.Write(table);
        await app.StopAsync();
        return 0;
    }
}
