using Spectre.Console;
using Spectre.Console.Cli;
using SrFace.Cascade;
using SrFace.Cli.Commands;
using SrFace.Cli.Configuration;
using SrFace.Training;

namespace SrFace.Tests.Cli;

[Collection(TorchCollection.Name)]
public class TrainCommandTests
{
    // Six LFW training people with 4 or 5 images each.
    private static readonly string[] People = ["Aaron_Peirsol", "Abdoulaye_Wade", "Abdullah", "Abel_Pacheco", "Adam_Sandler", "Ahmed_Chalabi"];

    [Fact]
    public void APretrainedRunFineTunesOnAlignedChipsAndItsCascadeAlignsToo()
    {
        var (data, people) = TinyDataFolder();
        var run = Path.Combine(TestData.NewTempDir(), "run");
        var store = SrFace.Tests.Models.Pretrained.PretrainedStore.Open();
        var settings = new TrainSettings
        {
            Data = data, People = people, Out = run, Pretrained = true, Models = store.Root, Iterations = 1, P = 2, K = 2,
            ValidationFraction = 0.2, LogEvery = 1,
        };
        var (code, text) = RunCommand(settings);
        Assert.Equal(0, code);
        // dlib-resnet's catalogue entry asks for face-api's landmark box: detected and aligned as pipeline (a) frames faces.
        Assert.Contains("faces: detected and aligned (LandmarkBox)", text);
        Assert.Contains("\"Alignment\": \"LandmarkBox\"", File.ReadAllText(Path.Combine(run, RunData.FileName)));
        Assert.Equal(SrFace.Models.FaceAlignmentTemplate.LandmarkBox, RunData.Load(run).Alignment);
        var path = Path.Combine(run, TrainCommand.CascadeFileName);
        using (var cascade = FaceRecognitionCascade.Load(path, store))
        {
            using var pretrained = FaceRecognitionCascade.FromPretrained("dlib-resnet", store);
            Assert.Equal(pretrained.Preprocessing, cascade.Preprocessing);
            Assert.True(cascade.Preparer.Aligns);
        }
        using (var withoutStore = FaceRecognitionCascade.Load(path))
            Assert.Throws<InvalidOperationException>(() => withoutStore.Preparer);
    }

    [Fact]
    public void ARunFolderWrittenBeforeAlignmentResumesWithTheCentredCrop()
    {
        var run = TestData.NewTempDir();
        File.WriteAllText(Path.Combine(run, RunData.FileName),
            """{ "DataRoot": "/d", "PeopleFile": null, "CropFraction": 0.48, "ValidationFraction": 0.05, "SplitSeed": 1 }""");
        Assert.Equal(SrFace.Models.FaceAlignmentTemplate.CentredCrop, RunData.Load(run).Alignment);
    }

