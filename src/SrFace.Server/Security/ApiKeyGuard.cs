using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace SrFace.Server.Security;

/// <summary>
/// The API key that enrolment and deletion require in the <c>X-API-Key</c> header: from <c>SRFACE_API_KEY</c>, else the
/// first line of the key file; when neither exists, a random key is generated into the key file (mode 600). The key is
/// never logged or echoed; only where it came from is reported. Comparison is constant-time.
/// </summary>
internal sealed class ApiKeyGuard
{
    /// <summary>The request header carrying the key.</summary>
    public const string Header = "X-API-Key";

    private readonly byte[] _keyHash;

    public ApiKeyGuard(ServerOptions options)
    {
        var (key, source) = Resolve(options);
        _keyHash = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        Source = source;
    }

    /// <summary>Where the key came from (no key material), for the start-up line.</summary>
    public string Source { get; }

    /// <summary>True when the request carries the key.</summary>
    public bool IsAuthorized(HttpRequest request)
    {
        var given = request.Headers[Header].ToString();
        if (given.Length == 0) return false;
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), _keyHash);
    }

    /// <summary>An endpoint filter returning 401 with a problem body when the key is missing or wrong.</summary>
    public EndpointFilterDelegate Filter(EndpointFilterFactoryContext _, EndpointFilterDelegate next) => async context =>
    {
        if (IsAuthorized(context.HttpContext.Request)) return await next(context);
        context.HttpContext.Response.Headers.WWWAuthenticate = $"ApiKey header=\"{Header}\"";
        return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "API key required",
            detail: $"Enrolment and deletion need the server's API key in the {Header} header.");
    };

    private static (string Key, string Source) Resolve(ServerOptions options)
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(ServerOptions.ApiKeyVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment)) return (fromEnvironment.Trim(), $"environment variable {ServerOptions.ApiKeyVariable}");
        var file = Path.GetFullPath(options.ApiKeyFile ?? ServerOptions.DefaultApiKeyFile);
        if (File.Exists(file))
        {
            var line = File.ReadLines(file).FirstOrDefault()?.Trim();
            if (string.IsNullOrEmpty(line)) throw new ArgumentException($"API key file '{file}' is empty.");
            return (line, $"key file {file}");
        }
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(file, create))
        using (var writer = new StreamWriter(stream)) writer.WriteLine(key);
        return (key, $"key file {file} (generated now, readable by its owner only)");
    }
}
