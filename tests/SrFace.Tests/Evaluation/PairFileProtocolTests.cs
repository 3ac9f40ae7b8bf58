using SrFace.Data;
using SrFace.Evaluation;
using SrFace.Tests.Recognition;

namespace SrFace.Tests.Evaluation;

/// <summary><see cref="LfwProtocols.PairFile"/>: one set at a given threshold (or tuned, flagged), k-fold from a 'folds N' header.</summary>
[Collection(TorchCollection.Name)]
public class PairFileProtocolTests
{
    /// <summary>The first 2 x <paramref name="perFold"/> matched then mismatched lines of pairsDevTrain.txt under <paramref name="header"/>.</summary>
    private static LfwPairs Pairs(string header, int folds, int perFold)
    {
        var lines = File.ReadAllLines(Path.Combine(TestData.Lfw, "pairsDevTrain.txt"));
        var output = new List<string> { header };
        for (var f = 0; f < folds; f++)
        {
            output.AddRange(lines.Skip(1 + f * perFold).Take(perFold));
            output.AddRange(lines.Skip(1 + 1100 + f * perFold).Take(perFold));
        }
        var file = Path.Combine(TestData.NewTempDir(), "own.txt");
        File.WriteAllLines(file, output);
        return LfwPairs.Read(file, TestData.LfwImages);
    }

    [Fact]
    public void One_set_is_scored_at_the_given_threshold_or_at_its_own_best_flagged_optimistic()
    {
        using var joint = TinyCascade.Load();
        var benchmark = new LowResolutionBenchmark(joint, null, new LowResolutionBenchmarkOptions { ProbeSizes = [8, 32] });
        var pairs = Pairs("8", 1, 8);

        var given = LfwProtocols.PairFile(benchmark, pairs, null, threshold: 0.5);
        Assert.Equal(("pairs own.txt", 16, false), (given.Title, given.EvaluatedPairs, given.IsKFold));
        Assert.Contains("the model's threshold 0.5000", given.AccuracyBasis);
        foreach (var r in given.Results)
        {
            Assert.Equal(0.5, r.Threshold);
            Assert.Equal(VerificationThreshold.AccuracyAt(given.TestScores.Scored(r.Pipeline, r.ProbeSize), 0.5), r.Accuracy);
        }

        var tuned = LfwProtocols.PairFile(benchmark, pairs, null, threshold: null);
        Assert.Contains("optimistic", tuned.Statement);
        Assert.All(tuned.Results, r => Assert.Equal(r.Verification.TestTunedAccuracy, r.Accuracy));

        // Trained people are left out, as in View 2.
        var trained = new HashSet<string> { pairs.Pairs[0].IdentityA };
        var kept = LfwProtocols.PairFile(benchmark, pairs, trained, threshold: 0.5);
        Assert.Equal(pairs.Pairs.Count(p => p.IdentityA != pairs.Pairs[0].IdentityA && p.IdentityB != pairs.Pairs[0].IdentityA), kept.EvaluatedPairs);
        Assert.NotNull(kept.Exclusion);
    }

    [Fact]
    public void A_folds_header_gives_k_fold_accuracy()
    {
        using var joint = TinyCascade.Load();
        var benchmark = new LowResolutionBenchmark(joint, null, new LowResolutionBenchmarkOptions { ProbeSizes = [8] });
        var result = LfwProtocols.PairFile(benchmark, Pairs("3\t3", 3, 3), null, threshold: 0.5);
        Assert.True(result.IsKFold);
        Assert.Equal("3-fold mean ± std", result.AccuracyBasis);
        Assert.All(result.Results, r => Assert.Equal(3, r.Verification.Folds.Count));
        Assert.All(result.Results, r => Assert.Equal(r.Verification.AccuracyMean, r.Accuracy));
    }
}
