using SrFace.Data.Sampling;

namespace SrFace.Tests.Data.Sampling;

public class PkBatchSamplerTests
{
    // 12 identities: identity i has (i % 5) + 1 images, shuffled through the label list; labels are sparse ints.
    private static readonly int[] Labels = Enumerable.Range(0, 12)
        .SelectMany(i => Enumerable.Repeat(i * 10 + 7, i % 5 + 1))
        .Select((label, index) => (label, key: index * 7919 % 101)).OrderBy(t => t.key).Select(t => t.label).ToArray();

    [Fact]
    public void EveryBatchHasPDistinctIdentitiesWithKDistinctImages()
    {
        var sampler = new PkBatchSampler(Labels, identitiesPerBatch: 3, imagesPerIdentity: 2, seed: 1);
        for (var t = 0L; t < 20; t++)
        {
            var batch = sampler.BatchAt(t);
            Assert.Equal(6, batch.Length);
            Assert.Equal(6, batch.Distinct().Count());
            var groups = batch.Chunk(2).Select(g => g.Select(i => Labels[i]).Distinct().Single()).ToList();
            Assert.Equal(3, groups.Distinct().Count());
        }
    }

    [Fact]
    public void IdentitiesWithFewerThanKImagesAreSkippedAndCounted()
    {
        var sampler = new PkBatchSampler(Labels, 2, 3, seed: 0);
        var counts = Labels.GroupBy(l => l).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(counts.Count(c => c.Value < 3), sampler.SkippedIdentities);
        Assert.Equal(counts.Where(c => c.Value < 3).Sum(c => c.Value), sampler.SkippedImages);
        Assert.Equal(counts.Count(c => c.Value >= 3), sampler.EligibleIdentities);
        var used = Enumerable.Range(0, 3).SelectMany(sampler.Epoch).SelectMany(b => b).Select(i => Labels[i]).ToHashSet();
        Assert.All(used, l => Assert.True(counts[l] >= 3));
    }

    [Fact]
    public void AnEpochVisitsEachEligibleIdentityAtMostOnceAndDropsTheRemainder()
    {
        var sampler = new PkBatchSampler(Labels, 5, 2, seed: 9); // 9 eligible identities -> 1 batch, 4 dropped
        Assert.Equal(9 / 5, sampler.BatchesPerEpoch);
        var epoch = sampler.Epoch(0).ToList();
        Assert.Equal(sampler.BatchesPerEpoch, epoch.Count);
        var identities = epoch.SelectMany(b => b.Chunk(2).Select(g => Labels[g[0]])).ToList();
        Assert.Equal(identities.Count, identities.Distinct().Count());
    }

    [Fact]
    public void SameSeedGivesSameBatchesAndOtherSeedDiffers()
    {
        var a = new PkBatchSampler(Labels, 3, 2, seed: 5);
        var b = new PkBatchSampler(Labels, 3, 2, seed: 5);
        var c = new PkBatchSampler(Labels, 3, 2, seed: 6);
        var ta = Enumerable.Range(0, 4).SelectMany(a.Epoch).ToList();
        var tb = Enumerable.Range(0, 4).SelectMany(b.Epoch).ToList();
        var tc = Enumerable.Range(0, 4).SelectMany(c.Epoch).ToList();
        Assert.Equal(ta, tb);
        Assert.NotEqual(ta, tc);
        Assert.NotEqual(a.Epoch(0).ToList(), a.Epoch(1).ToList()); // epochs reshuffle
    }

    [Fact]
    public void ResumingAtAnIterationGivesTheSameBatches()
    {
        var run = new PkBatchSampler(Labels, 2, 2, seed: 11);
        var straight = Enumerable.Range(0, 5).SelectMany(run.Epoch).ToList();
        var resumed = new PkBatchSampler(Labels, 2, 2, seed: 11); // fresh process after a checkpoint at iteration 7
        for (var t = 7; t < straight.Count; t++) Assert.Equal(straight[t], resumed.BatchAt(t));
    }

    [Fact]
    public void BadArgumentsThrowClearly()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PkBatchSampler(Labels, 3, 1, seed: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PkBatchSampler(Labels, 1, 2, seed: 0));
        var tooFew = Assert.Throws<ArgumentException>(() => new PkBatchSampler(Labels, 5, 5, seed: 0));
        Assert.Contains("only 2 of 12", tooFew.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new PkBatchSampler(Labels, 2, 2, seed: 0).BatchAt(-1));
    }
}
