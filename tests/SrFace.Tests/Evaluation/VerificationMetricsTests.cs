using SrFace.Evaluation;

namespace SrFace.Tests.Evaluation;

public class VerificationMetricsTests
{
    private static ScoredPair[] Pairs(double[] genuine, double[] impostor, int fold = 0) =>
        [.. genuine.Select(s => new ScoredPair(s, true, fold)), .. impostor.Select(s => new ScoredPair(s, false, fold))];

    [Fact]
    public void Perfectly_separable_scores_give_accuracy_one_auc_one_eer_zero()
    {
        var pairs = Pairs([0.9, 0.8, 0.7], [0.3, 0.2, 0.1]);
        var best = VerificationThreshold.BestThreshold(pairs);
        Assert.Equal(0.5, best.Threshold, 12); // midpoint of 0.7 and 0.3
        Assert.Equal(1.0, best.Accuracy);
        var curve = RocAnalysis.Curve(pairs);
        Assert.Equal(1.0, RocAnalysis.Auc(curve), 12);
        Assert.Equal(0.0, RocAnalysis.Eer(curve).Rate, 12);
    }

    [Fact]
    public void Best_threshold_takes_the_largest_of_tied_candidates()
    {
        // Sorted: 0.9+ 0.6+ 0.5- 0.4+ 0.3- 0.2-. Correct counts: +inf 3, 0.75 4, 0.55 5, 0.45 4, 0.35 5, 0.25 4, -inf 3.
        var pairs = Pairs([0.9, 0.6, 0.4], [0.5, 0.3, 0.2]);
        var best = VerificationThreshold.BestThreshold(pairs);
        Assert.Equal(0.55, best.Threshold, 12);
        Assert.Equal(5.0 / 6, best.Accuracy, 12);
        Assert.Equal(5.0 / 6, VerificationThreshold.AccuracyAt(pairs, 0.35), 12);
        Assert.Equal(0.5, VerificationThreshold.AccuracyAt(pairs, double.PositiveInfinity), 12);
    }

    [Fact]
    public void Auc_and_eer_of_a_hand_computed_list()
    {
        var pairs = Pairs([0.9, 0.6, 0.4], [0.5, 0.3, 0.2]);
        var curve = RocAnalysis.Curve(pairs);
        // Mann-Whitney: 0.9 and 0.6 beat all three impostors, 0.4 beats two -> 8 of 9.
        Assert.Equal(8.0 / 9, RocAnalysis.Auc(curve), 12);
        // At threshold 0.5: FAR 1/3 (0.5 accepted), FRR 1/3 (0.4 rejected).
        var eer = RocAnalysis.Eer(curve);
        Assert.Equal(1.0 / 3, eer.Rate, 12);
        Assert.Equal(0.5, eer.Threshold, 12);
    }

    [Fact]
    public void Eer_is_interpolated_along_a_tie_segment()
    {
        // Points: (0,0) +inf, (0,0.5) at 0.7, (0.5,1) at 0.5 (tie of a genuine and an impostor), (1,1) at 0.1.
        // FAR - FRR goes -0.5 -> +0.5 between the 2nd and 3rd points: halfway, FAR 0.25, threshold 0.6.
        var eer = RocAnalysis.Eer(RocAnalysis.Curve(Pairs([0.7, 0.5], [0.5, 0.1])));
        Assert.Equal(0.25, eer.Rate, 12);
        Assert.Equal(0.6, eer.Threshold, 12);
    }

    [Fact]
    public void Auc_equals_mann_whitney_with_ties_counted_half()
    {
        var rng = new Random(7);
        // Rounded to one decimal so that many genuine/impostor scores tie.
        var genuine = Enumerable.Range(0, 60).Select(_ => Math.Round(rng.NextDouble() * 0.6 + 0.3, 1)).ToArray();
        var impostor = Enumerable.Range(0, 80).Select(_ => Math.Round(rng.NextDouble() * 0.6, 1)).ToArray();
        var u = genuine.Sum(g => impostor.Sum(i => g > i ? 1.0 : g == i ? 0.5 : 0.0));
        var auc = RocAnalysis.Auc(RocAnalysis.Curve(Pairs(genuine, impostor)));
        Assert.Equal(u / (genuine.Length * impostor.Length), auc, 12);
        Assert.InRange(auc, 0.5, 0.999);
    }

    [Fact]
    public void Tar_at_far_on_a_thousand_known_impostors()
    {
        var impostor = Enumerable.Range(0, 1000).Select(i => i / 1000.0).ToArray();          // 0.000 .. 0.999
        var genuine = Enumerable.Range(0, 200).Select(j => (999.5 - 5 * j) / 1000).ToArray(); // 0.9995, 0.9945, 0.9895, ...
        var curve = RocAnalysis.Curve(Pairs(genuine, impostor));

        // FAR 1e-3: at most one impostor accepted -> t must exceed 0.998; smallest such score is 0.999 (an impostor).
        var at3 = RocAnalysis.TarAtFar(curve, 1000, 1e-3);
        Assert.Equal(0.999, at3.Threshold, 12);
        Assert.Equal(1.0 / 200, at3.Tar, 12);
        Assert.Equal(1e-3, at3.AchievedFar, 12);
        Assert.True(at3.Resolvable);

        // FAR 1e-2: ten impostors (0.990..0.999) -> t must exceed 0.989; smallest such score is the genuine 0.9895.
        var at2 = RocAnalysis.TarAtFar(curve, 1000, 1e-2);
        Assert.Equal(0.9895, at2.Threshold, 12);
        Assert.Equal(3.0 / 200, at2.Tar, 12);
        Assert.Equal(1e-2, at2.AchievedFar, 12);

        // FAR 1e-4 cannot be resolved with 1000 impostors: FAR 0 is reported and flagged.
        var at4 = RocAnalysis.TarAtFar(curve, 1000, 1e-4);
        Assert.False(at4.Resolvable);
        Assert.Equal(0.0, at4.AchievedFar);
        Assert.Equal(0.9995, at4.Threshold, 12);
        Assert.Equal(1.0 / 200, at4.Tar, 12);
    }

