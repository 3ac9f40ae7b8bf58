using SkiaSharp;
using SrFace.Cascade;
using SrFace.Data;
using SrFace.Evaluation;
using SrFace.Tests.Training;
using SrFace.Training;
using static TorchSharp.torch;

namespace SrFace.Tests.Evaluation;

[Collection(TorchCollection.Name)]
public class LowResolutionBenchmarkTests
{
    /// <summary>The fixture people minus the DevTest person, so the tiny models respect the View 1 protocol.</summary>
    private static FaceImageLoader TrainingLoader()
    {
        var people = TrainingFixtures.SmallLfwLoader().Dataset.Samples;
        var devTest = PeopleList.Read(Path.Combine(TestData.Lfw, "peopleDevTest.txt")).People.Select(p => p.Name).ToHashSet();
        var dataset = new FaceDataset(TestData.LfwImages, people.Where(s => !devTest.Contains(s.Identity)).Select(s => (s.Path, s.Identity)));
        return new FaceImageLoader(dataset, FacePreprocessing.Lfw(32), cacheCrops: true);
    }

    private static FaceRecognitionCascade TinyModel(FaceImageLoader loader, TrainingMode mode)
    {
        using var trainer = new JointTrainer(TrainingFixtures.TinyOptions(mode: mode));
        for (var step = 0; step < 2; step++)
        {
            using var scope = NewDisposeScope();
            int[] batch = [0, 1, 4, 5, 8, 9, 12, 13];
            trainer.Step(loader.LoadBatch(batch), loader.LoadLabels(batch), step);
        }
        return trainer.ToCascade(loader.Preprocessing);
    }

    /// <summary>Copies the first <paramref name="perKind"/> matched and mismatched lines of each fold of a real pairs file.</summary>
    private static void WriteTruncated(string source, string target, int perKind)
    {
        var lines = File.ReadAllLines(source);
        var header = lines[0].Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
        var (folds, n) = header.Length == 2 ? (header[0], header[1]) : (1, header[0]);
        var output = new List<string> { folds == 1 ? $"{perKind}" : $"{folds}\t{perKind}" };
        for (var f = 0; f < folds; f++)
        {
            var start = 1 + f * 2 * n;
            output.AddRange(lines.Skip(start).Take(perKind));
            output.AddRange(lines.Skip(start + n).Take(perKind));
        }
        File.WriteAllLines(target, output);
    }

