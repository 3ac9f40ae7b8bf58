using Spectre.Console.Cli;
using SrFace.Cli.Commands;
using SrFace.Cli.Configuration;
using SrFace.Degradation;
using SrFace.Models;
using SrFace.Models.SuperResolution;
using SrFace.Training;

namespace SrFace.Tests.Cli;

/// <summary>The fine-tuning flags of <c>srface train</c> and <c>srface demo</c> (issue 9).</summary>
public class FineTuneOptionsTests
{
    [Fact]
    public void PretrainedAloneGivesTheFineTuningDefaults()
    {
        var options = TrainOptionsResolver.Resolve(Parse("--pretrained"));
        Assert.Equal(FineTuning.Defaults("dlib-resnet"), options);
        Assert.True(options.PretrainedRecognizer);
        Assert.Equal(150, options.InputSize);
        Assert.Equal("vdsr", options.SuperResolutionModel);
        Assert.True(options.RecognizerOptimizer.LearningRate < options.SuperResolutionOptimizer.LearningRate / 5);
    }

    [Fact]
    public void FlagsOverrideTheFineTuningDefaults()
    {
        var options = TrainOptionsResolver.Resolve(Parse("--recognizer", "dlib-resnet", "--pretrained", "--freeze-stages", "3", "--freeze-norm",
            "--distill", "0.5", "--multiscale", "2,8", "--lr-rec", "2e-5", "--iterations", "40"));
        Assert.Equal(3, options.FrozenRecognizerStages);
        Assert.True(options.FreezeNormalization);
        Assert.Equal(0.5, options.DistillationWeight);
        Assert.Equal(new DegradationRange(2, 8), options.ScaleRange);
        Assert.Equal(2e-5, options.RecognizerOptimizer.LearningRate);
        Assert.Equal(40, options.Stop.MaxIterations);
        Assert.Null(TrainOptionsResolver.Resolve(Parse("--pretrained", "--multiscale", "none", "--scale", "4")).ScaleRange);
    }

