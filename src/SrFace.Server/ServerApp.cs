using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SrFace.Server.Endpoints;
using SrFace.Server.Galleries;
using SrFace.Server.Inference;
using SrFace.Server.Security;

namespace SrFace.Server;

/// <summary>
/// The SrFace HTTP service: a minimal API (see the OpenAPI document at <c>/openapi/v1.json</c>) and a web page at
/// <c>/</c>. One inference worker owns the models; galleries come from <see cref="ServerOptions.Gallery"/>.
/// </summary>
public static class ServerApp
{
    /// <summary>The line printed when the server listens, followed by its address(es).</summary>
    public const string ListeningBanner = "SrFace server listening on ";

    /// <summary>Builds the application: loads the model, opens the gallery store, resolves the API key, maps the endpoints.</summary>
    /// <param name="options">The settings.</param>
    /// <returns>The application, not yet started (the caller runs and disposes it).</returns>
    /// <exception cref="ArgumentException">When an option is invalid.</exception>
    /// <exception cref="IOException">When the model or the gallery store cannot be read.</exception>
    public static WebApplication Build(ServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls(options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = options.MaxUploadBytes);
        builder.Services.Configure<FormOptions>(f =>
        {
            f.MultipartBodyLengthLimit = options.MaxUploadBytes;
            f.ValueCountLimit = 64;
        });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // A start that fails (address in use, a bad --urls) is said in one line by RunAsync, not as a logged stack trace.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.Critical);
        builder.Services.AddProblemDetails();
        // A query value that does not bind (?probeSize=abc) throws, so that it becomes a problem that says which one.
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddOpenApi(o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "SrFace";
            document.Info.Description = "Face recognition for low-quality images: verify, identify (top-k, open set), enrol, restore. Enrolment and deletion need the X-API-Key header.";
            return Task.CompletedTask;
        }));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<InferenceWorker>();
        builder.Services.AddSingleton<GalleryService>();
        builder.Services.AddSingleton<ApiKeyGuard>();

        var app = builder.Build();
        // Load the model, open the store and resolve the key now, so that a bad option fails before listening.
        var worker = app.Services.GetRequiredService<InferenceWorker>();
        var galleries = app.Services.GetRequiredService<GalleryService>();
        var guard = app.Services.GetRequiredService<ApiKeyGuard>();

        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (BadHttpRequestException e) when (!context.Response.HasStarted)
            {
                // e.g. 'Failed to bind parameter "int? probeSize" from "abc".': a 4xx that names the parameter, not a bare status.
                await Endpoints.Problems.Problem(e.StatusCode, "Invalid request", e.Message).ExecuteAsync(context);
            }
        });
        app.MapOpenApi();
        app.MapGet("/healthz", () => new HealthResponse("ok", worker.ModelId, worker.EmbeddingDimension, worker.Threshold, worker.QueueLength, worker.Capacity, galleries.Location))
            .WithSummary("Liveness, model and queue state").Produces<HealthResponse>();
        var v1 = app.MapGroup("/v1");
        RecognitionEndpoints.Map(v1);
        GalleryEndpoints.Map(v1, guard);
        WebPageEndpoints.Map(app);

        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            Console.WriteLine($"{ListeningBanner}{string.Join(" ", addresses)}");
            Console.WriteLine($"model {worker.ModelId} ({worker.EmbeddingDimension}-d), threshold {(worker.Threshold?.ToString("F4", CultureInfo.InvariantCulture) ?? "none (closed-set identification)")}; galleries in {galleries.Location}; API key from {guard.Source}");
            Console.Out.Flush();
        });
        return app;
    }

    /// <summary>The addresses a started application listens on (e.g. with port 0 resolved).</summary>
    /// <param name="app">A started application.</param>
    public static IReadOnlyList<string> Addresses(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];

    /// <summary>
    /// Runs the server from command-line arguments (<c>--model M --models DIR --gallery G --urls U --api-key-file F --max-upload-mb N
    /// --max-megapixels N --queue N --crop-fraction F --threshold T --runtime torch|onnx</c>) until stopped.
    /// </summary>
    /// <param name="args">The arguments.</param>
    /// <returns>0 after a clean stop, 2 for a bad option, 1 when the model or store cannot be opened.</returns>
    public static async Task<int> RunAsync(string[] args)
    {
        ServerOptions options;
        try
        {
            options = FromConfiguration(new ConfigurationBuilder().AddEnvironmentVariables("SRFACE_SERVER_").AddCommandLine(args).Build());
            options.Validate();
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return 2;
        }
        return await RunAsync(options);
    }

    /// <summary>Builds and runs the server until it is stopped (Ctrl+C, SIGTERM).</summary>
    /// <param name="options">The settings.</param>
    /// <returns>0 after a clean stop, 1 when the model or store cannot be opened.</returns>
    public static async Task<int> RunAsync(ServerOptions options)
    {
        WebApplication app;
        try
        {
            app = Build(options);
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidOperationException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return 1;
        }
        await using (app)
        {
            try
            {
                await app.RunAsync();
            }
            catch (Exception e) when (e is IOException or FormatException or InvalidOperationException or UriFormatException)
            {
                // Kestrel could not listen: the address is taken, not an address, or not allowed.
                await Console.Error.WriteLineAsync($"error: cannot listen on {options.Urls}: {e.Message}");
                return 1;
            }
        }
        return 0;
    }

    private static ServerOptions FromConfiguration(IConfiguration c)
    {
        static double? Double(string? s) => s is null ? null : double.Parse(s, CultureInfo.InvariantCulture);
        static long? Long(string? s) => s is null ? null : long.Parse(s, CultureInfo.InvariantCulture);
        var defaults = new ServerOptions { Model = "" };
        return new ServerOptions
        {
            Model = c["model"] ?? throw new ArgumentException("--model FILE is required (a .srface cascade file)."),
            Models = c["models"],
            Gallery = c["gallery"] ?? defaults.Gallery,
            Urls = c["urls"] ?? defaults.Urls,
            ApiKeyFile = c["api-key-file"],
            MaxUploadBytes = Long(c["max-upload-mb"]) is { } mb ? mb * 1024 * 1024 : defaults.MaxUploadBytes,
            MaxPixels = Double(c["max-megapixels"]) is { } mp ? (long)(mp * 1_000_000) : defaults.MaxPixels,
            QueueCapacity = (int?)Long(c["queue"]) ?? defaults.QueueCapacity,
            CropFraction = Double(c["crop-fraction"]),
            Threshold = Double(c["threshold"]),
            Runtime = c["runtime"] ?? defaults.Runtime,
        };
    }
}
