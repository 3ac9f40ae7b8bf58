using SrFace.Data;

namespace SrFace.Tests.Data;

public class LfwPairsTests
{
    [Fact]
    public void ViewTwoHasTenFoldsOfSixHundred()
    {
        var pairs = LfwPairs.Read(Path.Combine(TestData.Lfw, "pairs.txt"), TestData.LfwImages);
        Assert.Equal(6000, pairs.Pairs.Count);
        Assert.Equal((10, 300), (pairs.FoldCount, pairs.MatchedPerFold));
        foreach (var fold in pairs.Pairs.GroupBy(p => p.Fold))
        {
            Assert.Equal(300, fold.Count(p => p.IsSame));
            Assert.Equal(300, fold.Count(p => !p.IsSame));
            Assert.True(fold.Take(300).All(p => p.IsSame)); // matched block first
        }
        var first = pairs.Pairs[0];
        Assert.Equal(2, first.LineNumber);
        Assert.True(first.IsSame);
        Assert.Equal(first.IdentityA, first.IdentityB);
        Assert.Equal(Path.Combine(TestData.LfwImages, first.IdentityA, $"{first.IdentityA}_0001.jpg"), first.PathA);
        Assert.All(pairs.Pairs.Where(p => !p.IsSame), p => Assert.NotEqual(p.IdentityA, p.IdentityB));
        Assert.Contains(first.IdentityA, pairs.Identities);
        Assert.Empty(pairs.MissingImages());
    }

    [Theory]
    [InlineData("pairsDevTrain.txt", 2200)]
    [InlineData("pairsDevTest.txt", 1000)]
    public void ViewOneFilesHaveExactCounts(string file, int count)
    {
        var pairs = LfwPairs.Read(Path.Combine(TestData.Lfw, file), TestData.LfwImages);
        Assert.Equal(count, pairs.Pairs.Count);
        Assert.Equal(1, pairs.FoldCount);
        Assert.Equal(count / 2, pairs.Pairs.Count(p => p.IsSame));
    }

    [Fact]
    public void ASubsetIsBalancedSpreadAndInFileOrder()
    {
        var all = LfwPairs.Read(Path.Combine(TestData.Lfw, "pairsDevTest.txt"), TestData.LfwImages, checkImagesExist: false);
        var subset = all.Subset(100);
        Assert.Equal(100, subset.Pairs.Count);
        Assert.Equal(50, subset.Pairs.Count(p => p.IsSame));
        Assert.Equal(subset.Pairs.OrderBy(p => p.LineNumber), subset.Pairs);
        Assert.True(subset.Pairs[^1].LineNumber - subset.Pairs[0].LineNumber > all.Pairs.Count * 0.9, "spread over the whole file");
        Assert.Same(all, all.Subset(5000));
        Assert.Equal(subset.Pairs, all.Subset(100).Pairs); // deterministic
    }

    [Fact]
    public void MissingImagesAreReportedWithTheirLines()
    {
        // Line 3 names Aaron_Peirsol image 9 (he has 4), line 5 Abba_Eban image 7: both lines are named.
        var path = Path.Combine(TestData.NewTempDir(), "pairs.txt");
        File.WriteAllText(path, "2\nAaron_Peirsol 1 2\nAaron_Peirsol 3 9\nAaron_Peirsol 1 Abba_Eban 1\nAaron_Peirsol 2 Abba_Eban 7\n");
        var pairs = LfwPairs.Read(path, TestData.LfwImages, checkImagesExist: false);
        var missing = pairs.MissingImageLines();
        Assert.Equal([3, 5], missing.Select(m => m.Line));
        Assert.EndsWith("Aaron_Peirsol_0009.jpg", missing[0].Path);
        Assert.EndsWith("Abba_Eban_0007.jpg", missing[1].Path);

        var errors = SrFace.Cli.Commands.DataCommand.MissingImageErrors("pairs.txt", pairs, max: 1).ToArray();
        Assert.Equal(2, errors.Length);
        Assert.StartsWith("pairs.txt line 3: image missing: ", errors[0]);
        Assert.Contains("1 more", errors[1]);
    }

    [Fact]
    public void DevTrainAndDevTestPeopleAreDisjoint()
    {
        var train = LfwPairs.Read(Path.Combine(TestData.Lfw, "pairsDevTrain.txt"), TestData.LfwImages, checkImagesExist: false);
        var test = LfwPairs.Read(Path.Combine(TestData.Lfw, "pairsDevTest.txt"), TestData.LfwImages, checkImagesExist: false);
        Assert.Empty(train.Identities.Intersect(test.Identities));
    }

