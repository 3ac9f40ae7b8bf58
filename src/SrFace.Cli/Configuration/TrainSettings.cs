using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using SrFace.Models;

namespace SrFace.Cli.Configuration;

/// <summary>
/// Options of <c>srface train</c>. Every training flag is nullable: unset flags leave the preset's (or the default)
/// value, see <see cref="TrainOptionsResolver"/>. With <c>--resume</c> only <c>--out</c>, <c>--iterations</c>,
/// <c>--data</c> and <c>--log-every</c> may be given.
/// </summary>
internal sealed class TrainSettings : CommandSettings
{
    [CommandOption("--config <FILE>")]
    [Description("Preset file (.yaml/.yml/.json) with any subset of the training options, PascalCase keys as in options.json (see configs/).")]
    public string? Config { get; init; }

    [CommandOption("--data <DIR>")]
    [Description("Datasets folder; LFW images are DIR/lfw/lfw-deepfunneled. Default: ../shared/datasets.")]
    public string? Data { get; init; }

    [CommandOption("--people <FILE>")]
    [Description("People list selecting the training identities (default DIR/lfw/peopleDevTrain.txt); 'none' = every identity folder.")]
    public string? People { get; init; }

    [CommandOption("--out <DIR>")]
    [Description("Run folder. Default: runs/<yyyyMMdd-HHmmss>-<sr>-<recognizer>.")]
    public string? Out { get; init; }

    [CommandOption("--resume")]
    [Description("Continue the run in --out from its checkpoint with its own options.json; only --iterations (a larger budget) and --data may be added.")]
    public bool Resume { get; init; }

    [CommandOption("--sr <MODEL>")]
    [Description("SR model: srcnn, fsrcnn, srgan or vdsr (pre-upsampled, any probe size; the default with --pretrained).")]
    public string? SuperResolution { get; init; }

    [CommandOption("--recognizer <MODEL>")]
    [Description("Face recogniser, e.g. face-resnet18, mobilefacenet.")]
    public string? Recognizer { get; init; }

    [CommandOption("--width <N>")]
    [Description("Recogniser base width.")]
    public int? Width { get; init; }

    [CommandOption("--embedding <D>")]
    [Description("Embedding width D.")]
    public int? Embedding { get; init; }

    [CommandOption("--scale <S>")]
    [Description("Downsampling / SR factor: 2, 3, 4 or 8 (any factor >= 2 with a pre-upsampled SR model such as vdsr, the --pretrained default).")]
    public int? Scale { get; init; }

    [CommandOption("--input-size <PIXELS>")]
    [Description("Recogniser input side S (HR face size).")]
    public int? InputSize { get; init; }

    [CommandOption("--crop-fraction <F>")]
    [Description("Centred face crop as a fraction of the shorter image side, in (0, 1]]. Default 0.48 (LFW); with --pretrained, the recogniser's framing (dlib-resnet: detection + alignment), which a given fraction replaces by a centred crop.")]
    public double? CropFraction { get; init; }

    [CommandOption("-p|--identities <P>")]
    [Description("P: identities per batch (Spectre allows no one-letter long option, so -p, not --p).")]
    public int? P { get; init; }

    [CommandOption("-k|--images <K>")]
    [Description("K: images per identity per batch (identities with fewer images are not trained on).")]
    public int? K { get; init; }

    [CommandOption("--iterations <N>")]
    [Description("Iteration budget.")]
    public long? Iterations { get; init; }

    [CommandOption("--lambda <W>")]
    [Description("Identity weight: contrastive gradient into the SR model (0 = the patent's literal variant).")]
    public double? Lambda { get; init; }

    [CommandOption("--lr-sr <RATE>")]
    [Description("Peak learning rate of the SR model.")]
    public double? LearningRateSr { get; init; }

    [CommandOption("--lr-rec <RATE>")]
    [Description("Peak learning rate of the recogniser.")]
    public double? LearningRateRecognizer { get; init; }

    [CommandOption("--optimizer <KIND>")]
    [Description("Optimiser of both models: sgd or adam (AdamW: decoupled weight decay; the same as Adam at weight decay 0).")]
    public string? Optimizer { get; init; }

    [CommandOption("--margin <M>")]
    [Description("Contrastive margin on unit-vector distances, in (0, 2]].")]
    public double? Margin { get; init; }

    [CommandOption("--seed <N>")]
    [Description("Seed of weights, batches and degradations.")]
    public int? Seed { get; init; }

