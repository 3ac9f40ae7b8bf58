using SrFace.Data;
using SrFace.Degradation;
using SrFace.Models;
using SrFace.Models.Recognition;
using SrFace.Models.SuperResolution;
using SrFace.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace SrFace.Cascade;

/// <summary>
/// The image recognition model of the method, inference only: the trained SR model (without its loss) cascaded into
/// the trained recogniser (METHOD.md step 10), with the face preprocessing and the calibrated verification threshold,
/// saved and loaded as one file (<c>FaceRecognitionCascade.Files.cs</c>; built from a trainer in
/// <c>SrFace.Training.CascadeBuilder</c>). Inference (METHOD.md step 12): preprocess (<see cref="Preparer"/>), decide
/// from the face's size in the photo whether it is a low-quality probe (<see cref="NeedsRestoration"/>), and if so
/// restore it, embed the probe (bicubic-upsampled to the recogniser's input) and the restored image and fuse the two
/// embeddings (<see cref="Embed"/>); a large face goes through the recogniser alone.
/// </summary>
/// <remarks>
/// A cascade without an SR model is a plain recogniser (the HR-only baseline); its low-resolution path is then
/// bicubic upsampling alone. All embedding methods run in <c>eval()</c> mode under no-grad and return float32
/// L2-normalised embeddings that survive the caller's dispose scope.
/// </remarks>
public sealed partial class FaceRecognitionCascade : IDisposable
{
    /// <summary>The artefact kind in the manifest.</summary>
    public const string Kind = "srface-cascade";

    /// <summary>The format version this build writes and the newest it reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>
    /// The smallest face side in pixels SrFace accepts as a probe (the x16 probe of a 64 px model); smaller crops carry
    /// no identity and would give meaningless similarities.
    /// </summary>
    public const int MinimumFaceSide = 4;

    /// <summary>
    /// The one rule for a probe size (<c>--probe-size</c>, <c>?probeSize=</c>, <c>srface export --probe-size</c>): a face
    /// degraded to p x p pixels with <see cref="MinimumFaceSide"/> &lt;= p &lt;= S, the recogniser input.
    /// </summary>
    /// <param name="probeSize">The probe side in pixels, or null (no degradation: always valid).</param>
    /// <param name="inputSize">The recogniser input side S in pixels.</param>
    /// <exception cref="ArgumentException">When the size is outside that range (the message gives the range).</exception>
    public static void CheckProbeSize(int? probeSize, int inputSize)
    {
        if (probeSize is { } p && (p < MinimumFaceSide || p > inputSize))
            throw new ArgumentException($"A probe size is the side of a face degraded below the model input: {MinimumFaceSide}..{inputSize} px for this model (S = {inputSize}); got {p}.", nameof(probeSize));
    }

    /// <summary>Conventional file extension of cascade files.</summary>
    public const string Extension = ".srface";

    private FacePreparer? _preparer;

    private FaceRecognitionCascade(CascadeManifest manifest, SuperResolutionModel? sr, FaceRecognizer recognizer)
    {
        Manifest = manifest;
        SuperResolution = sr;
        Recognizer = recognizer;
        SuperResolution?.eval();
        Recognizer.eval();
        // The cascade's models are its own copies, for inference: their bfloat16 (and affine-folded) kernels are made once.
        if (SuperResolution is not null) Models.Blocks.InferenceKernels.Freeze(SuperResolution);
        Models.Blocks.InferenceKernels.Freeze(Recognizer);
    }

    /// <summary>The file this cascade was loaded from (for error messages), or null when it was built in memory.</summary>
    public string? SourcePath { get; private set; }

    /// <summary>The manifest (names, configurations, preprocessing, threshold).</summary>
    public CascadeManifest Manifest { get; private set; }

    /// <summary>The SR model, or null for a recogniser-only model. Its weights are fixed once the cascade is built or
    /// loaded: with autograd off it keeps its bfloat16 kernels between calls, so weights changed in place after the first
    /// bfloat16 call would not be seen.</summary>
    public SuperResolutionModel? SuperResolution { get; }

