namespace SrFace.Data;

/// <summary>One person line of an LFW people list.</summary>
/// <param name="Name">The person's folder name, e.g. <c>Aaron_Peirsol</c>.</param>
/// <param name="ImageCount">Number of images the list says the person has (at least 1).</param>
/// <param name="Fold">0-based fold (set) for View 2 <c>people.txt</c>; 0 for View 1 lists.</param>
/// <param name="LineNumber">1-based line in the list file, for error messages.</param>
public sealed record PersonEntry(string Name, int ImageCount, int Fold, int LineNumber);

/// <summary>
/// An LFW people list (Huang et al. 2007, LFW technical report 07-49, README section 3d), selecting identities.
/// Two layouts are read: View 1 <c>peopleDevTrain.txt</c>/<c>peopleDevTest.txt</c> (first line = number of people,
/// then <c>NAME&lt;TAB&gt;nimages</c> lines) and View 2 <c>people.txt</c> (first line = number of folds, then per fold
/// a count line followed by that many person lines). They are told apart by the second line: a lone number
/// starts a fold. Counts are checked exactly; a person listed twice is an error.
/// </summary>
public sealed class PeopleList
{
    private PeopleList(string sourceFile, IReadOnlyList<PersonEntry> people, int foldCount)
    {
        SourceFile = sourceFile;
        People = people;
        FoldCount = foldCount;
    }

    /// <summary>The list file read.</summary>
    public string SourceFile { get; }

    /// <summary>The people in file order.</summary>
    public IReadOnlyList<PersonEntry> People { get; }

    /// <summary>Number of folds: 10 for View 2 <c>people.txt</c>, 1 for a View 1 list.</summary>
    public int FoldCount { get; }

    /// <summary>Reads and validates a people list.</summary>
    /// <param name="path">The list file.</param>
    /// <returns>The list.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="LfwFileFormatException">A malformed line, a wrong count or a duplicate person (names the line).</exception>
    public static PeopleList Read(string path)
    {
        var lines = new ProtocolLines(path);
        var header = lines.Next("a count");
        if (header.Length != 1) throw lines.Error($"expected one number (people or folds), found {header.Length} fields");
        var first = lines.Integer(header[0], "count", 1, minimum: 1);
        var people = new List<PersonEntry>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        // View 2 when the second line is a lone number (the first fold's size); View 1 otherwise.
        var second = lines.Peek();
        var foldLayout = second.Length == 1 && second[0].All(char.IsAsciiDigit);
        var folds = foldLayout ? first : 1;
        for (var fold = 0; fold < folds; fold++)
        {
            var count = first;
            if (foldLayout)
            {
                var countLine = lines.Next($"the people count of fold {fold + 1}");
                if (countLine.Length != 1) throw lines.Error($"expected the people count of fold {fold + 1}, found {countLine.Length} fields");
                count = lines.Integer(countLine[0], "people count", lines.NextLineNumber - 1);
            }
            for (var i = 0; i < count; i++)
            {
                var tokens = lines.Next($"person {i + 1} of {count}{(foldLayout ? $" in fold {fold + 1}" : "")}");
                var line = lines.NextLineNumber - 1;
                if (tokens.Length != 2) throw lines.Error($"expected 'NAME nimages', found {tokens.Length} fields");
                var images = lines.Integer(tokens[1], "image count", line, minimum: 1);
                if (!seen.Add(tokens[0])) throw lines.Error($"person '{tokens[0]}' is listed twice");
                people.Add(new PersonEntry(tokens[0], images, fold, line));
            }
        }
        lines.ExpectEnd($"{people.Count} people");
        return new PeopleList(path, people, folds);
    }
}
