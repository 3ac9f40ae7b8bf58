using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace SrFace.Server.Endpoints;

/// <summary>The web page (index.html, app.js, app.css), served from the assembly's embedded resources.</summary>
internal static class WebPageEndpoints
{
    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.Ordinal)
    {
        ["index.html"] = "text/html; charset=utf-8",
        ["app.js"] = "text/javascript; charset=utf-8",
        ["app.css"] = "text/css; charset=utf-8",
    };

    /// <summary>Maps GET / and the page's assets.</summary>
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/", () => Asset("index.html")).ExcludeFromDescription();
        foreach (var name in ContentTypes.Keys) app.MapGet("/" + name, () => Asset(name)).ExcludeFromDescription();
    }

    private static IResult Asset(string name)
    {
        var stream = typeof(WebPageEndpoints).Assembly.GetManifestResourceStream("web/" + name);
        return stream is null ? Results.NotFound() : Results.Stream(stream, ContentTypes[name]);
    }
}