    [Fact]
    public void ATinyRunWritesItsArtefactsAndResumesAfterCtrlCAndWithALargerBudget()
    {
        var (data, people) = TinyDataFolder();
        var run = Path.Combine(TestData.NewTempDir(), "run");
        var settings = new TrainSettings
        {
            Data = data, People = people, Out = run, Iterations = 3, P = 4, K = 2, InputSize = 32, Width = 8, Embedding = 16,
            CheckpointEvery = 2, Float32 = true, ValidationFraction = 0.2, LogEvery = 1,
        };

        // Ctrl+C before the first iteration: checkpoint written, exit 130, no cascade yet.
        using (var cancelled = new CancellationTokenSource())
        {
            cancelled.Cancel();
            var (code, text) = RunCommand(settings, cancelled.Token);
            Assert.Equal(130, code);
            Assert.Contains("--resume --out", text);
        }
        Assert.True(File.Exists(Path.Combine(run, TrainingCheckpoint.FileName)));
        Assert.False(File.Exists(Path.Combine(run, TrainCommand.CascadeFileName)));
        // A new run into the same folder is refused rather than overwriting it.
        Assert.Throws<IOException>(() => RunCommand(settings));

        var resume = new TrainSettings { Out = run, Resume = true, LogEvery = 1 };
        var (first, firstText) = RunCommand(resume);
        Assert.Equal(0, first);
        Assert.Contains("held-out PSNR", firstText);
        foreach (var file in new[] { TrainingRun.OptionsFileName, TrainingRun.MetricsFileName, TrainingCheckpoint.FileName, TrainCommand.CascadeFileName, "summary.json", RunData.FileName })
            Assert.True(File.Exists(Path.Combine(run, file)), file);
        Assert.Equal([0.0, 1, 2], MetricsLog.Read(Path.Combine(run, TrainingRun.MetricsFileName)).Select(r => r["iteration"]));
        var options = TrainingOptionsJson.Deserialize(File.ReadAllText(Path.Combine(run, TrainingRun.OptionsFileName)), "options.json");
        Assert.Equal((4, 2, 32, 8, 16, 3L), (options.IdentitiesPerBatch, options.ImagesPerIdentity, options.InputSize, options.RecognizerWidth, options.EmbeddingSize, options.Stop.MaxIterations));
        using (var cascade = FaceRecognitionCascade.Load(Path.Combine(run, TrainCommand.CascadeFileName)))
            Assert.Equal((32, 16), (cascade.InputSize, cascade.EmbeddingSize));
        var summary = File.ReadAllText(Path.Combine(run, "summary.json"));
        Assert.Contains("\"ValidationIdentities\"", summary);
        Assert.Contains("\"Bicubic\"", summary);

        // The finished run continues only with a larger budget, and then from iteration 3.
        Assert.Throws<ArgumentException>(() => RunCommand(resume));
        var smaller = Assert.Throws<ArgumentException>(() => RunCommand(new TrainSettings { Out = run, Resume = true, Iterations = 2 }));
        Assert.StartsWith("--iterations 2: ", smaller.Message);
        Assert.DoesNotContain("Parameter", smaller.Message);
        Assert.DoesNotContain('\n', smaller.Message);
        Assert.Throws<ArgumentException>(() => RunCommand(new TrainSettings { Out = run, Resume = true, P = 4 }));
        Assert.Equal(0, RunCommand(new TrainSettings { Out = run, Resume = true, Iterations = 5 }).Code);
        Assert.Equal([0.0, 1, 2, 3, 4], MetricsLog.Read(Path.Combine(run, TrainingRun.MetricsFileName)).Select(r => r["iteration"]));
        Assert.Equal(5, TrainingCheckpoint.ReadManifest(Path.Combine(run, TrainingCheckpoint.FileName)).NextIteration);
    }

    [Fact]
    public void AMissingPeopleListOrDataFolderIsAClearError()
    {
        var (data, _) = TinyDataFolder();
        var e = Assert.Throws<FileNotFoundException>(() => RunCommand(new TrainSettings { Data = data, Out = TestData.NewTempDir() }));
        Assert.Contains("peopleDevTrain.txt", e.Message);
        var missing = Path.Combine(TestData.NewTempDir(), "nothing-here");
        Assert.Contains(missing, Assert.Throws<DirectoryNotFoundException>(() => RunCommand(new TrainSettings { Data = missing })).Message);
    }

