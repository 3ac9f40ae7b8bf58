using SrFace.Data;
using SrFace.Evaluation;
using static TorchSharp.torch;

namespace SrFace.Training;

/// <summary>
/// The validation accuracy of METHOD.md step 9's accuracy stop (<see cref="StopConditions.TargetValidationAccuracy"/>):
/// the recogniser embeds a fixed sample of HR faces of the held-out validation identities, every pair of them is scored
/// by cosine, and the accuracy at the best threshold on those pairs is returned. The threshold is tuned on the same
/// pairs, so the figure is optimistic: it decides when to stop, it is not a test result.
/// </summary>
public sealed class ValidationAccuracy : IDisposable
{
    private readonly Tensor _faces;
    private readonly int[] _labels;

    /// <summary>Loads up to <paramref name="maxImages"/> faces spread over the validation identities.</summary>
    /// <param name="validation">Held-out identities (<see cref="TrainingData.Validation"/>).</param>
    /// <param name="preprocessing">The training face crop (size S).</param>
    /// <param name="maxImages">Faces to load, at least 2 (all pairs are scored: keep it to a few hundred).</param>
    /// <exception cref="ArgumentException">When the sample has no same-identity or no different-identity pair.</exception>
    public ValidationAccuracy(FaceDataset validation, FacePreprocessing preprocessing, int maxImages = 200)
    {
        ArgumentNullException.ThrowIfNull(validation);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxImages, 2);
        var paths = validation.Count == 0 ? [] : TrainingDataSetup.SpreadSample(validation, maxImages);
        var identity = validation.Samples.ToDictionary(s => s.Path, s => s.Identity, StringComparer.Ordinal);
        var names = paths.Select(p => identity[p]).ToArray();
        _labels = names.Select(n => Array.IndexOf(names, n)).ToArray();
        if (_labels.Distinct().Count() < 2 || _labels.Length == _labels.Distinct().Count())
            throw new ArgumentException($"Validation needs at least two identities and one with two or more images; the sample of {paths.Count} images from {validation.Identities.Count} held-out identities has not (raise the validation fraction).");
        using var scope = NewDisposeScope();
        _faces = new FaceImageLoader(validation, preprocessing).LoadFiles(paths).MoveToOuterDisposeScope().DetachFromDisposeScope();
    }

    /// <summary>Faces in the sample.</summary>
    public int Count => _labels.Length;

    /// <summary>Best-threshold verification accuracy of the trainer's recogniser on all pairs of the sample, in [0, 1].</summary>
    /// <param name="trainer">The trainer (its recogniser is put in eval mode; the next training step sets train mode again).</param>
    /// <returns>The accuracy.</returns>
    public double Measure(JointTrainer trainer)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        trainer.Recognizer.eval();
        var embeddings = cat(Enumerable.Range(0, (Count + 63) / 64)
            .Select(b => trainer.Recognizer.forward(_faces.narrow(0, 64 * b, Math.Min(64, Count - 64 * b))).to(float32)).ToArray(), 0); // [N, D]
        var cosines = embeddings.mm(embeddings.t()).contiguous().data<float>().ToArray();                                              // [N * N]
        var pairs = new List<ScoredPair>(Count * (Count - 1) / 2);
        for (var i = 0; i < Count; i++)
            for (var j = i + 1; j < Count; j++)
                pairs.Add(new ScoredPair(cosines[i * Count + j], _labels[i] == _labels[j]));
        return VerificationThreshold.BestThreshold(pairs).Accuracy;
    }

    /// <inheritdoc />
    public void Dispose() => _faces.Dispose();
}
