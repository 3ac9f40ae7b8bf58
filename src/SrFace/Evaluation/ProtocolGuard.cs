using SrFace.Data;

namespace SrFace.Evaluation;

/// <summary>Thrown when a model was trained on identities that the evaluation protocol tests on.</summary>
/// <param name="message">Names the pairs file and some of the overlapping identities.</param>
public sealed class ProtocolViolationException(string message) : InvalidOperationException(message);

/// <summary>The pairs of a pairs file that remain after removing every pair with a trained identity.</summary>
/// <param name="SourceFile">The pairs file.</param>
/// <param name="TotalPairs">Pairs in the file.</param>
/// <param name="KeptIndices">Indices (into <see cref="LfwPairs.Pairs"/>) of pairs whose two identities were both not trained on, ascending.</param>
/// <param name="KeptPerFold">Kept pairs per fold (index = fold).</param>
/// <param name="KeptMatched">Kept matched (same-person) pairs.</param>
/// <param name="KeptMismatched">Kept mismatched pairs.</param>
public sealed record PairExclusion(string SourceFile, int TotalPairs, [property: System.Text.Json.Serialization.JsonIgnore] IReadOnlyList<int> KeptIndices, IReadOnlyList<int> KeptPerFold, int KeptMatched, int KeptMismatched)
{
    /// <summary>Pairs removed because an identity was trained on.</summary>
    public int ExcludedPairs => TotalPairs - KeptIndices.Count;
}

/// <summary>
/// Keeps training identities out of evaluation. LFW View 1 (Huang et al. 2007, README section 3c) splits people into
/// DevTrain and DevTest, so a model may use DevTrain people and must not have seen a DevTest person. View 2
/// (<c>pairs.txt</c>) is drawn from all people, so a model trained on <c>peopleDevTrain.txt</c> overlaps its folds; SrFace
/// then scores View 2 only on the pairs whose two people were both outside the training set
/// (<see cref="ExcludeTrained"/>), keeps the 10 folds as the file defines them and reports how many pairs remain.
/// </summary>
public static class ProtocolGuard
{
    /// <summary>Identities shared by the training set and the pairs file.</summary>
    /// <param name="trainingIdentities">Names of the people trained on (LFW folder names).</param>
    /// <param name="pairs">The pairs file.</param>
    /// <returns>The overlapping names, ordinal order.</returns>
    public static IReadOnlyList<string> Overlap(IReadOnlySet<string> trainingIdentities, LfwPairs pairs)
    {
        ArgumentNullException.ThrowIfNull(trainingIdentities);
        ArgumentNullException.ThrowIfNull(pairs);
        return pairs.Identities.Where(trainingIdentities.Contains).Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>Throws when any identity of a test pairs file (View 1 <c>pairsDevTest.txt</c>) was trained on.</summary>
    /// <param name="trainingIdentities">Names of the people trained on.</param>
    /// <param name="testPairs">The test pairs.</param>
    /// <exception cref="ProtocolViolationException">When an identity of <paramref name="testPairs"/> is in the training set; the message names the file, the count and the first few names.</exception>
    public static void EnsureDisjoint(IReadOnlySet<string> trainingIdentities, LfwPairs testPairs)
    {
        var overlap = Overlap(trainingIdentities, testPairs);
        if (overlap.Count > 0)
            throw new ProtocolViolationException(
                $"{testPairs.SourceFile}: {overlap.Count} of its {testPairs.Identities.Count} identities were trained on (e.g. {string.Join(", ", overlap.Take(5))}); " +
                "test identities must never be seen in training. Train on peopleDevTrain.txt people only.");
    }

    /// <summary>Finds the pairs whose two identities were both not trained on (the View 2 exclusion).</summary>
    /// <param name="trainingIdentities">Names of the people trained on.</param>
    /// <param name="pairs">The pairs file (View 2 <c>pairs.txt</c>).</param>
    /// <returns>The kept pair indices and counts.</returns>
    public static PairExclusion ExcludeTrained(IReadOnlySet<string> trainingIdentities, LfwPairs pairs)
    {
        ArgumentNullException.ThrowIfNull(trainingIdentities);
        ArgumentNullException.ThrowIfNull(pairs);
        var kept = new List<int>();
        var perFold = new int[pairs.FoldCount];
        int matched = 0, mismatched = 0;
        for (var i = 0; i < pairs.Pairs.Count; i++)
        {
            var p = pairs.Pairs[i];
            if (trainingIdentities.Contains(p.IdentityA) || trainingIdentities.Contains(p.IdentityB)) continue;
            kept.Add(i);
            perFold[p.Fold]++;
            if (p.IsSame) matched++; else mismatched++;
        }
        return new PairExclusion(pairs.SourceFile, pairs.Pairs.Count, kept, perFold, matched, mismatched);
    }

    /// <summary>Reads training identities from a file: an LFW people list (<see cref="PeopleList"/> layout) or one name per line.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The names (ordinal comparison).</returns>
    /// <exception cref="FileNotFoundException">When the file does not exist.</exception>
    /// <exception cref="LfwFileFormatException">When it looks like a people list (first line a number) but is malformed.</exception>
    public static IReadOnlySet<string> ReadIdentities(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Training identities file not found: {path}", path);
        var first = File.ReadLines(path).FirstOrDefault(l => l.Trim().Length > 0)?.Trim() ?? "";
        if (first.Length > 0 && first.All(char.IsAsciiDigit))
            return PeopleList.Read(path).People.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        return File.ReadLines(path).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))
            .ToHashSet(StringComparer.Ordinal);
    }
}
