using SrFace.Cascade;
using SrFace.Data;
using SrFace.Tests.Training;
using SrFace.Training;
using static TorchSharp.torch;

namespace SrFace.Tests.Recognition;

/// <summary>
/// A tiny joint model (32 px, FSRCNN x4 + FaceResNet-18 width 8, D = 32) trained for 30 steps on the eight small-LFW
/// people (4 images each, every image in every batch), saved once per test run and shared by the recognition and
/// CLI tests. Uncalibrated: it has no threshold.
/// </summary>
internal static class TinyCascade
{
    private static readonly Lazy<(string Path, FaceDataset People)> Trained = new(Train);

    /// <summary>The saved cascade file (load a fresh instance per test with <see cref="Load"/>).</summary>
    public static string ModelPath => Trained.Value.Path;

    /// <summary>The eight people, 4 images each, natural order (the training images).</summary>
    public static FaceDataset People => Trained.Value.People;

    private static readonly Lazy<string> Overflowing = new(SaveOverflowing);

    /// <summary>
    /// A copy of the model whose recogniser weights are all 1e30: finite, so the file loads, but every embedding
    /// overflows to infinity and normalises to NaN (what diverged or damaged weights do).
    /// </summary>
    public static string OverflowingModelPath => Overflowing.Value;

    /// <summary>Loads a fresh instance of the model.</summary>
    public static FaceRecognitionCascade Load() => FaceRecognitionCascade.Load(ModelPath);

    /// <summary>A folder-per-identity copy (symbolic links) of <paramref name="people"/> people of the set, for the CLI commands.</summary>
    public static string IdentityFolders(int people)
    {
        var root = TestData.NewTempDir();
        foreach (var group in People.Samples.GroupBy(s => s.Identity).Take(people))
        {
            var folder = Directory.CreateDirectory(Path.Combine(root, group.Key)).FullName;
            foreach (var sample in group) File.CreateSymbolicLink(Path.Combine(folder, Path.GetFileName(sample.Path)), sample.Path);
        }
        return root;
    }

    private static string SaveOverflowing()
    {
        using var cascade = Load();
        using (no_grad())
            foreach (var parameter in cascade.Recognizer.parameters()) parameter.fill_(1e30f);
        var path = Path.Combine(TestData.NewTempDir(), "overflowing" + FaceRecognitionCascade.Extension);
        cascade.Save(path);
        return path;
    }

    private static (string, FaceDataset) Train()
    {
        var loader = TrainingFixtures.SmallLfwLoader();
        var options = TrainingFixtures.TinyOptions() with { IdentitiesPerBatch = 8, ImagesPerIdentity = 4, Stop = new StopConditions(30) };
        using var trainer = new JointTrainer(options);
        var all = Enumerable.Range(0, loader.Dataset.Count).ToArray();
        for (var step = 0; step < options.Stop.MaxIterations; step++)
        {
            using var scope = NewDisposeScope();
            trainer.Step(loader.LoadBatch(all), loader.LoadLabels(all), step);
        }
        using var cascade = trainer.ToCascade(loader.Preprocessing);
        var path = Path.Combine(TestData.NewTempDir(), "tiny" + FaceRecognitionCascade.Extension);
        cascade.Save(path);
        return (path, loader.Dataset);
    }
}