    /// <summary>The recogniser. Its weights are fixed once the cascade is built or loaded: with autograd off it keeps its
    /// bfloat16 kernels (and dlib-resnet its affine-folded kernels) between calls, so weights changed in place after the
    /// first call would not be seen.</summary>
    public FaceRecognizer Recognizer { get; }

    /// <summary>Recogniser input side S in pixels.</summary>
    public int InputSize => Recognizer.InputSize;

    /// <summary>Side in pixels of the SR model's nominal input, floor(S / scale) (the scale trained for; a pre-upsampled
    /// SR model takes any size).</summary>
    public int LowResolutionSize => InputSize / Manifest.Scale;

    /// <summary>
    /// The recogniser's embedding width D. <see cref="EmbedLowResolution(Tensor)"/> returns 2D-wide embeddings under
    /// <see cref="FeatureFusion.Concatenate"/>; <see cref="Recognition.FaceEmbedder.EmbeddingDimension"/> is the width a
    /// gallery stores.
    /// </summary>
    public int EmbeddingSize => Recognizer.EmbeddingSize;

    /// <summary>Width of every embedding <see cref="Embed"/> returns: D, or 2D under <see cref="FeatureFusion.Concatenate"/>
    /// with an SR model (the width a gallery of this model stores).</summary>
    public int EmbeddingDimension => Concatenates ? 2 * EmbeddingSize : EmbeddingSize;

    /// <summary>
    /// The restoration limit r in use (<see cref="CascadeManifest.RestorationLimit"/>, else
    /// <see cref="CascadeManifest.DefaultRestorationLimit"/>): a face is restored when, framed the way the recogniser's
    /// template frames it, it spans fewer than r x S pixels of the photo.
    /// </summary>
    public double RestorationLimit => Manifest.RestorationLimit ?? CascadeManifest.DefaultRestorationLimit;

    private bool Concatenates => SuperResolution is not null && Manifest.Fusion == FeatureFusion.Concatenate;

    /// <summary>Face framing (centred crop or alignment template) and input size of this model.</summary>
    public FacePreprocessing Preprocessing => Manifest.Preprocessing;

    /// <summary>The face detector (with 68 landmarks) used when <see cref="Preprocessing"/> aligns faces; null otherwise. Disposed with the cascade.</summary>
    public Detection.FaceDetector? Detector { get; private set; }

    /// <summary>
    /// The preprocessing stage of this model (<see cref="FacePreparer"/>): the first step of every path that embeds
    /// image files (CLI, evaluation, server).
    /// </summary>
    /// <exception cref="InvalidOperationException">When the model aligns faces and no detector was loaded (see <see cref="Load"/>).</exception>
    public FacePreparer Preparer => _preparer ??= Preprocessing.Alignment == FaceAlignmentTemplate.CentredCrop || Detector is not null
        ? new FacePreparer(Preprocessing, Detector)
        : throw new InvalidOperationException($"This model aligns faces ({Preprocessing.Alignment}): load it with the model store, which holds the face detector.");

    /// <summary>Calibrated cosine threshold (same person when similarity &gt;= threshold), or null.</summary>
    public double? Threshold => Manifest.Threshold;

    /// <summary>Calibrated open-set identification threshold (<see cref="CascadeManifest.OpenSetThreshold"/>), or null.</summary>
    public double? OpenSetThreshold => Manifest.OpenSetThreshold;

