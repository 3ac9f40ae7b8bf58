using System.Text.Json.Nodes;
using SrFace.Tests.Models.Pretrained;

namespace SrFace.Tests.Cli;

/// <summary>Runs <c>srface</c> in-process (Program.cs, output captured) with the pretrained model store of the tests.</summary>
internal static class PretrainedCli
{
    /// <summary>Runs the command with <c>--models</c> set to the tests' store; returns the exit code and standard output + error.</summary>
    public static (int Code, string Output) Run(params string[] args) => CliHelpTests.RunProgram([.. args, "--models", PretrainedStore.Open().Root]);

    /// <summary>The JSON object a <c>--json</c> run printed (its one line starting with <c>{</c>).</summary>
    public static JsonObject Json(string output) => JsonNode.Parse(output.Split('\n').Single(l => l.StartsWith('{')))!.AsObject();

    /// <summary>Symbolic links <c>root/NAME/FILE</c> to LFW images (a folder-per-identity set in a temporary folder; no image is copied).</summary>
    /// <param name="root">The set's folder (created when missing).</param>
    /// <param name="images">(person, LFW image number, file name in the set) triples.</param>
    public static string IdentityFolders(string root, IEnumerable<(string Person, int Number, string Name)> images)
    {
        foreach (var (person, number, name) in images)
        {
            Directory.CreateDirectory(Path.Combine(root, person));
            File.CreateSymbolicLink(Path.Combine(root, person, name), FacePhotos.Lfw(person, number));
        }
        return root;
    }
}
