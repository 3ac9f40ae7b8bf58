using SrFace.Evaluation;

namespace SrFace.Tests.Evaluation;

public class IdentificationMetricsTests
{
    [Fact]
    public void Cmc_counts_hits_within_each_rank()
    {
        ProbeRanking[] probes =
        [
            new("ann", ["ann", "bob", "cy"]),  // rank 1
            new("bob", ["ann", "bob", "cy"]),  // rank 2
            new("cy", ["ann", "bob", "cy"]),   // rank 3
            new("dee", ["ann", "bob", "cy"]),  // not enrolled: a miss at every rank
        ];
        Assert.Equal([0.25, 0.5, 0.75, 0.75], IdentificationMetrics.Cmc(probes, 4));
        Assert.Equal(0.25, IdentificationMetrics.RankAccuracy(probes));
        Assert.Equal(0.5, IdentificationMetrics.RankAccuracy(probes, 2));
        Assert.Throws<ArgumentException>(() => IdentificationMetrics.Cmc([], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => IdentificationMetrics.RankAccuracy(probes, 0));
    }
}