    [Fact]
    public void Kfold_chooses_each_threshold_on_the_other_folds()
    {
        // Fold 0 and 1 are easy, fold 2 is inverted (genuine 0.35 below impostor 0.4).
        ScoredPair[] pairs = [.. Pairs([0.9], [0.1], 0), .. Pairs([0.8], [0.2], 1), .. Pairs([0.35], [0.4], 2)];
        var result = KFoldVerification.Evaluate(pairs);
        // Held out 0: train 0.8+ 0.4- 0.35+ 0.2- -> best 3/4 at 0.6 (tie with 0.275, larger wins).
        // Held out 1: train 0.9+ 0.4- 0.35+ 0.1- -> 0.65. Held out 2: train 0.9+ 0.8+ 0.2- 0.1- -> 0.5.
        Assert.Equal([0.6, 0.65, 0.5], result.Folds.Select(f => Math.Round(f.Threshold, 12)));
        Assert.Equal([1.0, 1.0, 0.5], result.Folds.Select(f => f.Accuracy));
        Assert.Equal(2.5 / 3, result.Mean, 12);
        Assert.Equal(Math.Sqrt(1.0 / 18), result.Std, 12);       // deviations 1/6, 1/6, -1/3; divisor 3
        Assert.Equal(Math.Sqrt(1.0 / 12), result.SampleStd, 12); // divisor 2
    }

    [Fact]
    public void Kfold_needs_two_folds()
    {
        Assert.Throws<ArgumentException>(() => KFoldVerification.Evaluate(Pairs([0.9], [0.1])));
    }

    [Fact]
    public void Contiguous_folds_split_like_lfw_pairs()
    {
        var folds = KFoldVerification.ContiguousFolds(6000);
        Assert.Equal(0, folds[599]);
        Assert.Equal(1, folds[600]);
        Assert.Equal(9, folds[^1]);
        Assert.All(folds.GroupBy(f => f), g => Assert.Equal(600, g.Count()));
        Assert.Equal([0, 0, 0, 1, 1, 2, 2], KFoldVerification.ContiguousFolds(7, 3));
    }

    [Fact]
    public void View1_applies_the_devtrain_threshold_to_devtest()
    {
        var train = Pairs([0.9, 0.7], [0.3, 0.1]); // threshold 0.5
        var test = Pairs([0.6, 0.45], [0.55, 0.2]); // at 0.5: 0.6 right, 0.45 wrong, 0.55 wrong, 0.2 right
        var result = VerificationThreshold.TrainTest(train, test);
        Assert.Equal(0.5, result.Threshold, 12);
        Assert.Equal(0.5, result.Accuracy, 12);
    }

    [Fact]
    public void Report_collects_kfold_roc_and_tar()
    {
        ScoredPair[] pairs = [.. Pairs([0.9], [0.1], 0), .. Pairs([0.8], [0.2], 1), .. Pairs([0.35], [0.4], 2)];
        var report = VerificationReport.Evaluate(pairs);
        Assert.Equal(6, report.PairCount);
        Assert.Equal(3, report.ImpostorCount);
        Assert.Equal(2.5 / 3, report.AccuracyMean!.Value, 12);
        Assert.Equal(3, report.Folds.Count);
        Assert.Equal(8.0 / 9, report.Auc, 12); // 0.35 loses only to 0.4
        Assert.Equal([1e-3, 1e-2], report.TarAtFar.Keys.Order());
        Assert.All(report.TarAtFar.Values, t => Assert.False(t.Resolvable)); // 3 impostors cannot resolve 1e-2
    }

    [Fact]
    public void Bad_input_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => VerificationThreshold.BestThreshold([]));
        Assert.Throws<ArgumentException>(() => VerificationThreshold.BestThreshold([new ScoredPair(double.NaN, true)]));
        Assert.Throws<ArgumentException>(() => RocAnalysis.Curve(Pairs([0.5, 0.6], [])));
    }

    [Fact]
    public void A_single_fold_report_has_no_accuracy_mean_and_labels_its_test_tuned_figures()
    {
        // DevTest-like: one fold. The best threshold on these pairs is 0.5 with accuracy 1: tuned on the answers.
        var report = VerificationReport.Evaluate(Pairs([0.9, 0.6], [0.4, 0.1]));
        Assert.Null(report.AccuracyMean);
        Assert.Empty(report.Folds);
        Assert.Equal(1.0, report.TestTunedAccuracy, 12);
        Assert.Equal(0.5, report.TestTunedThreshold, 12);
        var json = System.Text.Json.JsonSerializer.Serialize(report);
        Assert.Contains("\"AccuracyMean\":null", json);
        Assert.Contains("\"TestTunedAccuracy\"", json);
        using var document = System.Text.Json.JsonDocument.Parse(json);
        Assert.False(document.RootElement.TryGetProperty("Threshold", out _)); // an unlabelled test-tuned threshold
    }
}
