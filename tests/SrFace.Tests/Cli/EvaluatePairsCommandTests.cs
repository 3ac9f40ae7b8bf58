using System.Text.Json.Nodes;

namespace SrFace.Tests.Cli;

/// <summary>
/// <c>srface evaluate --pairs FILE --images DIR</c> with the pretrained recogniser on a small folder-per-identity set
/// built in a temporary folder from LFW people (symbolic links, 24 faces), one image under a name that is not LFW's.
/// </summary>
[Collection(TorchCollection.Name)]
public class EvaluatePairsCommandTests
{
    private static readonly string[] People = ["George_W_Bush", "Colin_Powell", "Tony_Blair", "Donald_Rumsfeld", "Gerhard_Schroeder", "Ariel_Sharon"];

    /// <summary>Four images of each person as NAME/NAME_000i.jpg, and Tony Blair's fourth also as portrait.jpg.</summary>
    private static string ImageSet(string dir) => PretrainedCli.IdentityFolders(Path.Combine(dir, "images"),
        People.SelectMany(p => Enumerable.Range(1, 4).Select(i => (p, i, $"{p}_{i:0000}.jpg"))).Append(("Tony_Blair", 4, "portrait.jpg")));

    /// <summary>
    /// 'folds 6' pairs: fold 1 matches images 1-2 of everyone and mismatches neighbours; fold 2 matches images 3-4 (Tony
    /// Blair's as file paths, one of them portrait.jpg) and mismatches others, one line as file paths.
    /// </summary>
    private static string[] PairLines(string header) =>
    [
        header,
        .. People.Select(p => $"{p}\t1\t2"),
        .. Enumerable.Range(0, 6).Select(i => $"{People[i]}\t3\t{People[(i + 1) % 6]}\t{(i % 2) + 3}"),
        .. People.Select(p => p == "Tony_Blair" ? "Tony_Blair/Tony_Blair_0003.jpg\tTony_Blair/portrait.jpg" : $"{p}\t3\t4"),
        .. Enumerable.Range(0, 5).Select(i => $"{People[i]}\t{i % 4 + 1}\t{People[(i + 3) % 6]}\t{(i + 1) % 4 + 1}"),
        "Colin_Powell/Colin_Powell_0002.jpg Donald_Rumsfeld/Donald_Rumsfeld_0001.jpg",
    ];

    [Fact]
    public void A_pairs_file_over_a_folder_per_identity_set_gives_an_accuracy()
    {
        var dir = TestData.NewTempDir();
        var images = ImageSet(dir);
        var pairs = Path.Combine(dir, "my-pairs.txt");
        File.WriteAllLines(pairs, PairLines("2\t6"));
        var report = Path.Combine(dir, "report");
        var (code, output) = PretrainedCli.Run("evaluate", "--pairs", pairs, "--images", images, "--probe-sizes", "150", "--sr-faces", "0", "--out", report);
        Assert.True(code == 0, output);
        Assert.Contains("pairs my-pairs.txt: 24 pairs (accuracy: 2-fold mean ± std)", output);
        Assert.Contains("has no SR model: (b) and (c) are both this recogniser on the bicubic-upsampled probe", output); // the pretrained recogniser's rows explained
        var result = JsonNode.Parse(File.ReadAllText(Path.Combine(report, "report.json")))!["PairFile"]!;
        Assert.Equal(24, (int)result["EvaluatedPairs"]!);
        var sharp = result["Results"]![0]!;
        Assert.Equal(150, (int)sharp["ProbeSize"]!);
        Assert.InRange((double)sharp["Accuracy"]!, 0.75, 1.0);           // dlib-resnet on sharp LFW faces
        Assert.Equal(2, sharp["Verification"]!["Folds"]!.AsArray().Count);
        Assert.Contains("## pairs my-pairs.txt", File.ReadAllText(Path.Combine(report, "report.md")));
    }

    [Fact]
    public void A_malformed_pair_line_is_an_error_naming_the_line()
    {
        var dir = TestData.NewTempDir();
        var images = ImageSet(dir);
        var lines = PairLines("2\t6");
        lines[3] = "Tony_Blair\t1\ttwo";
        var pairs = Path.Combine(dir, "bad-pairs.txt");
        File.WriteAllLines(pairs, lines);
        var (code, output) = PretrainedCli.Run("evaluate", "--pairs", pairs, "--images", images, "--probe-sizes", "150");
        Assert.Equal(2, code);
        Assert.Contains($"{pairs}, line 4: image index 'two' is not an integer >= 1", output);
        lines[3] = "Tony_Blair/Tony_Blair_0001.jpg Colin_Powell/Colin_Powell_0001.jpg";
        File.WriteAllLines(pairs, lines);
        (code, output) = PretrainedCli.Run("evaluate", "--pairs", pairs, "--images", images, "--probe-sizes", "150");
        Assert.Equal(2, code);
        Assert.Contains($"{pairs}, line 4: matched pair names two identities ('Tony_Blair', 'Colin_Powell')", output);
    }

    [Theory]
    [InlineData("--pairs", "p.txt")]                                              // without --images
    [InlineData("--images", "dir")]                                               // without --pairs
    [InlineData("--pairs", "p.txt", "--images", "dir", "--protocol", "view1")]
    [InlineData("--pairs", "p.txt", "--images", "dir", "--calibrate")]
    [InlineData("--pairs", "/nonexistent/p.txt", "--images", "/tmp")]               // a missing pairs file is a usage error (exit 2)
    public void Pairs_and_images_go_together_and_replace_the_lfw_views(params string[] args)
    {
        var (code, output) = CliHelpTests.RunProgram(["evaluate", .. args]);
        Assert.Equal(2, code);
        Assert.Contains("--pairs", output);
    }
}
