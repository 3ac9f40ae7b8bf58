using Spectre.Console.Cli;
using SrFace.Cli.Configuration;
using SrFace.Degradation;
using SrFace.Runtime;
using SrFace.Training;

namespace SrFace.Tests.Cli;

public class TrainOptionsResolverTests
{
    private const string Yaml = """
        # a preset: any subset of the options, PascalCase keys
        SuperResolutionModel: srcnn
        RecognizerWidth: 16
        InputSize: 48
        Degradation:
          Scale: 3
          BlurSigma: [0.5, 1.5]
          JpegQuality: 70
        RecognizerOptimizer:
          LearningRate: 0.1
        Stop:
          MaxIterations: 500
        Precision: Float32
        """;

    private const string Json = """
        {
          "SuperResolutionModel": "srcnn", "RecognizerWidth": 16, "InputSize": 48,
          "Degradation": { "Scale": 3, "BlurSigma": { "Min": 0.5, "Max": 1.5 }, "JpegQuality": 70 },
          "RecognizerOptimizer": { "LearningRate": 0.1 },
          "Stop": { "MaxIterations": 500 },
          "Precision": "float32"
        }
        """;

    /// <summary>The record the preset above must produce: defaults with exactly the preset's fields changed.</summary>
    private static JointTrainingOptions PresetExpected()
    {
        var d = new JointTrainingOptions();
        return d with
        {
            SuperResolutionModel = "srcnn",
            RecognizerWidth = 16,
            InputSize = 48,
            Degradation = new DegradationOptions(Scale: 3, BlurSigma: new DegradationRange(0.5, 1.5), JpegQuality: 70),
            RecognizerOptimizer = d.RecognizerOptimizer with { LearningRate = 0.1 }, // momentum, decay, schedule kept
            Stop = d.Stop with { MaxIterations = 500 },
            Precision = ComputePrecision.Float32,
        };
    }

    [Theory]
    [InlineData(".yaml")]
    [InlineData(".yml")]
    [InlineData(".json")]
    public void APresetFileMergesIntoTheDefaults(string extension)
    {
        var path = Write(extension == ".json" ? Json : Yaml, extension);
        Assert.Equal(PresetExpected(), TrainOptionsResolver.Resolve(new TrainSettings { Config = path }));
    }

    [Fact]
    public void FlagsOverrideThePresetWhichOverridesTheDefaults()
    {
        var settings = Parse("--config", Write(Yaml, ".yaml"), "--input-size", "60", "--scale", "4", "--blur", "2",
            "--jpeg", "none", "-p", "8", "-k", "3", "--iterations", "40", "--lambda", "0.5", "--lr-rec", "0.2",
            "--optimizer", "adam", "--bf16", "--seed", "9", "--patience", "3", "--baseline");
        var p = PresetExpected();
        var expected = p with
        {
            Mode = TrainingMode.RecognizerOnly,
            InputSize = 60,
            Degradation = p.Degradation with { Scale = 4, BlurSigma = 2.0, JpegQuality = null },
            IdentitiesPerBatch = 8,
            ImagesPerIdentity = 3,
            Stop = p.Stop with { MaxIterations = 40, PlateauPatience = 3 },
            IdentityWeight = 0.5,
            RecognizerOptimizer = p.RecognizerOptimizer with { Kind = OptimizerKind.Adam, LearningRate = 0.2 },
            SuperResolutionOptimizer = p.SuperResolutionOptimizer with { Kind = OptimizerKind.Adam },
            Precision = ComputePrecision.BFloat16,
            Seed = 9,
        };
        Assert.Equal(expected, TrainOptionsResolver.Resolve(settings));
    }

    [Fact]
    public void AnOptionsJsonFromARunIsAValidPresetAndRoundTrips()
    {
        var options = new JointTrainingOptions { Recognizer = "mobilefacenet", EmbeddingSize = 64, Margin = 0.7, Stop = new StopConditions(123, 2, 10) };
        var path = Write(TrainingOptionsJson.Serialize(options), ".json");
        Assert.Equal(options, TrainOptionsResolver.Resolve(new TrainSettings { Config = path }));
    }

    [Theory]
    [InlineData("inputSize: 64\n", "unknown option 'inputSize'", "did you mean 'InputSize'")]
    [InlineData("Degradation:\n  Sigma: 1\n", "unknown option 'Degradation.Sigma'", "BlurSigma")]
    [InlineData("InputSize: big\n", "InputSize", "invalid training options")]
    [InlineData("Degradation: 4\n", "'Degradation' must be a mapping", "Scale")]
    [InlineData("Seed: 1\nSeed: 2\n", "Duplicate key Seed", "preset.yaml:2:")]
    [InlineData("Stop: [1\n", "not valid YAML", ".yaml")]
    public void ABadPresetIsAClearErrorNamingTheFileAndKey(string yaml, string part1, string part2)
    {
        var path = Write(yaml, ".yaml");
        var e = Assert.Throws<FormatException>(() => TrainOptionsResolver.Resolve(new TrainSettings { Config = path }));
        Assert.Contains(path, e.Message);
        Assert.True(e.Message.Contains(part1), e.Message);
        Assert.True(e.Message.Contains(part2), e.Message);
    }

    [Theory]
    [InlineData("-p 1", "-p must be at least 2")]
    [InlineData("-k 1", "-k must be at least 2")]
    [InlineData("--sr edsr", "--sr 'edsr' is not a known SR model")]
    [InlineData("--optimizer rmsprop", "--optimizer must be sgd or adam")]
    [InlineData("--margin 3", "--margin must be in (0, 2]")]
    [InlineData("--bf16 --fp32", "--bf16 and --fp32")]
    [InlineData("--crop-fraction 0", "--crop-fraction must be in (0, 1]")]
    public void AnInvalidFlagIsRefusedWhileParsingAndNamesTheFlag(string args, string message)
    {
        var e = Assert.ThrowsAny<Exception>(() => Parse(args.Split(' ')));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void TheResolverChecksFlagsBuiltWithoutTheParser()
    {
        var e = Assert.Throws<ArgumentException>(() => TrainOptionsResolver.Resolve(new TrainSettings { K = 1 }));
        Assert.Contains("-k must be at least 2", e.Message);
    }

    [Theory]
    [InlineData("--blur 1,2,3", "--blur must be a number or MIN,MAX")]
    [InlineData("--noise 2", "NoiseSigma")]
    [InlineData("--input-size 30", "InputSize 30 must be divisible by the scale x4")]
    public void AnInvalidCombinationIsAClearError(string args, string message)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => TrainOptionsResolver.Resolve(Parse(args.Split(' '))));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void ResumeRefusesOptionFlagsButAcceptsTheBudget()
    {
        Assert.Empty(TrainOptionsResolver.FlagsRefusedOnResume(Parse("--resume", "--out", "x", "--iterations", "9", "--data", "d")));
        Assert.Equal(["-p", "--bf16"], TrainOptionsResolver.FlagsRefusedOnResume(Parse("--resume", "-p", "4", "--bf16")));
    }

    private static string Write(string text, string extension)
    {
        var path = Path.Combine(TestData.NewTempDir(), "preset" + extension);
        File.WriteAllText(path, text);
        return path;
    }

    private static TrainSettings Parse(params string[] args) => TrainSettingsParser.Parse(args);
}
