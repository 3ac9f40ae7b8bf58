using System.Diagnostics;
using SrFace.Server;
using SrFace.Tests.Recognition;

namespace SrFace.Tests.Server;

/// <summary>The server as a separate process (<c>dotnet SrFace.Server.dll</c>), for killing it and measuring its memory.</summary>
internal sealed class ServerProcess : IDisposable
{
    private readonly Process _process;

    private ServerProcess(Process process, string baseAddress) => (_process, BaseAddress) = (process, baseAddress);

    /// <summary>E.g. http://127.0.0.1:41234.</summary>
    public string BaseAddress { get; }

    /// <summary>Process id.</summary>
    public int Id => _process.Id;

    /// <summary>Starts the server on <paramref name="galleries"/> and waits for its listening line.</summary>
    public static ServerProcess Start(string galleries)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var info = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "SrFace.Server.dll"), "--model", TinyCascade.ModelPath, "--gallery", galleries, "--urls", "http://127.0.0.1:0" })
            info.ArgumentList.Add(arg);
        info.Environment[ServerOptions.ApiKeyVariable] = TestServer.ApiKey;
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the server");
        var stderr = process.StandardError.ReadToEndAsync();
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (DateTime.UtcNow < deadline)
        {
            var line = process.StandardOutput.ReadLine();
            if (line is null) break;
            if (line.StartsWith(ServerApp.ListeningBanner, StringComparison.Ordinal))
            {
                _ = process.StandardOutput.ReadToEndAsync(); // keep draining
                return new ServerProcess(process, line[ServerApp.ListeningBanner.Length..].Split(' ')[0]);
            }
        }
        process.Kill();
        throw new InvalidOperationException($"The server did not start: {stderr.Result}");
    }

    /// <summary>SIGKILL: no shutdown code runs.</summary>
    public void KillHard()
    {
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit();
    }

    /// <summary>Peak resident memory (VmHWM) in bytes, from /proc.</summary>
    public long PeakResidentBytes()
    {
        var line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }

    public void Dispose()
    {
        if (!_process.HasExited) KillHard();
        _process.Dispose();
    }
}