    [Theory]
    [InlineData("--distill 1", "--pretrained")]                       // a teacher needs pretrained weights
    [InlineData("--pretrained --distill -1", "--distill")]
    [InlineData("--freeze-stages -1", "--freeze-stages")]
    [InlineData("--multiscale 2,16", "pre-upsampled")]                // fsrcnn cannot take any probe size
    [InlineData("--pretrained --recognizer face-resnet18", "pretrained weights")]
    [InlineData("--pretrained --sr fsrcnn", "divisible")]             // 150 px is not a multiple of x8
    public void InvalidFineTuningFlagsAreRefusedWithTheirName(string args, string expected)
    {
        var e = Assert.ThrowsAny<Exception>(() => TrainOptionsResolver.Resolve(Parse(args.Split(' '))));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void ResumeRefusesTheFineTuningFlags()
    {
        var refused = TrainOptionsResolver.FlagsRefusedOnResume(Parse("--resume", "--out", "x", "--pretrained", "--distill", "1", "--freeze-stages", "2"));
        Assert.Equal(["--pretrained", "--freeze-stages", "--distill"], refused);
    }

    [Fact]
    public void DemoFineTunesByDefaultAndKeepsFromScratchByOption()
    {
        var settings = new DemoCommand.Settings();
        Assert.False(settings.FromScratch);
        Assert.Equal(10, settings.Minutes);
        Assert.True(settings.Validate().Successful);
        var options = DemoCommand.FineTuneOptions(new DemoCommand.Settings { Distill = 0.5, Seed = 3, FreezeStages = 4 });
        Assert.True(options.PretrainedRecognizer);
        Assert.Equal(("dlib-resnet", "vdsr", 150), (options.Recognizer, options.SuperResolutionModel, options.InputSize));
        Assert.Equal((0.5, 3, 4), (options.DistillationWeight, options.Seed, options.FrozenRecognizerStages));
        var defaults = DemoCommand.FineTuneOptions(new DemoCommand.Settings());
        Assert.Equal((FineTuning.DistillationWeight, FineTuning.Margin, FineTuning.RecognizerLearningRate),
            (defaults.DistillationWeight, defaults.Margin, defaults.RecognizerOptimizer.LearningRate));
        var tuned = DemoCommand.FineTuneOptions(new DemoCommand.Settings { LearningRateRecognizer = 1e-5, Margin = 0.5 });
        Assert.Equal((1e-5, 0.5), (tuned.RecognizerOptimizer.LearningRate, tuned.Margin));
        Assert.False(new DemoCommand.Settings { Margin = 2.5 }.Validate().Successful);
        Assert.False(new DemoCommand.Settings { LearningRateRecognizer = 0 }.Validate().Successful);
        Assert.False(new DemoCommand.Settings { FromScratch = true, Margin = 0.5 }.Validate().Successful);
        var scratch = DemoCommand.DemoOptions(new DemoCommand.Settings { FromScratch = true });
        Assert.Equal(("face-resnet18", "fsrcnn", 64, false), (scratch.Recognizer, scratch.SuperResolutionModel, scratch.InputSize, scratch.PretrainedRecognizer));
    }

    [Theory]
    [InlineData(false, 112, null, null)]      // --input-size belongs to --from-scratch
    [InlineData(false, null, "fsrcnn", null)] // fine-tuning at 150 px needs a pre-upsampled SR model
    [InlineData(false, null, null, 1)]        // --pairs: 0 = all or at least 2
    [InlineData(true, null, null, 100)]       // --pairs belongs to the fine-tuning demo
    [InlineData(true, 40, null, null)]        // --input-size multiple of 16
    public void DemoRefusesOptionsOfTheOtherPath(bool fromScratch, int? inputSize, string? sr, int? pairs)
    {
        var settings = new DemoCommand.Settings { FromScratch = fromScratch, InputSize = inputSize, Sr = sr, Pairs = pairs };
        Assert.False(settings.Validate().Successful);
    }

    [Fact]
    public void APreUpsampledSrModelTakesAnyScaleAndTheIntegerModelsTheirOwn()
    {
        Assert.Equal(16, TrainOptionsResolver.Resolve(Parse("--pretrained", "--multiscale", "none", "--scale", "16")).Degradation.Scale);
        Assert.Null(new TrainSettings { SuperResolution = "vdsr", Scale = 16 }.FirstError());
        Assert.Contains("--scale must be one of 2, 3, 4, 8", new TrainSettings { Scale = 16 }.FirstError());
        Assert.Contains("--scale must be one of", new TrainSettings { Pretrained = true, SuperResolution = "fsrcnn", Scale = 16 }.FirstError());
    }

    [Fact]
    public void SrPretrainingIsOnByDefaultWhenFineTuningAndSetByItsFlag()
    {
        Assert.Equal(FineTuning.SuperResolutionPretrainIterations, TrainOptionsResolver.Resolve(Parse("--pretrained")).SuperResolutionPretrainIterations);
        Assert.True(FineTuning.SuperResolutionPretrainIterations > 0);
        Assert.Equal(0, TrainOptionsResolver.Resolve(Parse("--pretrained", "--sr-pretrain", "0")).SuperResolutionPretrainIterations);
        Assert.Equal(0, TrainOptionsResolver.Resolve(Parse("--pretrained", "--baseline")).SuperResolutionPretrainIterations); // no SR model
        Assert.Contains("--sr-pretrain", new TrainSettings { SrPretrain = -1 }.FirstError());
        Assert.Contains("--sr-pretrain", new TrainSettings { SrPretrain = 5, Baseline = true }.FirstError());
        Assert.Equal(["--sr-pretrain"], TrainOptionsResolver.FlagsRefusedOnResume(Parse("--resume", "--out", "x", "--sr-pretrain", "10")));

        var demo = DemoCommand.FineTuneOptions(new DemoCommand.Settings { SrPretrain = 50, MultiScale = "none", Scale = 8 });
        Assert.Equal((50L, null, 8), (demo.SuperResolutionPretrainIterations, demo.ScaleRange, demo.Degradation.Scale)); // a single-scale x8 model
        Assert.Equal(new DegradationRange(4, 16), DemoCommand.FineTuneOptions(new DemoCommand.Settings { MultiScale = "4,16" }).ScaleRange);
        Assert.False(new DemoCommand.Settings { Scale = 8 }.Validate().Successful);            // --scale needs --multiscale none
        Assert.False(new DemoCommand.Settings { SrPretrain = -1 }.Validate().Successful);
        Assert.False(new DemoCommand.Settings { FromScratch = true, SrPretrain = 10 }.Validate().Successful);
        Assert.False(new FineTuneView2Command.Settings { Out = "x", SrPretrain = -1 }.Validate().Successful);
    }

    [Fact]
    public void FineTuningFramesFacesAsTheRecognizersCatalogueEntrySays()
    {
        var dlib = FineTuning.Preprocessing("dlib-resnet");
        Assert.Equal((150, SrFace.Models.FaceAlignmentTemplate.LandmarkBox), (dlib.Size, dlib.Alignment));
        Assert.Equal(0.3, FineTuning.Preprocessing("dlib-resnet", 0.3).CropFraction); // the frame of images without a detected face
        Assert.Equal(SrFace.Models.FaceAlignmentTemplate.CentredCrop, FineTuning.Preprocessing("face-resnet18").Alignment);
        Assert.Throws<ArgumentException>(() => FineTuning.Preprocessing("nope"));
        // srface train: the pretrained recogniser's framing, unless --crop-fraction asks for a centred crop (as evaluate does).
        Assert.Equal((SrFace.Models.ModelCatalog.Recognizers["dlib-resnet"].CentredCropFraction, SrFace.Models.FaceAlignmentTemplate.LandmarkBox), TrainCommand.Framing(FineTuning.Defaults(), null));
        Assert.Equal((0.6, SrFace.Models.FaceAlignmentTemplate.CentredCrop), TrainCommand.Framing(FineTuning.Defaults(), 0.6));
        Assert.Equal((0.48, SrFace.Models.FaceAlignmentTemplate.CentredCrop), TrainCommand.Framing(new JointTrainingOptions(), null));
    }

    [Fact]
    public void View2BenchmarkOptionsAreChecked()
    {
        Assert.False(new FineTuneView2Command.Settings().Validate().Successful); // --out is required
        Assert.True(new FineTuneView2Command.Settings { Out = "x", Folds = "1, 3" }.Validate().Successful);
        Assert.Equal([1, 3], new FineTuneView2Command.Settings { Out = "x", Folds = "3,1" }.FoldList()!);
        Assert.False(new FineTuneView2Command.Settings { Out = "x", Folds = "0,11" }.Validate().Successful);
        Assert.False(new FineTuneView2Command.Settings { Out = "x", Iterations = 0 }.Validate().Successful);
    }

    [Fact]
    public void View2BenchmarkTakesTheDemosFineTuningFlags()
    {
        // One set of fine-tuning flags (FineTuningSettings): what the demo can train, the View 2 benchmark can measure.
        var view2 = new FineTuneView2Command.Settings { Out = "x", FreezeStages = 0, LearningRateRecognizer = 1e-4, MultiScale = "4,16", Margin = 0.5, Seed = 7 };
        var demo = new DemoCommand.Settings { FreezeStages = 0, LearningRateRecognizer = 1e-4, MultiScale = "4,16", Margin = 0.5, Seed = 7 };
        var applied = view2.ApplyTo(FineTuning.Defaults());
        Assert.Equal((0, 1e-4, new DegradationRange(4, 16), 0.5, 7), (applied.FrozenRecognizerStages, applied.RecognizerOptimizer.LearningRate, applied.ScaleRange!.Value, applied.Margin, applied.Seed));
        Assert.Equal(DemoCommand.FineTuneOptions(demo), applied);
        Assert.Equal(FineTuning.Defaults() with { Seed = 1 }, new FineTuneView2Command.Settings { Out = "x" }.ApplyTo(FineTuning.Defaults()));
        Assert.True(view2.Validate().Successful);
        Assert.Contains("--scale needs --multiscale none", new FineTuneView2Command.Settings { Out = "x", Scale = 8 }.Validate().Message);
        Assert.Contains("--lr-rec", new FineTuneView2Command.Settings { Out = "x", LearningRateRecognizer = -1 }.Validate().Message);
        Assert.Contains("--freeze-stages", new FineTuneView2Command.Settings { Out = "x", FreezeStages = -1 }.Validate().Message);
        // The restorer's size: a wider, deeper vdsr is built from the flags (issue 9's untried lever).
        var larger = new FineTuneView2Command.Settings { Out = "x", SrWidth = 48, SrLayers = 12 }.ApplyTo(FineTuning.Defaults());
        Assert.Equal((48, 12), (larger.SuperResolutionWidth, larger.SuperResolutionBlocks));
        using (var vdsr = ModelCatalog.CreateSuperResolution("vdsr", new SrModelConfig(8, 3, larger.SuperResolutionWidth, larger.SuperResolutionBlocks, true)))
        using (var standard = ModelCatalog.CreateSuperResolution("vdsr", new SrModelConfig(8, 3, null, null, true)))
            Assert.Equal((12, 8), (vdsr.parameters().Count(p => p.dim() == 4), standard.parameters().Count(p => p.dim() == 4)));
        foreach (var width in new[] { 0, VdsrOptions.MaxWidth + 1, int.MaxValue })
            Assert.Contains("--sr-width", new FineTuneView2Command.Settings { Out = "x", SrWidth = width }.Validate().Message);
        foreach (var layers in new[] { 1, VdsrOptions.MaxLayers + 1, 999999 })
            Assert.Contains("--sr-layers", new FineTuneView2Command.Settings { Out = "x", SrLayers = layers }.Validate().Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Vdsr(new VdsrOptions(Layers: VdsrOptions.MaxLayers + 1)));
        // The catalogue's defaults given explicitly are the same options as none (a View 2 folder compares them).
        Assert.Equal(new FineTuneView2Command.Settings { Out = "x" }.ApplyTo(FineTuning.Defaults()),
            new FineTuneView2Command.Settings { Out = "x", SrWidth = new VdsrOptions().Width, SrLayers = new VdsrOptions().Layers }.ApplyTo(FineTuning.Defaults()));
        // The from-scratch demo has no teacher and no pretrained stages: every fine-tuning flag is refused (was: --distill ignored).
        Assert.False(new DemoCommand.Settings { FromScratch = true, Distill = 1 }.Validate().Successful);
        // Ranges are checked with the flag's name before any work (were: internal names, after the faces were prepared).
        foreach (var bad in new[] { "16,2", "0,4", "2,NaN", "2,100", "x", "1,2,3" })
        {
            Assert.Contains("--multiscale", new FineTuneView2Command.Settings { Out = "x", MultiScale = bad }.Validate().Message);
            Assert.Contains("--multiscale", new DemoCommand.Settings { MultiScale = bad }.Validate().Message);
        }
        Assert.True(new DemoCommand.Settings { MultiScale = "none", Scale = 8 }.Validate().Successful);
        Assert.Contains("--lambda", new DemoCommand.Settings { Lambda = double.NaN }.Validate().Message);
    }

    [Fact]
    public void Fine_tuning_help_states_the_default_values_of_the_constants()
    {
        static string Help(string property) => typeof(FineTuningSettings).GetProperty(property)!
            .GetCustomAttributes(typeof(System.ComponentModel.DescriptionAttribute), false).Cast<System.ComponentModel.DescriptionAttribute>().Single().Description;
        static double DefaultIn(string help) => double.Parse(System.Text.RegularExpressions.Regex.Match(help, @"default ([0-9.eE+-]+)[,;:)]").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(FineTuning.RecognizerLearningRate, DefaultIn(Help(nameof(FineTuningSettings.LearningRateRecognizer))));
        Assert.Equal(FineTuning.SuperResolutionPretrainIterations, DefaultIn(Help(nameof(FineTuningSettings.SrPretrain))));
        Assert.Equal(FineTuning.DistillationWeight, DefaultIn(Help(nameof(FineTuningSettings.Distill))));
        Assert.Equal(FineTuning.Margin, DefaultIn(Help(nameof(FineTuningSettings.Margin))));
        Assert.Equal(FineTuning.Defaults().FrozenRecognizerStages, DefaultIn(Help(nameof(FineTuningSettings.FreezeStages))));
        Assert.Equal(new VdsrOptions().Width, DefaultIn(Help(nameof(FineTuningSettings.SrWidth))));
        Assert.Equal(new VdsrOptions().Layers, DefaultIn(Help(nameof(FineTuningSettings.SrLayers))));
    }

    [Fact]
    public void A_View2_folder_refuses_folds_of_other_fine_tuning_options()
    {
        var run = Path.Combine(TestData.NewTempDir(), "fold-01", "finetuned");
        var training = FineTuning.Defaults() with { Stop = new StopConditions(1200) };
        View2FineTuning.CheckSameOptions(run, training); // nothing saved yet: a new folder
        Directory.CreateDirectory(run);
        File.WriteAllText(Path.Combine(run, TrainingRun.OptionsFileName), TrainingOptionsJson.Serialize(training));
        View2FineTuning.CheckSameOptions(run, training);
        var e = Assert.Throws<InvalidOperationException>(() => View2FineTuning.CheckSameOptions(run, training with { FrozenRecognizerStages = 0 }));
        Assert.Contains("other options", e.Message);
        Assert.Contains("FrozenRecognizerStages: 2 -> 0", e.Message); // names what differs
        Assert.Throws<InvalidOperationException>(() => View2FineTuning.CheckSameOptions(run, training with { Stop = new StopConditions(300) }));
    }

    [Fact]
    public void View2FoldsAggregateToMeanStdAndPooledRoc()
    {
        var key = $"{SrFace.Evaluation.RecognitionPipeline.Cascade}@10";
        var folds = new[]
        {
            new View2FoldResult(1, 5, 10, [true, true, false, false], new() { [key] = new View2FoldCell(0.5, 1.0, [0.9, 0.8, 0.1, 0.2]) }),
            new View2FoldResult(2, 5, 10, [true, false, true, false], new() { [key] = new View2FoldCell(0.5, 0.5, [0.9, 0.95, 0.1, 0.2]) }),
        };
        var cell = Assert.Single(View2FineTuning.Aggregate(folds, [10]));
        Assert.Equal(0.75, cell.AccuracyMean, 10);
        Assert.Equal(0.25, cell.AccuracyStd, 10);
        Assert.Equal(8, cell.Verification.PairCount);
        Assert.InRange(cell.Verification.Auc, 0.5, 0.99); // one impostor above two genuine pairs: not a perfect ROC
        Assert.Empty(View2FineTuning.Aggregate([], [10]));
    }

    private static TrainSettings Parse(params string[] args) => TrainSettingsParser.Parse(args);
}
