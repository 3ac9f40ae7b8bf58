using SrFace.Data;

namespace SrFace.Tests.Data;

public class FaceDatasetTests
{
    private static readonly Lazy<FaceDataset> Lfw = new(() => FaceDataset.FromIdentityFolders(TestData.LfwImages));

    [Fact]
    public void LfwFolderScanGivesPublishedFigures()
    {
        Assert.Equal(new DatasetStatistics(5749, 13233, 1680), Lfw.Value.Statistics());
        var first = Lfw.Value.Samples[0];
        Assert.Equal(Lfw.Value.Identities[0], first.Identity);
        Assert.Equal(0, first.Label);
        Assert.EndsWith("_0001.jpg", first.Path);
        Assert.Equal(Lfw.Value.Identities.Order(StringComparer.Ordinal), Lfw.Value.Identities);
        Assert.All(Lfw.Value.Samples.Take(500), s => Assert.Equal(s.Identity, Lfw.Value.Identities[s.Label]));
    }

    [Fact]
    public void OrlIsFortyPeopleOfTenInNumericOrder()
    {
        var orl = FaceDataset.FromIdentityFolders(TestData.Orl);
        Assert.Equal(new DatasetStatistics(40, 400, 40), orl.Statistics());
        var s2 = orl.Samples.Where(s => s.Identity == "s2").Select(s => Path.GetFileName(s.Path));
        Assert.Equal(Enumerable.Range(1, 10).Select(i => $"{i}.pgm"), s2);
    }

    [Theory]
    [InlineData("peopleDevTrain.txt", 4038)]
    [InlineData("peopleDevTest.txt", 1711)]
    public void ViewOnePeopleListSelectsExactCount(string file, int people)
    {
        var list = PeopleList.Read(Path.Combine(TestData.Lfw, file));
        Assert.Equal(1, list.FoldCount);
        var dataset = FaceDataset.FromIdentityFolders(TestData.LfwImages, list);
        Assert.Equal(people, dataset.Statistics().People);
        Assert.Equal(list.People.Sum(p => p.ImageCount), dataset.Count);
    }

    [Fact]
    public void ViewTwoPeopleListHasTenFoldsCoveringEveryone()
    {
        var list = PeopleList.Read(Path.Combine(TestData.Lfw, "people.txt"));
        Assert.Equal(10, list.FoldCount);
        Assert.Equal(5749, list.People.Count);
        Assert.Equal(13233, list.People.Sum(p => p.ImageCount));
        Assert.Equal(Enumerable.Range(0, 10), list.People.Select(p => p.Fold).Distinct());
    }

    [Theory]
    [InlineData("3\nA\t1\nB\t2\n", 4, "ends")]                  // too few
    [InlineData("1\nA\t1\nB\t2\n", 3, "extra")]                 // too many
    [InlineData("2\nA\t1\nA\tx\n", 3, "image count")]           // not a number
    [InlineData("2\nA\t1\nA\t2\n", 3, "twice")]                 // duplicate
    [InlineData("2\n1\nA\t1\n2\nB\t1\n", 6, "ends")]          // folds: second fold declares 2 people, has 1
    [InlineData("2\n1\nA\t1\nB\t1\n", 4, "fold 2")]           // folds: count line missing
    [InlineData("two\nA\t1\n", 1, "count")]
    public void MalformedPeopleListsNameTheLine(string content, int line, string reason)
    {
        var path = Path.Combine(TestData.NewTempDir(), "people.txt");
        File.WriteAllText(path, content);
        var e = Assert.Throws<LfwFileFormatException>(() => PeopleList.Read(path));
        Assert.Equal(line, e.LineNumber);
        Assert.Contains(path, e.Message);
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void ListedPersonMissingFromFolderIsAnErrorNamingTheLine()
    {
        var path = Path.Combine(TestData.NewTempDir(), "people.txt");
        File.WriteAllText(path, "2\nAaron_Peirsol\t4\nNobody_Here\t1\n");
        var e = Assert.Throws<LfwFileFormatException>(() => FaceDataset.FromIdentityFolders(TestData.LfwImages, PeopleList.Read(path)));
        Assert.Equal(3, e.LineNumber);
        Assert.Contains("Nobody_Here", e.Message);
        File.WriteAllText(path, "1\nAaron_Peirsol\t3\n");
        Assert.Contains("4", Assert.Throws<LfwFileFormatException>(() => FaceDataset.FromIdentityFolders(TestData.LfwImages, PeopleList.Read(path))).Message);
    }

    [Fact]
    public void SplitIsDeterministicIdentityDisjointAndRelabelled()
    {
        var (train, validation) = Lfw.Value.SplitByIdentity(0.1, seed: 42);
        var (train2, validation2) = Lfw.Value.SplitByIdentity(0.1, seed: 42);
        var (_, validation3) = Lfw.Value.SplitByIdentity(0.1, seed: 43);
        Assert.Equal(575, validation.Identities.Count);
        Assert.Equal(5749 - 575, train.Identities.Count);
        Assert.Equal(13233, train.Count + validation.Count);
        Assert.Empty(train.Identities.Intersect(validation.Identities));
        Assert.Equal(validation.Identities, validation2.Identities);
        Assert.Equal(train.Samples, train2.Samples);
        Assert.NotEqual(validation.Identities, validation3.Identities);
        Assert.Equal(Enumerable.Range(0, validation.Identities.Count), validation.Samples.Select(s => s.Label).Distinct().Order());
        Assert.Throws<ArgumentOutOfRangeException>(() => Lfw.Value.SplitByIdentity(1.5, 0));
    }

    [Fact]
    public void MinImagesFilterAndIdentityExclusion()
    {
        var atLeastTwo = Lfw.Value.WithMinImagesPerIdentity(2);
        Assert.Equal(1680, atLeastTwo.Identities.Count);
        Assert.Equal(new DatasetStatistics(1680, atLeastTwo.Count, 1680), atLeastTwo.Statistics());
        var without = atLeastTwo.WithoutIdentities(["Aaron_Peirsol", "Not_A_Person"]);
        Assert.Equal(1679, without.Identities.Count);
        Assert.False(without.Contains("Aaron_Peirsol"));
    }
}
