using SrFace.Cascade;
using SrFace.Data;
using SrFace.Models;
using static TorchSharp.torch;

namespace SrFace.Training;

/// <summary>
/// METHOD.md step 10: the trained SR model (without its loss) and recogniser of a <see cref="JointTrainer"/> become an
/// inference-only <see cref="FaceRecognitionCascade"/>. Lives with training so that the cascade loads without any
/// training type.
/// </summary>
public static class CascadeBuilder
{
    /// <summary>Builds the cascade from a trainer's models (they are copied, the trainer keeps its own).</summary>
    /// <param name="trainer">A trained joint (or recogniser-only) trainer.</param>
    /// <param name="preprocessing">The face framing the training data used; its size becomes the trainer's input size S.</param>
    /// <param name="fusion">Embedding fusion.</param>
    /// <param name="threshold">Calibrated cosine threshold in [-1, 1], if known.</param>
    /// <returns>A new cascade with copies of the trained weights, in eval mode, float32.</returns>
    /// <exception cref="ArgumentException">When the trainer's options name a model the catalogue cannot build.</exception>
    public static FaceRecognitionCascade ToCascade(this JointTrainer trainer, FacePreprocessing preprocessing, FeatureFusion fusion = FeatureFusion.Mean, double? threshold = null)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentNullException.ThrowIfNull(preprocessing);
        var o = trainer.Options;
        var joint = o.Mode == TrainingMode.Joint;
        var manifest = new CascadeManifest(FaceRecognitionCascade.Kind, FaceRecognitionCascade.FormatVersion,
            joint ? o.SuperResolutionModel : null,
            joint ? new SrModelConfig(o.Degradation.Scale, o.Channels, o.SuperResolutionWidth, o.SuperResolutionBlocks, o.SuperResolutionResidual) : null,
            o.Recognizer, new RecognizerConfig(o.InputSize, o.Channels, o.EmbeddingSize, o.RecognizerWidth),
            preprocessing with { Size = o.InputSize }, o.Degradation.Scale, fusion, threshold, Describe(o),
            RestorationLimit: joint && o.PretrainedRecognizer ? FineTuning.RestorationLimit : null);
        var cascade = FaceRecognitionCascade.Create(manifest);
        CopyWeights(trainer.Recognizer, cascade.Recognizer);
        if (trainer.SuperResolution is not null) CopyWeights(trainer.SuperResolution, cascade.SuperResolution!);
        return cascade;
    }

    /// <summary>The manifest's free-text description of how the model was trained.</summary>
    private static string Describe(JointTrainingOptions o) => o.Mode == TrainingMode.Joint
        ? $"Joint: {o.SuperResolutionModel} {o.ScalesLabel()} + {o.Recognizer}{(o.PretrainedRecognizer ? " fine-tuned from pretrained" : "")} {o.RecognizerShapeLabel()}, lambda={o.IdentityWeight}, kd={o.DistillationWeight}, frozen stages={o.FrozenRecognizerStages}, {o.Stop.MaxIterations} iterations, seed={o.Seed}"
        : $"HR-only baseline: {o.Recognizer} {o.RecognizerShapeLabel()}, {o.Stop.MaxIterations} iterations, seed={o.Seed}";

    private static void CopyWeights(nn.Module from, nn.Module to)
    {
        using var _ = no_grad();
        var source = from.state_dict();
        foreach (var (name, tensor) in to.state_dict()) tensor.copy_(source[name]);
    }
}