    [Theory]
    [InlineData("2\nAaron_Peirsol 1 2\nAaron_Peirsol\t3\t4\nAaron_Peirsol 1 Abba_Eban 1\n", 5, "ends")]        // too few lines (line 5 is past the end)
    [InlineData("1\nAaron_Peirsol 1 2\nAaron_Peirsol 1 Abba_Eban 1\nAbba_Eban 1 Aaron_Peirsol 2\n", 4, "extra")] // too many
    [InlineData("1\nAaron_Peirsol 1 2\nAaron_Peirsol 3 4\n", 3, "mismatched")]                                  // matched where mismatched expected
    [InlineData("1\nAaron_Peirsol 1 two\nAaron_Peirsol 1 Abba_Eban 1\n", 2, "image index")]                   // non-numeric
    [InlineData("1\nAaron_Peirsol 1 2\nAaron_Peirsol 1 Aaron_Peirsol 2\n", 3, "one person")]                  // same person mismatched
    [InlineData("1\nAaron_Peirsol 1 9\nAaron_Peirsol 1 Abba_Eban 1\n", 2, "not found")]                       // missing image
    [InlineData("10 300 7\n", 1, "header")]
    [InlineData("1\n\nAaron_Peirsol 1 2\nAaron_Peirsol 1 Abba_Eban 1\n", 2, "blank")]
    [InlineData("1\nAaron_Peirsol/Aaron_Peirsol_0001.jpg Abba_Eban/Abba_Eban_0001.jpg\nAaron_Peirsol 1 Abba_Eban 1\n", 2, "two identities")] // matched paths, two people
    [InlineData("1\nAaron_Peirsol 1 2\nAbba_Eban/Abba_Eban_0001.jpg Abba_Eban/Abba_Eban_0002.jpg\n", 3, "one person")]             // mismatched paths, one person
    [InlineData("1\nAaron_Peirsol 1 2\n/tmp/a.jpg Abba_Eban/Abba_Eban_0001.jpg\n", 3, "IDENTITY/FILE")]                           // absolute path
    [InlineData("1\nAaron_Peirsol 1 2\nAaron_Peirsol_0001.jpg Abba_Eban/Abba_Eban_0001.jpg\n", 3, "IDENTITY/FILE")]               // no identity folder
    [InlineData("1\nAaron_Peirsol 1 2\n../x/a.jpg Abba_Eban/Abba_Eban_0001.jpg\n", 3, "IDENTITY/FILE")]                           // leaves the folder
    [InlineData("1\nAaron_Peirsol 1 2 3 4\nAaron_Peirsol 1 Abba_Eban 1\n", 2, "found 5 fields")]
    [InlineData("1\nAaron_Peirsol 1\nAaron_Peirsol 1 Abba_Eban 1\n", 2, "found 2 fields")]                                 // short LFW line, not two paths
    public void MalformedPairsNameFileAndLine(string content, int line, string reason)
    {
        var path = Path.Combine(TestData.NewTempDir(), "pairs.txt");
        File.WriteAllText(path, content);
        var e = Assert.Throws<LfwFileFormatException>(() => LfwPairs.Read(path, TestData.LfwImages));
        Assert.Equal(line, e.LineNumber);
        Assert.Contains($"{path}, line {line}", e.Message);
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void PairLinesMayNameImagePathsAndFoldsComeFromTheHeader()
    {
        // Any folder-per-identity set: LFW lines and relative-path lines mixed, 2 folds of 1 + 1 pairs.
        var path = Path.Combine(TestData.NewTempDir(), "pairs.txt");
        File.WriteAllText(path, "2 1\nAaron_Peirsol/Aaron_Peirsol_0003.jpg Aaron_Peirsol/Aaron_Peirsol_0004.jpg\nAaron_Peirsol 1 Abel_Pacheco 1\n" +
                                "Abel_Pacheco 1 2\nAbel_Pacheco/Abel_Pacheco_0002.jpg\tAaron_Peirsol/Aaron_Peirsol_0002.jpg\n");
        var pairs = LfwPairs.Read(path, TestData.LfwImages);
        Assert.Equal((2, 1), (pairs.FoldCount, pairs.MatchedPerFold));
        Assert.Equal([0, 0, 1, 1], pairs.Pairs.Select(p => p.Fold));
        Assert.Equal([true, false, true, false], pairs.Pairs.Select(p => p.IsSame));
        var first = pairs.Pairs[0];
        Assert.Equal(("Aaron_Peirsol", "Aaron_Peirsol", 2), (first.IdentityA, first.IdentityB, first.LineNumber));
        Assert.Equal(Path.Combine(TestData.LfwImages, "Aaron_Peirsol", "Aaron_Peirsol_0004.jpg"), first.PathB);
        Assert.Equal(("Abel_Pacheco", "Aaron_Peirsol"), (pairs.Pairs[3].IdentityA, pairs.Pairs[3].IdentityB));
        Assert.Equal(["Aaron_Peirsol", "Abel_Pacheco"], pairs.Identities.Order(StringComparer.Ordinal));
    }
}
