using SrFace.Data;
using SrFace.Degradation;
using SrFace.Training;

namespace SrFace.Tests.Training;

/// <summary>Small real-data training set-ups shared by the training tests: a few LFW people with 4+ images at 32 px.</summary>
internal static class TrainingFixtures
{
    /// <summary>Tiny options: 32 px input, x4, FSRCNN d=16 m=1, FaceResNet-18 width 8, P=4, K=2.</summary>
    public static JointTrainingOptions TinyOptions(string sr = "fsrcnn", TrainingMode mode = TrainingMode.Joint) => new()
    {
        Mode = mode,
        SuperResolutionModel = sr,
        SuperResolutionWidth = sr == "srgan" ? 8 : 16,
        SuperResolutionBlocks = 1,
        Recognizer = "face-resnet18",
        RecognizerWidth = 8,
        EmbeddingSize = 32,
        InputSize = 32,
        Degradation = new DegradationOptions(Scale: 4),
        IdentitiesPerBatch = 4,
        ImagesPerIdentity = 2,
        Stop = new StopConditions(MaxIterations: 6),
        CheckpointEvery = 3,
        Precision = SrFace.Runtime.ComputePrecision.Float32,
        Seed = 7,
    };

    /// <summary>Eight LFW people with at least 4 images each (32 images), crops at <paramref name="size"/> px, cached.</summary>
    public static FaceImageLoader SmallLfwLoader(int size = 32)
    {
        var people = new[] { "Ariel_Sharon", "Colin_Powell", "George_W_Bush", "Gerhard_Schroeder", "Hugo_Chavez", "Jean_Chretien", "Junichiro_Koizumi", "Tony_Blair" };
        var samples = people.SelectMany(p => Directory.GetFiles(Path.Combine(TestData.LfwImages, p), "*.jpg").Order(StringComparer.Ordinal).Take(4).Select(f => (f, p)));
        var dataset = new FaceDataset(TestData.LfwImages, samples);
        return new FaceImageLoader(dataset, FacePreprocessing.Lfw(size), cacheCrops: true);
    }
}