    [Fact]
    public void Options_are_checked_before_any_data_is_read_and_errors_name_the_flag()
    {
        // A missing data folder would fail when read: the option error comes first.
        var missing = Path.Combine(TestData.NewTempDir(), "no-data");
        var scale = Assert.Throws<ArgumentException>(() => RunCommand(new TrainSettings { Data = missing, Scale = 64 }));
        Assert.StartsWith("--scale must be one of 2, 3, 4, 8", scale.Message);

        // The same scale from a preset passes the flag checks but builds no model: refused before the images load,
        // and no run folder is left behind.
        var (data, people) = TinyDataFolder();
        var preset = Path.Combine(TestData.NewTempDir(), "x64.yaml");
        File.WriteAllText(preset, "Degradation:\n  Scale: 64\n");
        var run = Path.Combine(TestData.NewTempDir(), "run");
        var built = Assert.Throws<ArgumentException>(() => RunCommand(new TrainSettings { Data = data, People = people, Config = preset, Out = run, InputSize = 64 }));
        Assert.Contains("64", built.Message);
        Assert.Contains(preset, built.Message);
        Assert.DoesNotContain("(Parameter", built.Message);
        Assert.False(Directory.Exists(run));

        // The accuracy stop needs validation people; said before reading data.
        Assert.StartsWith("--target-accuracy needs validation people", Assert.Throws<ArgumentException>(() => RunCommand(new TrainSettings { Data = missing, TargetAccuracy = 0.9, ValidationFraction = 0 })).Message);

        // A data-dependent limit names its flag too.
        var p = Assert.Throws<ArgumentException>(() => RunCommand(new TrainSettings { Data = data, People = people, Out = run, P = 10, K = 2, InputSize = 32, Width = 8, Embedding = 16 }));
        Assert.StartsWith("-p 10: only 6 training identities", p.Message);
    }

    [Fact]
    public void The_target_accuracy_flag_stops_a_run_on_validation_accuracy()
    {
        var (data, people) = TinyDataFolder();
        var settings = new TrainSettings
        {
            Data = data, People = people, Out = Path.Combine(TestData.NewTempDir(), "run"), Iterations = 4, P = 2, K = 2, InputSize = 32,
            Width = 8, Embedding = 16, Float32 = true, ValidationFraction = 0.34, TargetAccuracy = 0.01, ValidateEvery = 1, LogEvery = 1,
        };
        var (code, text) = RunCommand(settings);
        Assert.Equal(0, code);
        Assert.Contains("ValidationAccuracyReached", text);
        Assert.Contains("validation accuracy (best threshold on", text);
    }

    [Theory]
    [InlineData("--iterations", "abc", "--iterations: 'abc' is not a whole number.")]
    [InlineData("--lambda", "x", "--lambda: 'x' is not a number.")]
    [InlineData("-p", "two", "-p: 'two' is not a whole number.")]
    public void A_value_that_does_not_convert_names_its_flag(string flag, string value, string expected)
    {
        // The real Spectre message for this command line, then the rewrite CliErrors prints.
        var app = new Spectre.Console.Cli.CommandApp<TrainCommand>();
        app.Configure(c => c.PropagateExceptions());
        string[] args = [flag, value];
        var e = Assert.ThrowsAny<Spectre.Console.Cli.CommandAppException>(() => app.Run(args));
        Assert.Equal(expected, SrFace.Cli.CliErrors.ConversionMessage(e.Message, args));
        Assert.Equal(expected, SrFace.Cli.CliErrors.ConversionMessage(e.Message, [$"{flag}={value}"]));
        Assert.Null(SrFace.Cli.CliErrors.ConversionMessage("Unknown option 'x'.", args));
    }

    /// <summary>A datasets folder whose lfw/lfw-deepfunneled holds symlinks to six real LFW people, plus their people list.</summary>
    private static (string Data, string People) TinyDataFolder()
    {
        var data = TestData.NewTempDir();
        var images = Path.Combine(data, "lfw", "lfw-deepfunneled");
        Directory.CreateDirectory(images);
        var lines = new List<string> { $"{People.Length}" };
        foreach (var person in People)
        {
            var source = Path.Combine(TestData.LfwImages, person);
            Directory.CreateSymbolicLink(Path.Combine(images, person), source);
            lines.Add($"{person}\t{Directory.GetFiles(source).Length}");
        }
        var people = Path.Combine(data, "people-tiny.txt");
        File.WriteAllLines(people, lines);
        return (data, people);
    }

    private static (int Code, string Text) RunCommand(TrainSettings settings, CancellationToken cancellation = default)
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        var code = TrainCommand.Run(settings, console, cancellation);
        return (code, writer.ToString());
    }
}