    [CommandOption("--bf16")]
    [Description("Compute in bfloat16 (float32 master weights).")]
    public bool BFloat16 { get; init; }

    [CommandOption("--fp32")]
    [Description("Compute in float32.")]
    public bool Float32 { get; init; }

    [CommandOption("--blur <SIGMA>")]
    [Description("Gaussian blur sigma in HR pixels before downsampling: a value or MIN,MAX.")]
    public string? Blur { get; init; }

    [CommandOption("--noise <SIGMA>")]
    [Description("Gaussian noise sigma on the [[0, 1]] scale: a value or MIN,MAX.")]
    public string? Noise { get; init; }

    [CommandOption("--jpeg <QUALITY>")]
    [Description("JPEG quality 1-100: a value or MIN,MAX; 'none' turns it off.")]
    public string? Jpeg { get; init; }

    [CommandOption("--checkpoint-every <N>")]
    [Description("Iterations between checkpoints (default 100); a checkpoint is also written every 2 minutes and on Ctrl+C or SIGTERM.")]
    public int? CheckpointEvery { get; init; }

    [CommandOption("--patience <N>")]
    [Description("Stop after N plateau windows without improvement of l_con (0 = off).")]
    public int? Patience { get; init; }

    [CommandOption("--target-accuracy <A>")]
    [Description("Stop once the verification accuracy on the held-out validation people reaches A, in (0, 1]] (best threshold on their own pairs; needs --validation-fraction > 0). Default: off.")]
    public double? TargetAccuracy { get; init; }

    [CommandOption("--validate-every <N>")]
    [Description("With --target-accuracy: iterations between validation measurements. Default 100.")]
    public int? ValidateEvery { get; init; }

    [CommandOption("--baseline")]
    [Description("Train the HR-only recogniser baseline (no SR model).")]
    public bool Baseline { get; init; }

    [CommandOption("--validation-fraction <F>")]
    [Description("Fraction of training identities held out for the PSNR check, in [[0, 1). Default 0.05.")]
    public double? ValidationFraction { get; init; }

    [CommandOption("--pretrained")]
    [Description("Fine-tune from the recogniser's pretrained weights in the model store (default recogniser dlib-resnet): vdsr SR at the recogniser's input size, multi-scale x2..x16, recogniser Adam 3e-5 (SR 1e-3), SR-only pre-training first, first 2 stages frozen, faces detected and aligned as the catalogue entry asks (dlib-resnet: face-api's landmark box; --crop-fraction F: a centred crop of F instead). Flags override each default.")]
    public bool Pretrained { get; init; }

    [CommandOption("--models <DIR>")]
    [Description("Model store holding the pretrained weights (default: $SRFACE_MODELS, else the user cache).")]
    public string? Models { get; init; }

    [CommandOption("--freeze-stages <N>")]
    [Description("Freeze the first N stages of the recogniser (dlib-resnet: stem, stage1..stage5, head; 0 = train all).")]
    public int? FreezeStages { get; init; }

    [CommandOption("--freeze-norm")]
    [Description("Freeze the recogniser's normalisation: BatchNorm nets keep their running statistics and gamma/beta; dlib-resnet (no BatchNorm) keeps its folded per-channel affine layers.")]
    public bool FreezeNorm { get; init; }

    [CommandOption("--distill <W>")]
    [Description("Weight of the distillation term (needs --pretrained): the frozen pretrained recogniser's embedding of the sharp face is the target of the sharp, degraded and restored embeddings (1 - cos). 0 = off.")]
    public double? Distill { get; init; }

    [CommandOption("--multiscale <MIN,MAX>")]
    [Description("Draw the downsampling factor per batch log-uniformly from MIN,MAX (e.g. 2,16; needs a pre-upsampled SR model such as vdsr); 'none' = the fixed --scale.")]
    public string? MultiScale { get; init; }

    [CommandOption("--sr-pretrain <N>")]
    [Description("SR-only pre-training steps before the joint run (Charbonnier pixel loss on the same degraded batches; the recogniser is not touched). With --pretrained the default is FineTuning.SuperResolutionPretrainIterations; 0 = none.")]
    public long? SrPretrain { get; init; }

    [CommandOption("--log-every <N>")]
    [Description("When output is not a terminal: print a progress line every N iterations. Default 10.")]
    public int? LogEvery { get; init; }