    [Fact]
    public void SweepOnRealPairsWritesACompleteReport()
    {
        var loader = TrainingLoader();
        using var joint = TinyModel(loader, TrainingMode.Joint);
        using var baseline = TinyModel(loader, TrainingMode.RecognizerOnly);
        var pairsDir = TestData.NewTempDir();
        WriteTruncated(Path.Combine(TestData.Lfw, "pairsDevTrain.txt"), Path.Combine(pairsDir, "pairsDevTrain.txt"), 20);
        WriteTruncated(Path.Combine(TestData.Lfw, "pairsDevTest.txt"), Path.Combine(pairsDir, "pairsDevTest.txt"), 20);
        WriteTruncated(Path.Combine(TestData.Lfw, "pairs.txt"), Path.Combine(pairsDir, "pairs.txt"), 3);
        var trained = loader.Dataset.Identities.ToHashSet(StringComparer.Ordinal);
        var output = Path.Combine(TestData.NewTempDir(), "evaluation");

        var report = LfwEvaluation.Run(joint, "joint.srface", baseline, "baseline.srface", new LfwEvaluationOptions
        {
            PairsFolder = pairsDir, ImagesFolder = TestData.LfwImages, TrainingIdentities = trained,
            SrQualityFaces = 12, CommandLine = "test",
        }, output);

        int[] sizes = [2, 4, 8, 16, 32]; // S/16, S/8, S/4, S/2, S for S = 32
        Assert.Equal(sizes, report.ProbeSizes);
        var view1 = report.View1!;
        Assert.Equal(40, view1.EvaluatedPairs);
        Assert.Equal(40, view1.TestScores.Pairs.Count);
        Assert.Equal(3 * sizes.Length, view1.Results.Count);
        Assert.All(view1.Results, r =>
        {
            Assert.InRange(r.Accuracy, 0, 1);
            Assert.InRange(r.Verification.Auc, 0, 1);
            Assert.Equal(20, r.Verification.ImpostorCount);
        });

        var view2 = report.View2!;
        var exclusion = view2.Exclusion!;
        Assert.Equal(60, exclusion.TotalPairs);
        Assert.Equal(exclusion.KeptIndices.Count, view2.EvaluatedPairs);
        Assert.All(view2.TestScores.Pairs, p => Assert.False(trained.Contains(p.IdentityA) || trained.Contains(p.IdentityB)));
        Assert.All(view2.Results, r =>
        {
            Assert.InRange(r.Accuracy, 0, 1);
            Assert.Equal(r.Verification.Folds.Sum(f => f.PairCount), view2.EvaluatedPairs);
        });
        Assert.Contains($"{exclusion.KeptIndices.Count} of 60 pairs remain", view2.Statement);

        Assert.Equal([2, 4, 8, 16], report.SrQuality.Select(r => r.ProbeSize));
        Assert.All(report.SrQuality, r => Assert.Equal(12, r.Faces));
        Assert.All(report.SrQuality, r => Assert.InRange(r.IdentityBicubic, -1, 1));
        var calibration = report.Calibration!;
        Assert.Equal(8, calibration.ProbeSize); // the model's own LR input: 32 / 4
        Assert.Equal(Math.Clamp(view1.Get(RecognitionPipeline.Cascade, 8).Threshold, -1, 1), calibration.Threshold);
        joint.Calibrate(calibration.Threshold);

        var markdown = File.ReadAllText(Path.Combine(output, EvaluationReport.MarkdownFile));
        Assert.Contains("(c) SR cascade", markdown);
        Assert.Contains("± ", markdown);
        using (var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(output, EvaluationReport.JsonFile))))
            Assert.Equal(3 * sizes.Length, json.RootElement.GetProperty("View1").GetProperty("Results").GetArrayLength()); // (a), (b), (c) at each size
        AssertPng(Path.Combine(output, EvaluationReport.AccuracyFigure), 800, 600);
        AssertPng(Path.Combine(output, EvaluationReport.RocFigure), 800, 600);
        AssertPng(Path.Combine(output, EvaluationReport.SamplesFigure), 4 * 34 + 2, 6 * 34 + 2);
    }

    [Fact]
    public void ScoresAreDeterministicAndTheBaselineIsOptional()
    {
        var loader = TrainingLoader();
        using var joint = TinyModel(loader, TrainingMode.Joint);
        var pairs = LfwPairs.Read(Path.Combine(TestData.Lfw, "pairsDevTest.txt"), TestData.LfwImages).Pairs.Take(6).ToArray();
        var benchmark = new LowResolutionBenchmark(joint, null, new LowResolutionBenchmarkOptions { ProbeSizes = [8, 4], BatchSize = 4 });
        Assert.Equal([RecognitionPipeline.JointBicubic, RecognitionPipeline.Cascade], benchmark.Pipelines);
        Assert.Equal([4, 8], benchmark.ProbeSizes);
        var first = benchmark.Score(pairs, benchmark.CreateLoader(pairs));
        var second = benchmark.Score(pairs, benchmark.CreateLoader(pairs));
        foreach (var pipeline in benchmark.Pipelines)
            foreach (var size in benchmark.ProbeSizes)
            {
                Assert.Equal(first.Scores(pipeline, size), second.Scores(pipeline, size));
                Assert.All(first.Scores(pipeline, size), s => Assert.InRange(s, -1 - 1e-6, 1 + 1e-6));
            }
        Assert.Throws<KeyNotFoundException>(() => first.Scores(RecognitionPipeline.BaselineBicubic, 4));
    }

    [Fact]
    public void BadProbeSizesAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new LowResolutionBenchmarkOptions { ProbeSizes = [0, 8] }.ResolveProbeSizes(32));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LowResolutionBenchmarkOptions { ProbeSizes = [64] }.ResolveProbeSizes(32));
        Assert.Equal([7, 14, 28, 56, 112], LowResolutionBenchmarkOptions.DefaultProbeSizes(112));
        Assert.Equal([4, 8, 16, 32, 64], LowResolutionBenchmarkOptions.DefaultProbeSizes(64));
        Assert.Equal([10, 19, 38, 75, 150], LowResolutionBenchmarkOptions.DefaultProbeSizes(150));
    }

    private static void AssertPng(string path, int width, int height)
    {
        using var bitmap = SKBitmap.Decode(path);
        Assert.NotNull(bitmap);
        Assert.Equal((width, height), (bitmap.Width, bitmap.Height));
    }

    [Fact]
    public void A_model_giving_NaN_similarities_is_an_error_not_an_accuracy()
    {
        using var joint = FaceRecognitionCascade.Load(SrFace.Tests.Recognition.TinyCascade.OverflowingModelPath);
        var samples = SrFace.Tests.Recognition.TinyCascade.People.Samples;
        var pairs = new[]
        {
            new FacePair(samples[0].Path, samples[0].Identity, samples[1].Path, samples[1].Identity, true, 0, 2),
            new FacePair(samples[0].Path, samples[0].Identity, samples[4].Path, samples[4].Identity, false, 0, 3),
        };
        var benchmark = new LowResolutionBenchmark(joint, null, new LowResolutionBenchmarkOptions { ProbeSizes = [8] });
        var e = Assert.Throws<InvalidDataException>(() => benchmark.Score(pairs, benchmark.CreateLoader(pairs)));
        Assert.Contains(joint.SourcePath!, e.Message);
        Assert.Contains(samples[0].Path, e.Message);
    }

    [Fact]
    public void The_view2_statement_gives_the_real_fold_count()
    {
        // pairs.txt cut to its first 4 folds of 3 + 3 pairs.
        var lines = File.ReadAllLines(Path.Combine(TestData.Lfw, "pairs.txt"));
        var output = new List<string> { "4\t3" };
        for (var f = 0; f < 4; f++)
        {
            output.AddRange(lines.Skip(1 + f * 600).Take(3));
            output.AddRange(lines.Skip(1 + f * 600 + 300).Take(3));
        }
        var file = Path.Combine(TestData.NewTempDir(), "pairs.txt");
        File.WriteAllLines(file, output);
        using var joint = SrFace.Tests.Recognition.TinyCascade.Load();
        var benchmark = new LowResolutionBenchmark(joint, null, new LowResolutionBenchmarkOptions { ProbeSizes = [8] });
        var view2 = LfwProtocols.View2(benchmark, LfwPairs.Read(file, TestData.LfwImages), null);
        Assert.Contains("4 folds", view2.Statement);
        Assert.Contains("the other 3", view2.Statement);
        Assert.DoesNotContain("10 folds", view2.Statement);
        Assert.All(view2.Results, r => Assert.Equal(4, r.Verification.Folds.Count));
    }
}
