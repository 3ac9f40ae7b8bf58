using SrFace.Data;
using SrFace.Degradation;
using SrFace.Models;

namespace SrFace.Training;

/// <summary>
/// The defaults of joint fine-tuning from a pretrained recogniser (issue 9; <c>srface train --pretrained</c> and the
/// default <c>srface demo</c>): the patent's joint training (METHOD.md steps 2-9) started from the model store's weights
/// instead of a random initialisation, with the SR model built for the recogniser's input size.
/// </summary>
/// <remarks>
/// <para>Choices and why: the SR model is <c>vdsr</c>, which restores at S on a bicubic pre-upsampled face, so 150 px
/// (not a multiple of 4 or 8) needs no special case and one multi-scale model (x2..x16 drawn per batch) serves every
/// probe size (docs/conventions.md). The recogniser learns with Adam at 3e-5, without warm restarts
/// and without weight decay (decay would pull pretrained weights towards zero, not towards themselves), and its stem and
/// first stage stay frozen (low-level filters transfer; most of the parameters are later). P x K = 8 x 2 keeps an
/// iteration short at 150 px on a CPU.</para>
/// <para>Measured (docs/RESULTS.md, "Fine-tuning"): with Adam 1e-4, the contrastive margin 1 of the from-scratch
/// recognisers and distillation weight 1, 24 iterations lowered the View 1 accuracy at every probe size (at 19 px from
/// 91.7 to 77.1 % on 48 pairs): Adam moves every weight by about lr per step, and a margin of 1 asks impostor pairs
/// for a cosine below 0.5 where dlib's embedding keeps them near 0.8. With 1e-5 or 3e-5, margin 0.6 and distillation
/// weight 10 the same 100-iteration run gains 10-11.5 points at 10 px and loses nothing at 150 px.</para>
/// </remarks>
public static class FineTuning
{
    /// <summary>Default recogniser learning rate when fine-tuning (Adam), 3e-5 (see the remarks for 1e-4).</summary>
    public const double RecognizerLearningRate = 3e-5;

    /// <summary>
    /// Default contrastive margin when fine-tuning, 0.6 on unit-vector distances (cosine 0.82): about where dlib's
    /// embedding already puts impostor pairs, so the contrastive term sharpens the pretrained geometry instead of
    /// rebuilding it (the from-scratch default, 1, means cosine 0.5).
    /// </summary>
    public const double Margin = 0.6;

    /// <summary>
    /// Default weight of the distillation term (the frozen pretrained recogniser's sharp-face embedding as the target
    /// of the degraded and restored faces' embeddings), 10: it dominates the total, which keeps sharp faces where the
    /// pretrained model put them.
    /// </summary>
    public const double DistillationWeight = 10;

    /// <summary>Default SR learning rate when fine-tuning (Adam), 1e-3.</summary>
    public const double SuperResolutionLearningRate = 1e-3;

    /// <summary>
    /// Default SR-only pre-training steps before the joint run (<see cref="SuperResolutionPretraining"/>), 400. Measured
    /// (docs/RESULTS.md, "SR-only pre-training", paired 150-iteration demo runs): 400 steps take vdsr from 0.41 to 0.79 dB
    /// over bicubic at 38 px (19 px: 0.07 to 0.17 dB); it loses 1.8 dB at 75 px, where recognition is unchanged. The
    /// recognition accuracies of the two runs agree within the noise of 250 pairs: the default rests on the restoration.
    /// </summary>
    public const long SuperResolutionPretrainIterations = 400;

    /// <summary>Share of a time-budgeted fine-tuning (the demo) given to SR-only pre-training, 0.25; the joint run gets the rest.</summary>
    public const double SuperResolutionPretrainShare = 0.25;

    /// <summary>
    /// Restoration limit written into a fine-tuned cascade's manifest (<see cref="Cascade.CascadeManifest.RestorationLimit"/>),
    /// 0.5: a face of a photo goes through vdsr and fusion only when the recogniser's input spans fewer than S/2 of its
    /// pixels, i.e. when it must be upsampled more than x2. Measured (docs/RESULTS.md, "SR-only pre-training"): the
    /// multi-scale vdsr gains 0.79 dB PSNR over bicubic at 38 px (x4) and loses 1.79 dB at 75 px (x2) on held-out LFW
    /// faces; above x2 the recogniser alone sees a face no worse than the SR model would make it.
    /// </summary>
    public const double RestorationLimit = 0.5;