    /// <summary>True when the flags name a pre-upsampled SR model (--sr vdsr, or --pretrained without --sr): it takes any
    /// downsampling factor, so --scale is not limited to the integer-scale models' factors.</summary>
    private bool PreUpsampledSr => (SuperResolution ?? (Pretrained ? "vdsr" : null)) is { } name
        && ModelCatalog.SuperResolution.TryGetValue(name, out var entry) && entry.PreUpsampled;

    /// <summary>Range checks that can be made on the flags alone; each message names its flag.</summary>
    public override ValidationResult Validate()
    {
        var error = FirstError();
        return error is null ? ValidationResult.Success() : ValidationResult.Error(error);
    }

    /// <summary>The first invalid flag's message, or null.</summary>
    public string? FirstError()
    {
        if (BFloat16 && Float32) return "--bf16 and --fp32 exclude each other.";
        if (SuperResolution is { } sr && !ModelCatalog.SuperResolution.ContainsKey(sr))
            return $"--sr '{sr}' is not a known SR model; known: {string.Join(", ", ModelCatalog.SuperResolution.Keys)}.";
        if (Recognizer is { } rec && !ModelCatalog.Recognizers.ContainsKey(rec))
            return $"--recognizer '{rec}' is not a known recogniser; known: {string.Join(", ", ModelCatalog.Recognizers.Keys)}.";
        if (Optimizer is { } opt && !opt.Equals("sgd", StringComparison.OrdinalIgnoreCase) && !opt.Equals("adam", StringComparison.OrdinalIgnoreCase))
            return $"--optimizer must be sgd or adam; got '{opt}'.";
        return Width < 1 ? $"--width must be at least 1; got {Width}."
            : Embedding < 2 ? $"--embedding must be at least 2; got {Embedding}."
            : Scale is { } sc && !Baseline && !PreUpsampledSr && !SrFace.Models.SuperResolution.SuperResolutionModel.SupportedScales.Contains(sc)
                ? $"--scale must be one of {string.Join(", ", SrFace.Models.SuperResolution.SuperResolutionModel.SupportedScales)} (the SR models' factors); got {sc}."
            : Scale < 1 ? $"--scale must be at least 1; got {Scale}."
            : InputSize < 8 ? $"--input-size must be at least 8 pixels; got {InputSize}."
            : CropFraction is { } f && !(f > 0 && f <= 1) ? $"--crop-fraction must be in (0, 1]; got {f}."
            : P < 2 ? $"-p must be at least 2 (different-identity pairs); got {P}."
            : K < 2 ? $"-k must be at least 2 (same-identity pairs); got {K}."
            : Iterations < 1 ? $"--iterations must be at least 1; got {Iterations}."
            : Lambda is { } l && !(l >= 0 && double.IsFinite(l)) ? $"--lambda must be finite and >= 0; got {l}."
            : LearningRateSr is { } a && !(a > 0 && double.IsFinite(a)) ? $"--lr-sr must be > 0; got {a}."
            : LearningRateRecognizer is { } b && !(b > 0 && double.IsFinite(b)) ? $"--lr-rec must be > 0; got {b}."
            : Margin is { } m && !(m > 0 && m <= 2) ? $"--margin must be in (0, 2]; got {m}."
            : CheckpointEvery < 1 ? $"--checkpoint-every must be at least 1; got {CheckpointEvery}."
            : Patience < 0 ? $"--patience must be >= 0; got {Patience}."
            : ValidationFraction is { } v && !(v >= 0 && v < 1) ? $"--validation-fraction must be in [0, 1); got {v}."
            : LogEvery < 1 ? $"--log-every must be at least 1; got {LogEvery}."
            : TargetAccuracy is { } t && !(t > 0 && t <= 1) ? $"--target-accuracy must be in (0, 1]; got {t}."
            : TargetAccuracy is not null && ValidationFraction == 0 ? "--target-accuracy needs validation people: --validation-fraction must be > 0."
            : ValidateEvery < 1 ? $"--validate-every must be at least 1; got {ValidateEvery}."
            : FreezeStages < 0 ? $"--freeze-stages must be >= 0; got {FreezeStages}."
            : Distill is { } kd && !(kd >= 0 && double.IsFinite(kd)) ? $"--distill must be finite and >= 0; got {kd}."
            : Distill > 0 && !Pretrained ? "--distill needs --pretrained (the teacher is the pretrained recogniser)."
            : SrPretrain < 0 ? $"--sr-pretrain must be >= 0; got {SrPretrain}."
            : SrPretrain > 0 && Baseline ? "--sr-pretrain needs an SR model; --baseline trains the recogniser alone."
            : null;
    }
}
