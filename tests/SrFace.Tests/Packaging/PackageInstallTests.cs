using System.Diagnostics;
using System.IO.Compression;

namespace SrFace.Tests.Packaging;

/// <summary>
/// Packs the library (<c>SrFace</c>) and the CLI tool (<c>SrFace.Tool</c>, command <c>srface</c>) from a copy of the
/// sources into a temporary local folder feed, installs the tool from that feed into a temporary tool path, and runs
/// <c>srface version</c> and <c>srface doctor</c> from it (libtorch and SkiaSharp must resolve from the tool's own
/// folder), <c>srface models</c> on the model store (the pinned list embedded in SrFace.dll) and <c>srface serve</c>
/// (SrFace.Server, the ASP.NET Core shared framework and the embedded web page). The sources are copied first so the
/// pack's restore for linux-x64 never touches the working tree's obj/.
/// About a minute (the linux-x64 tool package carries libtorch, about 140 MB compressed).
/// </summary>
[Collection(TorchCollection.Name)]
[Trait("Category", "Packaging")]
public class PackageInstallTests
{
    [Fact]
    public void Packed_tool_installs_from_a_local_feed_and_runs()
    {
        var work = TestData.NewTempDir();
        try
        {
            var sources = CopySources(Path.Combine(work, "src"));
            var feed = Directory.CreateDirectory(Path.Combine(work, "feed")).FullName;
            Run("dotnet", ["pack", Path.Combine(sources, "src", "SrFace", "SrFace.csproj"), "-c", "Release", "-o", feed, "-nologo"], sources);
            // Only the linux-x64 tool package (plus the RID-pointer package): the one this machine installs.
            Run("dotnet", ["pack", Path.Combine(sources, "src", "SrFace.Cli", "SrFace.Cli.csproj"), "-c", "Release", "-o", feed, "-nologo",
                "-p:ToolPackageRuntimeIdentifiers=linux-x64"], sources);

            var library = Path.Combine(feed, "SrFace.1.0.0.nupkg");
            using (var zip = ZipFile.OpenRead(library))
            {
                var names = zip.Entries.Select(e => e.FullName).ToHashSet();
                foreach (var expected in new[] { "lib/net10.0/SrFace.dll", "lib/net10.0/SrFace.xml", "README.md", "LICENSE", "THIRD-PARTY-NOTICES.md" })
                    Assert.True(names.Contains(expected), $"{library} lacks {expected}; it has {string.Join(", ", names)}");
                var nuspec = new StreamReader(zip.GetEntry("SrFace.nuspec")!.Open()).ReadToEnd();
                Assert.Contains("<id>SrFace</id>", nuspec);
                foreach (var dependency in new[] { "TorchSharp-cpu", "Microsoft.ML.OnnxRuntime", "MetadataExtractor", "System.IO.Hashing", "Npgsql", "Pgvector" })
                    Assert.Contains($"id=\"{dependency}\"", nuspec);
            }
            Assert.True(File.Exists(Path.Combine(feed, "SrFace.Tool.1.0.0.nupkg")), "no RID-pointer tool package");
            var toolPackage = Path.Combine(feed, "SrFace.Tool.linux-x64.1.0.0.nupkg");
            Assert.True(File.Exists(toolPackage), "no linux-x64 tool package");
            using (var zip = ZipFile.OpenRead(toolPackage))
            {
                const string app = "tools/net10.0/linux-x64/";
                var names = zip.Entries.Select(e => e.FullName).ToHashSet();
                foreach (var expected in new[] { "SrFace.dll", "SrFace.Cli.dll", "SrFace.Server.dll", "scripts/fetch-models.sh", "scripts/pretrained-files.tsv", "THIRD-PARTY-NOTICES.md" })
                    Assert.True(names.Contains(app + expected) || names.Contains(expected), $"{toolPackage} lacks {expected}");
                // libtorch's Python-binding and test libraries stay out (Directory.Build.targets); what LibTorchSharp loads is in.
                Assert.DoesNotContain(names, n => n.EndsWith("/libtorch_python.so", StringComparison.Ordinal) || n.EndsWith("/libtorchbind_test.so", StringComparison.Ordinal));
                Assert.Contains(names, n => n.EndsWith("/libtorch_cpu.so", StringComparison.Ordinal));
                // srface serve runs ASP.NET Core in the tool's process: the shared framework must be in its runtimeconfig.
                var runtimeConfig = new StreamReader(zip.GetEntry(app + "SrFace.Cli.runtimeconfig.json")!.Open()).ReadToEnd();
                Assert.Contains("Microsoft.AspNetCore.App", runtimeConfig);
            }

            // A config with only the local feed: the install must not need any other source.
            var config = Path.Combine(work, "nuget.config");
            File.WriteAllText(config, $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration><packageSources><clear /><add key="local" value="{feed}" /></packageSources></configuration>
                """);
            var tools = Path.Combine(work, "tools");
            Run("dotnet", ["tool", "install", "--tool-path", tools, "--configfile", config, "--add-source", feed, "SrFace.Tool"], work);

            var srface = Path.Combine(tools, "srface");
            var version = Run(srface, ["version"], work);
            Assert.Matches(@"^srface \d+\.\d+\.\d+ \(TorchSharp \d+\.\d+\.\d+, libtorch 2\.10\.", version.Trim());
            var doctor = Run(srface, ["doctor", "--repeats", "1"], work);
            Assert.Contains("ok: float32 channels-last convolution outputs and gradients match float64", doctor);
            Assert.Contains("bfloat16", doctor);

            // The pinned model files come from the list embedded in SrFace.dll (exit 0: every one verified in the store).
            var models = Run(srface, ["models", "--models", SrFace.Tests.Models.Pretrained.PretrainedStore.Open().Root], work);
            Assert.Contains("verified (SHA-256)", models);
            Assert.Contains("dlib-resnet", models);
            ServeOnce(srface, work);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>
    /// Starts the installed tool's <c>srface serve</c> on a free loopback port with the tiny cascade, asks
    /// <c>/healthz</c> and the web page <c>/</c>, and stops it.
    /// </summary>
    private static void ServeOnce(string srface, string work)
    {
        var start = new ProcessStartInfo(srface) { WorkingDirectory = work, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "serve", "--model", SrFace.Tests.Recognition.TinyCascade.ModelPath, "--gallery", "sqlite:" + Path.Combine(work, "galleries"), "--urls", "http://127.0.0.1:0" })
            start.ArgumentList.Add(a);
        start.Environment[SrFace.Server.ServerOptions.ApiKeyVariable] = "packaging-test-key";
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            string? address = null;
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (address is null && DateTime.UtcNow < deadline && process.StandardOutput.ReadLine() is { } line)
                if (line.StartsWith(SrFace.Server.ServerApp.ListeningBanner, StringComparison.Ordinal))
                    address = line[SrFace.Server.ServerApp.ListeningBanner.Length..].Split(' ')[0];
            Assert.True(address is not null, $"srface serve did not start: {(process.HasExited ? stderr.Result : "no listening line")}");
            _ = process.StandardOutput.ReadToEndAsync();
            using var http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromMinutes(1) };
            var health = http.GetAsync("/healthz").GetAwaiter().GetResult();
            Assert.True(health.IsSuccessStatusCode, $"/healthz: {(int)health.StatusCode}");
            Assert.Contains("\"ok\"", health.Content.ReadAsStringAsync().GetAwaiter().GetResult());
            var page = http.GetAsync("/").GetAwaiter().GetResult();
            Assert.True(page.IsSuccessStatusCode, $"/: {(int)page.StatusCode}");
            Assert.Contains("<html", page.Content.ReadAsStringAsync().GetAwaiter().GetResult(), StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
    }

    private static string CopySources(string target)
    {
        var root = TestData.RepoRoot;
        foreach (var file in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props", "README.md", "LICENSE", "THIRD-PARTY-NOTICES.md", "scripts/fetch-models.sh" })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(target, file))!);
            File.Copy(Path.Combine(root, file), Path.Combine(target, file));
        }
        foreach (var project in new[] { "SrFace", "SrFace.Server", "SrFace.Cli" })
        {
            var from = Path.Combine(root, "src", project);
            foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(from, file);
                var top = relative.Split(Path.DirectorySeparatorChar)[0];
                if (top is "bin" or "obj") continue;
                var dest = Path.Combine(target, "src", project, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
                File.Copy(file, dest);
            }
        }
        return target;
    }

    /// <summary>Runs a process to completion (10 min at most); returns its standard output, fails the test on a non-zero exit.</summary>
    private static string Run(string exe, string[] args, string workingDirectory)
    {
        var start = new ProcessStartInfo(exe) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["COLUMNS"] = "200";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{exe} {string.Join(' ', args)} did not finish in 10 minutes.");
        }
        var output = stdout.Result;
        Assert.True(process.ExitCode == 0, $"{exe} {string.Join(' ', args)} exited {process.ExitCode}:\n{output}\n{stderr.Result}");
        return output;
    }
}
