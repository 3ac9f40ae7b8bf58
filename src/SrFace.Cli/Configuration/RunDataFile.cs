using System.Text.Json;
using System.Text.Json.Serialization;
using SrFace.Models;
using SrFace.Training;

namespace SrFace.Cli.Configuration;

/// <summary>
/// Where a run's faces come from, saved as <c>data.json</c> in the run folder beside <c>options.json</c> so that
/// <c>--resume</c> rebuilds the same training set (the crop and the split are not training options).
/// </summary>
/// <param name="DataRoot">The datasets folder (absolute).</param>
/// <param name="PeopleFile">The people list (absolute), or null for every identity folder.</param>
/// <param name="CropFraction">Centred crop as a fraction of the shorter image side (with alignment: the frame of images
/// in which no face is detected).</param>
/// <param name="ValidationFraction">Fraction of identities held out for the PSNR check.</param>
/// <param name="SplitSeed">Seed of the identity split.</param>
/// <param name="Alignment">How faces are framed: the centred crop, or detection + alignment to a pretrained recogniser's
/// template (<see cref="FineTuning.Preprocessing"/>). Runs written before alignment existed have none: centred crop.</param>
internal sealed record RunData(string DataRoot, string? PeopleFile, double CropFraction, double ValidationFraction, int SplitSeed,
    FaceAlignmentTemplate Alignment = FaceAlignmentTemplate.CentredCrop)
{
    /// <summary>File name inside the run folder.</summary>
    public const string FileName = "data.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Converters = { new JsonStringEnumConverter() } };

    /// <summary>The LFW image folder under <see cref="DataRoot"/>.</summary>
    public string ImagesRoot => Path.Combine(DataRoot, TrainingDataSetup.LfwImagesFolder);

    /// <summary>Writes <c>data.json</c> into <paramref name="runFolder"/>.</summary>
    public void Save(string runFolder) => AtomicFile.WriteText(Path.Combine(runFolder, FileName), JsonSerializer.Serialize(this, Json));

    /// <summary>Reads <c>data.json</c> from <paramref name="runFolder"/>.</summary>
    /// <exception cref="FileNotFoundException">When the run folder has no <c>data.json</c>.</exception>
    /// <exception cref="FormatException">When the file is malformed.</exception>
    public static RunData Load(string runFolder)
    {
        var path = Path.Combine(runFolder, FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} not found: {runFolder} is not a run folder written by 'srface train'.", path);
        try
        {
            return JsonSerializer.Deserialize<RunData>(File.ReadAllText(path), Json) ?? throw new FormatException($"{path} is empty.");
        }
        catch (JsonException e)
        {
            throw new FormatException($"{path}: malformed ({e.Message}).", e);
        }
    }
}
