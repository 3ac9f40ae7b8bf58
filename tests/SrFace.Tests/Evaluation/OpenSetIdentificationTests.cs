using SrFace.Evaluation;
using SrFace.Recognition;
using SrFace.Tests.Recognition;

namespace SrFace.Tests.Evaluation;

/// <summary>
/// The open-set identification protocol (<see cref="OpenSetIdentification"/>): FPIR / FNIR by hand on small score
/// lists, the threshold at a target FPIR (ties included), the LFW split selection (disjoint people lists, a fixed
/// seed), and scoring through a real embedder on LFW images of the tiny test set.
/// </summary>
[Collection(TorchCollection.Name)]
public class OpenSetIdentificationTests
{
    [Fact]
    public void Fpir_and_fnir_count_by_hand()
    {
        // Mated: scores 0.9 (hit), 0.8 (hit), 0.95 (rank 1 is someone else), -inf (no face). Non-mated: 0.7, 0.85, 0.5, 0.6.
        var scores = new OpenSetScores([0.9, 0.8, 0.95, double.NegativeInfinity], [true, true, false, false], [0.7, 0.85, 0.5, 0.6], []);
        Assert.Equal(0.25, scores.Fpir(0.8));       // 0.85
        Assert.Equal(0.5, scores.Fnir(0.8));        // the wrong rank 1 and the failure to acquire
        Assert.Equal(0.75, scores.Fnir(0.85));      // 0.8 falls below too
        Assert.Equal(0.0, scores.Fpir(0.86));
        Assert.Equal(1.0, scores.Fpir(-1));
    }

    [Fact]
    public void The_threshold_at_a_target_fpir_lets_at_most_that_share_through_ties_included()
    {
        double[] nonMated = [0.1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.0];
        var t = OpenSetIdentification.ThresholdAtFpir(nonMated, 0.2);   // 2 of 10 allowed: between 0.8 and 0.7
        Assert.Equal(0.75, t, 12);
        Assert.Equal(0.2, new OpenSetScores([1], [true], nonMated, []).Fpir(t));
        // Below one allowed search (k = 0): just above the best score, nothing through.
        var strict = OpenSetIdentification.ThresholdAtFpir(nonMated, 0.05);
        Assert.True(strict > 0.9 && strict < 0.9 + 1e-12);
        // A tie at the cut never lets more through than the target: 2 allowed, but the 2nd and 3rd tie at 0.8, so only 0.9 passes.
        double[] tied = [0.9, 0.8, 0.8, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0, -0.1];
        var atTie = OpenSetIdentification.ThresholdAtFpir(tied, 0.2);
        Assert.Equal(0.85, atTie, 12);
        Assert.Equal(0.1, new OpenSetScores([1], [true], tied, []).Fpir(atTie));
        Assert.Throws<ArgumentException>(() => OpenSetIdentification.ThresholdAtFpir([], 0.01));
        Assert.Throws<ArgumentOutOfRangeException>(() => OpenSetIdentification.ThresholdAtFpir(nonMated, 1));
    }

    [Fact]
    public void Lfw_splits_are_drawn_with_a_seed_from_disjoint_people_lists()
    {
        var images = TestData.LfwImages;
        var train = OpenSetIdentification.Select(images, Path.Combine(TestData.Lfw, "peopleDevTrain.txt"), 20, 30);
        var test = OpenSetIdentification.Select(images, Path.Combine(TestData.Lfw, "peopleDevTest.txt"), 20, 30);
        Assert.Equal(train, OpenSetIdentification.Select(images, Path.Combine(TestData.Lfw, "peopleDevTrain.txt"), 20, 30), new SplitComparer());
        Assert.Equal((20, 20, 20, 30), (train.GalleryIdentities.Count, train.GalleryImages.Count, train.MatedImages.Count, train.NonMatedImages.Count));
        Assert.All(train.GalleryImages.Concat(train.MatedImages).Concat(train.NonMatedImages), p => Assert.True(File.Exists(p), p));
        string Person(string path) => Path.GetFileName(Path.GetDirectoryName(path))!;
        var trainPeople = train.GalleryImages.Concat(train.NonMatedImages).Select(Person).ToHashSet();
        Assert.DoesNotContain(test.GalleryImages.Concat(test.NonMatedImages).Select(Person), trainPeople.Contains);
        Assert.Empty(train.NonMatedImages.Select(Person).Intersect(train.GalleryIdentities));   // strangers are in no gallery
        Assert.Equal(train.GalleryIdentities, train.MatedImages.Select(Person));
        Assert.Contains("needed", Assert.Throws<InvalidDataException>(() =>
            OpenSetIdentification.Select(images, Path.Combine(TestData.Lfw, "peopleDevTest.txt"), 5000, 1)).Message);
    }

    [Fact]
    public void Scoring_ranks_every_search_against_the_gallery_with_the_embedder()
    {
        using var cascade = TinyCascade.Load();
        var embedder = new FaceEmbedder(cascade);
        var people = TinyCascade.People.Samples.GroupBy(s => s.Identity).Select(g => g.Select(s => s.Path).ToArray()).ToArray();
        var split = new OpenSetSplit("tiny", people[..4].Select(p => Path.GetFileName(Path.GetDirectoryName(p[0]))!).ToArray(),
            people[..4].Select(p => p[0]).ToArray(), people[..4].Select(p => p[1]).ToArray(), people[4..].Select(p => p[0]).ToArray());
        var scores = OpenSetIdentification.Score(embedder, split);
        Assert.Equal((4, 4), (scores.MatedBest.Length, scores.NonMatedBest.Length));
        Assert.Empty(scores.NoFace);
        // Each rank-1 score is the highest cosine of the search against the four templates, the hit says whether it is the mate's.
        var gallery = embedder.EmbedFiles(split.GalleryImages);
        var mated = embedder.EmbedFiles(split.MatedImages);
        for (var i = 0; i < 4; i++)
        {
            var cosines = gallery.Select(t => EmbeddingMath.Cosine(mated[i], t)).ToArray();
            // Within 1e-6, not rounded to 6 places: the two embed in batches of other sizes, whose float sums differ by ~1e-8.
            Assert.Equal(cosines.Max(), scores.MatedBest[i], 1e-6);
            Assert.Equal(Array.IndexOf(cosines, cosines.Max()) == i, scores.MatedHit[i]);
        }
    }

    private sealed class SplitComparer : IEqualityComparer<OpenSetSplit>
    {
        public bool Equals(OpenSetSplit? x, OpenSetSplit? y) => x!.GalleryImages.SequenceEqual(y!.GalleryImages) && x.NonMatedImages.SequenceEqual(y.NonMatedImages);

        public int GetHashCode(OpenSetSplit obj) => obj.GalleryImages.Count;
    }
}
