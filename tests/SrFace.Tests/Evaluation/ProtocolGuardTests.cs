using SrFace.Data;
using SrFace.Evaluation;
using SrFace.Tests.Training;

namespace SrFace.Tests.Evaluation;

public class ProtocolGuardTests
{
    private static LfwPairs ReadPairs(string file) => LfwPairs.Read(Path.Combine(TestData.Lfw, file), TestData.LfwImages, checkImagesExist: false);

    private static HashSet<string> DevTrainPeople() =>
        PeopleList.Read(Path.Combine(TestData.Lfw, "peopleDevTrain.txt")).People.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);

    [Fact]
    public void TrainingOnPeopleDevTrainPassesTheView1Guard()
    {
        var devTest = ReadPairs("pairsDevTest.txt");
        ProtocolGuard.EnsureDisjoint(DevTrainPeople(), devTest);
        Assert.Empty(ProtocolGuard.Overlap(DevTrainPeople(), devTest));
    }

    [Fact]
    public void ATrainingSetWithADevTestIdentityIsRejected()
    {
        var devTest = ReadPairs("pairsDevTest.txt");
        var intruder = devTest.Pairs[0].IdentityA;
        var trained = DevTrainPeople();
        trained.Add(intruder);
        var error = Assert.Throws<ProtocolViolationException>(() => ProtocolGuard.EnsureDisjoint(trained, devTest));
        Assert.Contains(intruder, error.Message);
        Assert.Contains("pairsDevTest.txt", error.Message);
    }

    [Fact]
    public void TheTrainingFixturePeopleIncludeADevTestIdentity()
    {
        // The shared 8-person training fixture contains a DevTest person; the guard must catch exactly those.
        var fixture = TrainingFixtures.SmallLfwLoader().Dataset.Identities.ToHashSet(StringComparer.Ordinal);
        var devTest = ReadPairs("pairsDevTest.txt");
        var expected = fixture.Where(devTest.Identities.Contains).Order(StringComparer.Ordinal).ToArray();
        Assert.NotEmpty(expected);
        Assert.Equal(expected, ProtocolGuard.Overlap(fixture, devTest));
        Assert.Throws<ProtocolViolationException>(() => ProtocolGuard.EnsureDisjoint(fixture, devTest));
    }

    [Fact]
    public void View2ExclusionKeepsExactlyThePairsWithoutTrainedPeople()
    {
        var pairs = ReadPairs("pairs.txt");
        var trained = DevTrainPeople();
        var exclusion = ProtocolGuard.ExcludeTrained(trained, pairs);

        var kept = exclusion.KeptIndices.ToHashSet();
        Assert.Equal(pairs.Pairs.Count, exclusion.TotalPairs);
        for (var i = 0; i < pairs.Pairs.Count; i++)
        {
            var p = pairs.Pairs[i];
            var touchesTraining = trained.Contains(p.IdentityA) || trained.Contains(p.IdentityB);
            Assert.Equal(!touchesTraining, kept.Contains(i));
        }
        Assert.Equal(exclusion.KeptIndices.Order(), exclusion.KeptIndices);
        Assert.Equal(exclusion.KeptIndices.Count, exclusion.KeptPerFold.Sum());
        Assert.Equal(exclusion.KeptIndices.Count, exclusion.KeptMatched + exclusion.KeptMismatched);
        Assert.Equal(exclusion.KeptMatched, exclusion.KeptIndices.Count(i => pairs.Pairs[i].IsSame));
        Assert.Equal(10, exclusion.KeptPerFold.Count);
        Assert.Equal(pairs.Pairs.Count - exclusion.KeptIndices.Count, exclusion.ExcludedPairs);
        // View 2 is drawn from all LFW people, so training on DevTrain people must overlap it, yet leave pairs in every fold.
        Assert.InRange(exclusion.ExcludedPairs, 1, pairs.Pairs.Count - 1);
        Assert.All(exclusion.KeptPerFold, n => Assert.True(n > 0));
    }

    [Fact]
    public void NoTrainingIdentitiesExcludeNothing()
    {
        var pairs = ReadPairs("pairs.txt");
        var exclusion = ProtocolGuard.ExcludeTrained(new HashSet<string>(), pairs);
        Assert.Equal(pairs.Pairs.Count, exclusion.KeptIndices.Count);
        Assert.Equal(0, exclusion.ExcludedPairs);
    }

    [Fact]
    public void IdentitiesAreReadFromPeopleListsAndPlainNameFiles()
    {
        var fromList = ProtocolGuard.ReadIdentities(Path.Combine(TestData.Lfw, "peopleDevTrain.txt"));
        Assert.Equal(DevTrainPeople().Order(), fromList.Order());
        var plain = Path.Combine(TestData.NewTempDir(), "names.txt");
        File.WriteAllLines(plain, ["# trained on", "Tony_Blair", "", "  Colin_Powell  "]);
        Assert.Equal(["Colin_Powell", "Tony_Blair"], ProtocolGuard.ReadIdentities(plain).Order());
        Assert.Throws<FileNotFoundException>(() => ProtocolGuard.ReadIdentities(plain + ".missing"));
    }
}