    /// <summary>Sets the open-set identification threshold (saved with the model).</summary>
    /// <param name="threshold">Cosine similarity in [-1, 1].</param>
    /// <exception cref="ArgumentOutOfRangeException">When outside [-1, 1] or not finite.</exception>
    public void CalibrateOpenSet(double threshold)
    {
        if (!(threshold >= -1 && threshold <= 1)) throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "A cosine threshold lies in [-1, 1].");
        Manifest = Manifest with { OpenSetThreshold = threshold };
    }

    /// <summary>Compute precision of both models at inference (float32 by default).</summary>
    public ComputePrecision Precision
    {
        get => Recognizer.Precision;
        set { Recognizer.Precision = value; if (SuperResolution is not null) SuperResolution.Precision = value; }
    }

    /// <summary>Changes how faces are prepared for this model (e.g. another centred-crop fraction); saved with the model.</summary>
    /// <param name="preprocessing">The new preprocessing; its size is set to the recogniser input S.</param>
    /// <exception cref="ArgumentOutOfRangeException">When it is out of range.</exception>
    public void UsePreprocessing(FacePreprocessing preprocessing)
    {
        var p = (preprocessing ?? throw new ArgumentNullException(nameof(preprocessing))) with { Size = InputSize };
        p.Validate();
        Manifest = Manifest with { Preprocessing = p };
        _preparer = null;
    }

    /// <summary>Sets the calibrated verification threshold (saved with the model).</summary>
    /// <param name="threshold">Cosine similarity in [-1, 1].</param>
    /// <exception cref="ArgumentOutOfRangeException">When outside [-1, 1] or not finite.</exception>
    public void Calibrate(double threshold)
    {
        if (!(threshold >= -1 && threshold <= 1)) throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "A cosine threshold lies in [-1, 1].");
        Manifest = Manifest with { Threshold = threshold };
    }

    /// <summary>
    /// Restores low-resolution faces of any size. A pre-upsampled SR model (<see cref="SuperResolutionModel.PreUpsampled"/>,
    /// e.g. vdsr) gets the face bicubic-upsampled to S and restores it there, whatever the probe size (37, 19, 10 px...);
    /// a model with an integer scale s gets it resized to floor(S/s) px, upscales by s and the result is resized to S
    /// when s does not divide S. Output clamped to [0, 1]. Faces at least S px wide are sharp already and are only
    /// resized to S.
    /// </summary>
    /// <param name="lowResolution">Faces <c>[N, C, h, w]</c> float32 in [0, 1], any size.</param>
    /// <returns>Restored faces <c>[N, C, S, S]</c> in [0, 1] (bicubic upsampling when there is no SR model).</returns>
    public Tensor Restore(Tensor lowResolution)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        // A probe at least S px wide is already sharp: restoring it would first throw detail away.
        if (SuperResolution is null || Math.Min(lowResolution.shape[2], lowResolution.shape[3]) >= InputSize)
            return ToInputSize(lowResolution).MoveToOuterDisposeScope();
        return RestoreBelowInputSize(lowResolution, SuperResolution.PreUpsampled ? ToInputSize(lowResolution) : null).MoveToOuterDisposeScope();
    }

    /// <summary><see cref="Restore"/> of faces narrower than S by the SR model, given their bicubic upsampling to S when
    /// the model is pre-upsampled (so <see cref="EmbedLowResolution(Tensor, Tensor)"/> makes it once for both of its passes).</summary>
    /// <param name="lowResolution">Faces <c>[N, C, h, w]</c> in [0, 1], h or w below S.</param>
    /// <param name="upsampled">Their bicubic upsampling <c>[N, C, S, S]</c> for a pre-upsampled model, else null.</param>
    /// <returns>Restored faces <c>[N, C, S, S]</c> in [0, 1], contiguous, in the caller's dispose scope.</returns>
    private Tensor RestoreBelowInputSize(Tensor lowResolution, Tensor? upsampled)
    {
        var sr = SuperResolution!;
        var restored = SafeScalars.Clamp(sr.forward(sr.PreUpsampled ? upsampled! : Resize(lowResolution, LowResolutionSize)));
        if (restored.shape[2] != InputSize || restored.shape[3] != InputSize) restored = Resize(restored, InputSize);
        return restored.contiguous();
    }

    /// <summary>
    /// The cascade's decision for a face in a photo (issue 8): is it a low-quality probe that must go through
    /// restoration and fusion, or a face large enough for the recogniser alone? The measure is the face's detector box
    /// side (<see cref="Detection.FaceSize.BoxSide"/>; the crop side for a centred crop), because it exists for every
    /// detected face, including those too small for the landmark net, where the inter-ocular distance is missing and the
    /// decision matters most. The box times the template's <see cref="FaceAlignment.AlignmentTemplate.BoxScale"/> (the
    /// chip's side over the box side; 1 for a centred crop) is the span of photo pixels the recogniser's input covers:
    /// restoration runs when that span is below <see cref="RestorationLimit"/> x S, i.e. by default when the face would
    /// have to be upsampled to reach the recogniser's input. A model without SR never restores.
    /// </summary>
    /// <param name="faceSidePx">The face's box side in photo pixels (the crop side for a centred crop), &gt;= 0; a probe
    /// degraded to a smaller size counts at its degraded size.</param>
    /// <param name="framing">How the face was framed (the template whose box scale applies).</param>
    /// <returns>True when the face must be restored (the cascade has an SR model and the face is small).</returns>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="faceSidePx"/> is negative or not finite.</exception>
    public bool NeedsRestoration(double faceSidePx, FaceAlignmentTemplate framing) =>
        SuperResolution is not null && IsBelowRestorationLimit(faceSidePx, framing, RestorationLimit, InputSize);

    /// <summary>
    /// The size rule of <see cref="NeedsRestoration"/> for any runtime (TorchSharp here, ONNX Runtime in
    /// <see cref="Export.OnnxCascade"/> with the limit its export records): does the face, framed as
    /// <paramref name="framing"/> frames it (box side x the template's box scale; the crop side for a centred crop),
    /// span fewer than <paramref name="restorationLimit"/> x <paramref name="inputSize"/> photo pixels? Whether the
    /// model has an SR model at all is the caller's part.
    /// </summary>
    /// <param name="faceSidePx">The face's box side in photo pixels (the crop side for a centred crop), &gt;= 0.</param>
    /// <param name="framing">How the face was framed.</param>
    /// <param name="restorationLimit">The limit r &gt; 0 (<see cref="CascadeManifest.RestorationLimit"/>, default <see cref="CascadeManifest.DefaultRestorationLimit"/>).</param>
    /// <param name="inputSize">The recogniser input side S in pixels.</param>
    /// <returns>True when the face is below the limit (a low-quality probe).</returns>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="faceSidePx"/> is negative or not finite.</exception>
    public static bool IsBelowRestorationLimit(double faceSidePx, FaceAlignmentTemplate framing, double restorationLimit, int inputSize)
    {
        if (!(faceSidePx >= 0 && double.IsFinite(faceSidePx))) throw new ArgumentOutOfRangeException(nameof(faceSidePx), faceSidePx, "A face side is a finite number of pixels >= 0.");
        var boxScale = FacePreparer.TemplateOf(framing)?.BoxScale ?? 1;
        return faceSidePx * boxScale < restorationLimit * inputSize;
    }

    /// <summary>
    /// The one embedding path for prepared faces: with <paramref name="restore"/> (a low-quality probe, see
    /// <see cref="NeedsRestoration"/>) <see cref="EmbedLowResolution(Tensor)"/>, else the recogniser alone on the faces
    /// resized to S, widened to <see cref="EmbeddingDimension"/> (<see cref="ToFusedWidth"/>).
    /// </summary>
    /// <param name="faces">Face chips <c>[N, C, h, w]</c> float32 in [0, 1], any size.</param>
    /// <param name="restore">Whether the faces go through restoration and fusion.</param>
    /// <returns>L2-normalised embeddings <c>[N, EmbeddingDimension]</c>.</returns>
    public Tensor Embed(Tensor faces, bool restore)
    {
        ArgumentNullException.ThrowIfNull(faces);
        if (restore) return EmbedLowResolution(faces);
        using var scope = NewDisposeScope();
        return ToFusedWidth(EmbedRecognizerOnly(faces)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// A sharp face's recogniser embedding e <c>[N, D]</c> in the space of fused embeddings: unchanged, or under
    /// <see cref="FeatureFusion.Concatenate"/> <c>[e, e] / sqrt(2)</c> <c>[N, 2D]</c>, which is what the fused embedding
    /// becomes when restoration is perfect, so sharp and low-quality faces can be compared and enrolled together.
    /// </summary>
    /// <param name="embeddings">Recogniser embeddings <c>[N, D]</c>, L2-normalised; not disposed.</param>
    /// <returns><c>[N, EmbeddingDimension]</c>, unit length (an alias when no widening is needed).</returns>
    /// <exception cref="ArgumentException">When the width is not D.</exception>
    public Tensor ToFusedWidth(Tensor embeddings)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        if (embeddings.shape[1] != EmbeddingSize) throw new ArgumentException($"Expected recogniser embeddings [N, {EmbeddingSize}]; got width {embeddings.shape[1]}.", nameof(embeddings));
        return Concatenates ? cat([embeddings, embeddings], 1) / Math.Sqrt(2) : embeddings.alias();
    }

    /// <summary>
    /// METHOD.md step 12 for low-quality probes: embeds the probe (bicubic-upsampled to S) and its restored version and
    /// fuses them with <see cref="CascadeManifest.Fusion"/>.
    /// </summary>
    /// <param name="lowResolution">Probe faces <c>[N, C, h, w]</c> float32 in [0, 1] (h, w typically S/s or smaller).</param>
    /// <returns>L2-normalised embeddings <c>[N, D]</c> (<c>[N, 2D]</c> for concatenation).</returns>
    public Tensor EmbedLowResolution(Tensor lowResolution) => EmbedLowResolution(lowResolution, null);

    /// <summary>
    /// <see cref="EmbedLowResolution(Tensor)"/> reusing the probe's own embedding when the caller has it already
    /// (<see cref="EmbedRecognizerOnly"/> of the same probes), so the benchmark runs the recogniser once less.
    /// </summary>
    /// <param name="lowResolution">Probe faces <c>[N, C, h, w]</c> float32 in [0, 1].</param>
    /// <param name="probeEmbedding"><see cref="EmbedRecognizerOnly"/> of <paramref name="lowResolution"/> <c>[N, D]</c>, or null to compute it; not disposed.</param>
    /// <returns>L2-normalised embeddings <c>[N, D]</c> (<c>[N, 2D]</c> for concatenation).</returns>
    public Tensor EmbedLowResolution(Tensor lowResolution, Tensor? probeEmbedding)
    {
        ArgumentNullException.ThrowIfNull(lowResolution);
        // A probe's upsampled and restored versions share one recogniser pass, so a pass takes half as many probes.
        return InPasses(lowResolution, FacesPerPass / 2,
            (probes, start) => EmbedLowResolutionPass(probes, probeEmbedding?.narrow(0, start, probes.shape[0])));
    }

    /// <summary>
    /// The most faces one network pass takes: a larger batch is embedded in passes of this many faces and the
    /// embeddings concatenated (the same embeddings; eval mode, rows do not see each other). A whole batch of 64
    /// probes in one pass made each layer's output hundreds of megabytes (FaceResNet-18 at 112 px: 205 MB in fp32 per
    /// layer), written to freshly mapped pages and streamed through memory by every elementwise layer; passes of
    /// 32 faces gave the from-scratch cascades 10-30 % more faces/s on 2 cores (docs/benchmarks.md, "Batch norms
    /// folded, batches in passes"; the pretrained cascade's bf16 batch lost 4-6 %).
    /// </summary>
    public const int FacesPerPass = 32;

    /// <summary>Runs <paramref name="embed"/> on slices of at most <paramref name="perPass"/> rows and concatenates the results.</summary>
    /// <param name="items">The batch <c>[N, ...]</c>; not disposed.</param>
    /// <param name="perPass">Rows per slice (&gt; 0).</param>
    /// <param name="embed">Embeds one slice given its first row's index; returns <c>[rows, D]</c>.</param>
    /// <returns><c>[N, D]</c>, in the caller's dispose scope.</returns>
    private static Tensor InPasses(Tensor items, int perPass, Func<Tensor, long, Tensor> embed)
    {
        var n = items.shape[0];
        if (n <= perPass) return embed(items, 0);
        using var scope = NewDisposeScope();
        var parts = new List<Tensor>();
        for (long start = 0; start < n; start += perPass)
            parts.Add(embed(items.narrow(0, start, Math.Min(perPass, n - start)), start));
        return cat(parts, 0).MoveToOuterDisposeScope();
    }

    /// <summary><see cref="EmbedLowResolution(Tensor, Tensor)"/> of one pass (at most <see cref="FacesPerPass"/> / 2 probes).</summary>
    private Tensor EmbedLowResolutionPass(Tensor lowResolution, Tensor? probeEmbedding)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        // A probe at least S px wide is its own restoration (Restore returns it resized): one recogniser pass suffices.
        var sharp = Math.Min(lowResolution.shape[2], lowResolution.shape[3]) >= InputSize;
        var fusion = SuperResolution is null || (sharp && Manifest.Fusion != FeatureFusion.Concatenate) ? FeatureFusion.ProbeOnly : Manifest.Fusion;
        Tensor? probe, restored;
        if (fusion is FeatureFusion.Mean or FeatureFusion.Concatenate && probeEmbedding is null)
        {
            // Both passes in one batch [2N]: one call, both cores busy for a single face, the bicubic upsampling made once
            // (eval mode: BatchNorm uses its running statistics, so rows do not see each other).
            // A sharp probe (concatenation only) is its own restoration: one pass of N serves both halves.
            var upsampled = ToInputSize(lowResolution);
            if (sharp)
            {
                probe = Recognizer.forward(upsampled);
                restored = probe.alias();
            }
            else
            {
                var both = Recognizer.forward(cat([upsampled, RestoreBelowInputSize(lowResolution, SuperResolution!.PreUpsampled ? upsampled : null)], 0));
                var n = lowResolution.shape[0];
                (probe, restored) = (both.narrow(0, 0, n), both.narrow(0, n, n));
            }
        }
        else
        {
            probe = fusion == FeatureFusion.RestoredOnly ? null : probeEmbedding?.alias() ?? Recognizer.forward(ToInputSize(lowResolution));
            restored = fusion == FeatureFusion.ProbeOnly ? null : Recognizer.forward(Restore(lowResolution));
        }
        var fused = fusion switch
        {
            FeatureFusion.Mean => nn.functional.normalize(probe! + restored!, dim: 1),
            FeatureFusion.Concatenate => cat([probe!, restored!], 1) / Math.Sqrt(2),
            FeatureFusion.RestoredOnly => restored!,
            _ => probe!,
        };
        return fused.MoveToOuterDisposeScope();
    }

    /// <summary>Embeds faces with the recogniser alone, bicubic-resizing them to S (pipelines (a) and (b) of the evaluation; gallery images).</summary>
    /// <param name="faces">Faces <c>[N, C, h, w]</c> float32 in [0, 1], any size.</param>
    /// <returns>L2-normalised embeddings <c>[N, D]</c>.</returns>
    public Tensor EmbedRecognizerOnly(Tensor faces)
    {
        ArgumentNullException.ThrowIfNull(faces);
        return InPasses(faces, FacesPerPass, (pass, _) =>
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            return Recognizer.forward(ToInputSize(pass)).MoveToOuterDisposeScope();
        });
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Detector?.Dispose();
        SuperResolution?.Dispose();
        Recognizer.Dispose();
    }

    private Tensor ToInputSize(Tensor faces) => Resize(faces, InputSize);

    private static Tensor Resize(Tensor faces, int side) =>
        faces.shape[2] == side && faces.shape[3] == side ? faces.alias() : FaceDegradation.Resize(faces, side, side);
}
