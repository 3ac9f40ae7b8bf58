using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using SrFace.Server;
using SrFace.Tests.Recognition;

namespace SrFace.Tests.Server;

/// <summary>The real server (Kestrel on a free loopback port) in this process, with the tiny test cascade.</summary>
internal sealed class TestServer : IAsyncDisposable
{
    /// <summary>The API key the test servers use.</summary>
    public const string ApiKey = "test-key-0123456789";

    private TestServer(WebApplication app, string baseAddress)
    {
        App = app;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = new Uri(baseAddress), Timeout = TimeSpan.FromMinutes(2) };
    }

    /// <summary>The running application.</summary>
    public WebApplication App { get; }

    /// <summary>E.g. http://127.0.0.1:41234.</summary>
    public string BaseAddress { get; }

    /// <summary>A client without the API key.</summary>
    public HttpClient Client { get; }

    /// <summary>Starts a server on <paramref name="galleries"/> (a catalogue address).</summary>
    public static async Task<TestServer> StartAsync(string galleries, Func<ServerOptions, ServerOptions>? configure = null)
    {
        var keyFile = Path.Combine(TestData.NewTempDir(), "api-key");
        await System.IO.File.WriteAllTextAsync(keyFile, ApiKey + "\n");
        var options = new ServerOptions { Model = TinyCascade.ModelPath, Gallery = galleries, Urls = "http://127.0.0.1:0", ApiKeyFile = keyFile };
        var app = ServerApp.Build(configure?.Invoke(options) ?? options);
        await app.StartAsync();
        return new TestServer(app, ServerApp.Addresses(app).Single());
    }

    /// <summary>A multipart form with files under one field name.</summary>
    public static MultipartFormDataContent Form(string field, params string[] paths)
    {
        var form = new MultipartFormDataContent();
        foreach (var path in paths) form.Add(FileContent(path), field, Path.GetFileName(path));
        return form;
    }

    /// <summary>A multipart form with raw bytes under one field name.</summary>
    public static MultipartFormDataContent Form(string field, byte[] bytes, string fileName)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return new MultipartFormDataContent { { content, field, fileName } };
    }

    /// <summary>POST with the API key (or another key).</summary>
    public Task<HttpResponseMessage> PostWithKeyAsync(string url, HttpContent content, string? key = ApiKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        if (key is not null) request.Headers.Add("X-API-Key", key);
        return Client.SendAsync(request);
    }

    /// <summary>DELETE with the API key (or another key, or none).</summary>
    public Task<HttpResponseMessage> DeleteWithKeyAsync(string url, string? key = ApiKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Delete, url);
        if (key is not null) request.Headers.Add("X-API-Key", key);
        return Client.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }

    private static ByteArrayContent FileContent(string path)
    {
        var content = new ByteArrayContent(System.IO.File.ReadAllBytes(path));
        content.Headers.ContentType = new MediaTypeHeaderValue(path.EndsWith(".png", StringComparison.OrdinalIgnoreCase) ? "image/png" : "image/jpeg");
        return content;
    }
}
