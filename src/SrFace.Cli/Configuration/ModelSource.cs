using SrFace.Cascade;
using SrFace.Models;
using SrFace.Models.Pretrained;

namespace SrFace.Cli.Configuration;

/// <summary>
/// Turns <c>--model</c> / <c>--models</c> into a cascade: an existing file is a trained cascade; otherwise a
/// catalogue name with pretrained weights (default <see cref="DefaultPretrained"/>) is built from the model store.
/// The only place the CLI reads <see cref="ModelStore.EnvironmentVariable"/>.
/// </summary>
internal static class ModelSource
{
    /// <summary>The recogniser used when no <c>--model</c> is given.</summary>
    public const string DefaultPretrained = "dlib-resnet";

    /// <summary>The model store the user means (<c>--models</c>, else the environment variable, else the user cache).</summary>
    public static ModelStore Store(string? modelsFolder) =>
        new(ModelStore.ResolveRoot(modelsFolder, Environment.GetEnvironmentVariable(ModelStore.EnvironmentVariable),
            Environment.GetEnvironmentVariable("XDG_CACHE_HOME"), Environment.GetFolderPath(Environment.SpecialFolder.UserProfile)));

    /// <summary>The model name to show and record: the file path or the pretrained name.</summary>
    public static string Name(string? model) => string.IsNullOrWhiteSpace(model) ? DefaultPretrained : model;

    /// <summary>Whether <paramref name="model"/> means a pretrained recogniser rather than a file.</summary>
    public static bool IsPretrained(string? model) => FaceRecognitionCascade.IsPretrainedName(Name(model));

    /// <summary>Loads the cascade <paramref name="model"/> names.</summary>
    /// <exception cref="FileNotFoundException">When it is neither a file nor a pretrained recogniser.</exception>
    /// <exception cref="ModelStoreException">When the pretrained weights are missing or damaged.</exception>
    /// <exception cref="InvalidDataException">When the file is not a readable cascade.</exception>
    public static FaceRecognitionCascade Load(string? model, string? modelsFolder) => FaceRecognitionCascade.Open(Name(model), Store(modelsFolder));
}
