using System.Diagnostics;
using System.IO.Compression;

namespace SrFace.Tests.Packaging;

/// <summary>
/// Packs the library (<c>SrFace</c>) and the CLI tool (<c>SrFace.Tool</c>, command <c>srface</c>) from a copy of the
/// sources into a temporary local folder feed, installs the tool from that feed into a temporary tool path, and runs
/// <c>srface version</c> and <c>srface doctor</c> from it (libtorch and SkiaSharp must resolve from the tool's own
/// folder). The sources are copied first so the pack's restore for linux-x64 never touches the working tree's obj/.
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
                Assert.Contains("TorchSharp-cpu", nuspec);
            }
            Assert.True(File.Exists(Path.Combine(feed, "SrFace.Tool.1.0.0.nupkg")), "no RID-pointer tool package");
            Assert.True(File.Exists(Path.Combine(feed, "SrFace.Tool.linux-x64.1.0.0.nupkg")), "no linux-x64 tool package");

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
            Assert.Matches(@"^srface \d+\.\d+\.\d+.* \(libtorch 2\.10\.", version.Trim());
            var doctor = Run(srface, ["doctor", "--repeats", "1"], work);
            Assert.Contains("ok: float32 channels-last convolution outputs and gradients match float64", doctor);
            Assert.Contains("bfloat16", doctor);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    private static string CopySources(string target)
    {
        var root = TestData.RepoRoot;
        foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props", "README.md", "LICENSE", "THIRD-PARTY-NOTICES.md" })
        {
            Directory.CreateDirectory(target);
            File.Copy(Path.Combine(root, file), Path.Combine(target, file));
        }
        foreach (var project in new[] { "SrFace", "SrFace.Cli" })
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
