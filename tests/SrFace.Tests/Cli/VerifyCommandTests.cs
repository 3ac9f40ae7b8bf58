using SrFace.Cli.Commands;
using SrFace.Tests.Recognition;

namespace SrFace.Tests.Cli;

[Collection(TorchCollection.Name)]
public class VerifyCommandTests
{
    [Fact]
    public void Parses_images_model_and_options()
    {
        var s = RecognitionCliHarness.Parse<VerifyCommand.Settings>("verify", "a.jpg", "b.png", "--model", "m.srface", "--json",
            "--threshold", "0.35", "--probe-size", "16", "--crop-fraction", "1.0");
        Assert.Equal(("a.jpg", "b.png", "m.srface", true), (s.A, s.B, s.Model, s.Json));
        Assert.Equal((0.35, 16, 1.0), (s.Threshold, s.ProbeSize, s.CropFraction));
        var plain = RecognitionCliHarness.Parse<VerifyCommand.Settings>("verify", "a.jpg", "b.png", "-m", "m.srface");
        Assert.Equal((false, null, null, null), (plain.Json, plain.Threshold, plain.ProbeSize, plain.CropFraction));
    }

    [Theory]
    [InlineData("--threshold", "1.5")]
    [InlineData("--probe-size", "0")]
    [InlineData("--crop-fraction", "1.2")]
    public void Out_of_range_options_are_usage_errors(string option, string value)
    {
        Assert.Equal(2, RecognitionCliHarness.Run("verify", "a.jpg", "b.jpg", "--model", "m.srface", option, value));
        Assert.Equal(2, RecognitionCliHarness.Run("verify", "a.jpg", "b.jpg")); // the default model, but no such images
    }

    [Fact]
    public void Exit_code_is_the_decision_and_2_on_errors()
    {
        var people = TinyCascade.People.Samples.GroupBy(s => s.Identity).Select(g => g.First().Path).ToArray();
        var model = TinyCascade.ModelPath;
        // The tiny model is uncalibrated: without --threshold there is no decision.
        Assert.Equal(2, RecognitionCliHarness.Run("verify", people[0], people[1], "--model", model));
        Assert.Equal(0, RecognitionCliHarness.Run("verify", people[0], people[1], "--model", model, "--threshold", "-1"));
        Assert.Equal(1, RecognitionCliHarness.Run("verify", people[0], people[1], "--model", model, "--threshold", "1", "--json"));
        Assert.Equal(0, RecognitionCliHarness.Run("verify", people[0], people[0], "--model", model, "--threshold", "0.999"));
        Assert.Equal(0, RecognitionCliHarness.Run("verify", people[0], people[2], "--model", model, "--threshold", "-1", "--probe-size", "8"));
        Assert.Equal(2, RecognitionCliHarness.Run("verify", people[0], "missing.jpg", "--model", model, "--threshold", "0"));
        Assert.Equal(2, RecognitionCliHarness.Run("verify", people[0], people[1], "--model", "missing.srface", "--threshold", "0"));
    }
}