    /// <summary>Default multi-scale range [2, 16] (probes from S/2 down to S/16: 75 to 10 px at 150).</summary>
    public static readonly DegradationRange DefaultScaleRange = new(2, 16);

    /// <summary>
    /// How faces are framed when fine-tuning <paramref name="recognizer"/>: at its input size S, detected and aligned to
    /// its catalogue entry's template by <see cref="FacePreparer"/> when the entry asks for alignment (dlib-resnet: the dlib
    /// chip), the same framing as <see cref="Cascade.FaceRecognitionCascade.FromPretrained"/> gives pipeline (a), so the
    /// pretrained and the fine-tuned recogniser see the same pixels. The centred crop (the entry's fraction unless
    /// <paramref name="cropFraction"/> is given) frames the faces of a recogniser without a template, and LFW images in
    /// which no face is detected.
    /// </summary>
    /// <param name="recognizer">A catalogue recogniser.</param>
    /// <param name="cropFraction">Centred-crop fraction overriding the entry's, or null.</param>
    /// <returns>The preprocessing (RGB).</returns>
    /// <exception cref="ArgumentException">When the recogniser is unknown.</exception>
    public static FacePreprocessing Preprocessing(string recognizer, double? cropFraction = null)
    {
        var entry = ModelCatalog.Recognizers.TryGetValue(recognizer, out var e) ? e
            : throw new ArgumentException($"Unknown recogniser '{recognizer}'; known: {string.Join(", ", ModelCatalog.Recognizers.Keys)}.", nameof(recognizer));
        return new FacePreprocessing(entry.InputSize, cropFraction ?? entry.CentredCropFraction, Alignment: entry.Alignment);
    }

    /// <summary>The fine-tuning defaults for a pretrained catalogue recogniser.</summary>
    /// <param name="recognizer">A recogniser with <see cref="RecognizerEntry.Pretrained"/> weights (default dlib-resnet).</param>
    /// <returns>Options: pretrained recogniser at its own S and D, vdsr SR, multi-scale x2..x16 (nominal x8), recogniser
    /// Adam 3e-5 (no decay), SR Adam 1e-3 after 400 steps of SR-only pre-training, margin 0.6, distillation weight 10,
    /// first 2 stages frozen, lambda 0.1, P x K = 8 x 2, bf16.</returns>
    /// <exception cref="ArgumentException">When the recogniser is unknown or has no pretrained weights.</exception>
    public static JointTrainingOptions Defaults(string recognizer = "dlib-resnet")
    {
        var entry = ModelCatalog.Recognizers.TryGetValue(recognizer, out var e) ? e
            : throw new ArgumentException($"Unknown recogniser '{recognizer}'; known: {string.Join(", ", ModelCatalog.Recognizers.Keys)}.", nameof(recognizer));
        if (entry.Pretrained is null)
            throw new ArgumentException($"Recogniser '{recognizer}' has no pretrained weights to fine-tune from.", nameof(recognizer));
        return new JointTrainingOptions
        {
            Recognizer = entry.Name,
            PretrainedRecognizer = true,
            RecognizerWidth = null,
            EmbeddingSize = entry.EmbeddingSize,
            InputSize = entry.InputSize,
            SuperResolutionModel = "vdsr",
            Degradation = new DegradationOptions(Scale: 8),
            ScaleRange = DefaultScaleRange,
            SuperResolutionOptimizer = new OptimizerOptions(OptimizerKind.Adam, SuperResolutionLearningRate, WeightDecay: 0, WarmupIterations: 10),
            RecognizerOptimizer = new OptimizerOptions(OptimizerKind.Adam, RecognizerLearningRate, WeightDecay: 0, WarmupIterations: 10),
            FrozenRecognizerStages = 2,
            Margin = Margin,
            DistillationWeight = DistillationWeight,
            IdentityWeight = 0.1,
            IdentitiesPerBatch = 8,
            ImagesPerIdentity = 2,
            SuperResolutionPretrainIterations = SuperResolutionPretrainIterations,
            CheckpointEvery = 50,
        };
    }
}
