using System.Text.Json;
using SrFace.IO;

namespace SrFace.Training;

/// <summary>
/// A resumable snapshot of a training run: the options, the next iteration, every model's weights, every optimiser's
/// state (momentum buffers, Adam moments) and the plateau tracker. One file (<see cref="ModelArchive"/>), written
/// atomically, so a run killed at any moment resumes from the last complete checkpoint. Batches, degradations,
/// dropout and learning rates are pure functions of (seed, iteration), so a resumed run repeats the uninterrupted one.
/// </summary>
public static class TrainingCheckpoint
{
    /// <summary>The artefact kind in the manifest.</summary>
    public const string Kind = "srface-checkpoint";

    /// <summary>The format version this build writes.</summary>
    public const int FormatVersion = 1;

    /// <summary>The checkpoint file name inside a run folder.</summary>
    public const string FileName = "checkpoint.srfc";

    /// <summary>Checkpoint manifest.</summary>
    /// <param name="Kind">Always <see cref="TrainingCheckpoint.Kind"/>.</param>
    /// <param name="FormatVersion">The file format version.</param>
    /// <param name="NextIteration">The first iteration a resumed run executes (= iterations completed).</param>
    /// <param name="OptionsJson">The run's options as JSON (a resumed run must use the same options).</param>
    public sealed record Manifest(string Kind, int FormatVersion, long NextIteration, string OptionsJson);

    /// <summary>Writes a checkpoint atomically.</summary>
    /// <param name="path">Target file.</param>
    /// <param name="trainer">The trainer whose models and optimisers are saved.</param>
    /// <param name="nextIteration">Iterations completed so far.</param>
    /// <param name="plateau">The plateau tracker state.</param>
    /// <exception cref="IOException">When the file cannot be written.</exception>
    public static void Save(string path, JointTrainer trainer, long nextIteration, PlateauTracker plateau)
    {
        var entries = new Dictionary<string, Action<BinaryWriter>>
        {
            ["recognizer.bin"] = ModelArchive.StateOf(trainer.Recognizer),
            ["recognizer-optimizer.bin"] = w => StateDictIO.SaveOptimizer(w, trainer.RecognizerOptimizer),
            ["plateau.bin"] = plateau.Save,
        };
        if (trainer.SuperResolution is { } sr)
        {
            entries["sr.bin"] = ModelArchive.StateOf(sr);
            entries["sr-optimizer.bin"] = w => StateDictIO.SaveOptimizer(w, trainer.SuperResolutionOptimizer!);
        }
        if (trainer.Discriminator is { } d)
        {
            entries["discriminator.bin"] = ModelArchive.StateOf(d);
            entries["discriminator-optimizer.bin"] = w => StateDictIO.SaveOptimizer(w, trainer.DiscriminatorOptimizer!);
        }
        ModelArchive.Write(path, new Manifest(Kind, FormatVersion, nextIteration, TrainingOptionsJson.Serialize(trainer.Options)), entries);
    }

    /// <summary>Reads a checkpoint's manifest only (to learn its options and iteration before building a trainer).</summary>
    /// <param name="path">A checkpoint file.</param>
    /// <returns>The manifest.</returns>
    /// <exception cref="InvalidDataException">When the file is not an SrFace checkpoint (message names the file).</exception>
    public static Manifest ReadManifest(string path)
    {
        var (zip, manifest) = OpenArchive(path);
        zip.Dispose();
        return manifest;
    }

    /// <summary>Loads weights and optimiser states into a trainer built with the checkpoint's options.</summary>
    /// <param name="path">A checkpoint file.</param>
    /// <param name="trainer">A trainer with the same options (so the same architectures).</param>
    /// <param name="plateau">Receives the plateau tracker state.</param>
    /// <returns>The next iteration to run.</returns>
    /// <exception cref="InvalidDataException">When the file is not a checkpoint, or was written with other options or architectures.</exception>
    public static long Load(string path, JointTrainer trainer, PlateauTracker plateau)
    {
        var (zip, manifest) = OpenArchive(path);
        using (zip)
        {
            var current = TrainingOptionsJson.Serialize(trainer.Options);
            if (current != manifest.OptionsJson)
                throw new InvalidDataException($"{path} was written with other training options; resume with the run's own options.json.");
            ModelArchive.ReadEntry(zip, path, "recognizer.bin", r => StateDictIO.LoadModule(r, trainer.Recognizer));
            ModelArchive.ReadEntry(zip, path, "recognizer-optimizer.bin", r => StateDictIO.LoadOptimizer(r, trainer.RecognizerOptimizer));
            if (trainer.SuperResolution is { } sr)
            {
                ModelArchive.ReadEntry(zip, path, "sr.bin", r => StateDictIO.LoadModule(r, sr));
                ModelArchive.ReadEntry(zip, path, "sr-optimizer.bin", r => StateDictIO.LoadOptimizer(r, trainer.SuperResolutionOptimizer!));
            }
            if (trainer.Discriminator is { } d)
            {
                ModelArchive.ReadEntry(zip, path, "discriminator.bin", r => StateDictIO.LoadModule(r, d));
                ModelArchive.ReadEntry(zip, path, "discriminator-optimizer.bin", r => StateDictIO.LoadOptimizer(r, trainer.DiscriminatorOptimizer!));
            }
            ModelArchive.ReadEntry(zip, path, "plateau.bin", plateau.Load);
            return manifest.NextIteration;
        }
    }

    private static (System.IO.Compression.ZipArchive, Manifest) OpenArchive(string path) =>
        ModelArchive.Open<Manifest>(path, Kind, m => m.Kind, m => m.FormatVersion, FormatVersion);
}

/// <summary>JSON form of <see cref="JointTrainingOptions"/> (enums as names, indented), as saved in <c>options.json</c>.</summary>
public static class TrainingOptionsJson
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    /// <summary>Serialises options to indented JSON.</summary>
    /// <param name="options">The options.</param>
    public static string Serialize(JointTrainingOptions options) => JsonSerializer.Serialize(options, Json);

    /// <summary>Parses options written by <see cref="Serialize"/> (or by hand, with the same property names).</summary>
    /// <param name="json">JSON text.</param>
    /// <param name="source">File name or description, for error messages.</param>
    /// <exception cref="FormatException">When the JSON is malformed or has values of the wrong type (message names <paramref name="source"/>).</exception>
    public static JointTrainingOptions Deserialize(string json, string source)
    {
        try
        {
            return JsonSerializer.Deserialize<JointTrainingOptions>(json, Json)
                ?? throw new FormatException($"{source}: empty training options.");
        }
        catch (JsonException e)
        {
            throw new FormatException($"{source}: invalid training options ({e.Message}).", e);
        }
    }
}
