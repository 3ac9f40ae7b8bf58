using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using SrFace.Models.SuperResolution;
using SrFace.Training;

namespace SrFace.Cli.Configuration;

/// <summary>
/// The fine-tuning flags shared by <c>srface demo</c> and <c>srface finetune-view2</c>: each overrides one field of
/// <see cref="FineTuning.Defaults"/>, so the View 2 benchmark can measure any configuration the demo can train.
/// </summary>
internal abstract class FineTuningSettings : CommandSettings
{
    /// <summary>Distillation weight, or null for the default.</summary>
    [CommandOption("--distill <W>")]
    [Description("Fine-tuning: weight of the distillation term (the frozen pretrained recogniser's sharp-face embedding as target; default 10, FineTuning.DistillationWeight; 0 = off).")]
    public double? Distill { get; init; }

    /// <summary>Frozen recogniser stages, or null for the default.</summary>
    [CommandOption("--freeze-stages <N>")]
    [Description("Fine-tuning: freeze the first N recogniser stages (default 2: stem and stage 1; 0 = train every layer).")]
    public int? FreezeStages { get; init; }

    /// <summary>Peak recogniser learning rate, or null for the default.</summary>
    [CommandOption("--lr-rec <RATE>")]
    [Description("Fine-tuning: peak learning rate of the recogniser (Adam; default 3e-5, FineTuning.RecognizerLearningRate).")]
    public double? LearningRateRecognizer { get; init; }

    /// <summary>Contrastive margin, or null for the default.</summary>
    [CommandOption("--margin <M>")]
    [Description("Fine-tuning: contrastive margin on unit-vector distances, in (0, 2]] (default 0.6, FineTuning.Margin: matched to the pretrained embedding's impostor distances).")]
    public double? Margin { get; init; }

    /// <summary>SR-only pre-training steps, or null for the default.</summary>
    [CommandOption("--sr-pretrain <N>")]
    [Description("Fine-tuning: SR-only pre-training steps before the joint run (default 400, FineTuning.SuperResolutionPretrainIterations; a demo without --iterations gives it a quarter of its budget, FineTuning.SuperResolutionPretrainShare; 0 = none).")]
    public long? SrPretrain { get; init; }

    /// <summary>Multi-scale range "MIN,MAX" or "none", or null for the default.</summary>
    [CommandOption("--multiscale <MIN,MAX>")]
    [Description("Fine-tuning: range of the downsampling factor drawn per batch (default 2,16); 'none' = one scale, --scale.")]
    public string? MultiScale { get; init; }

    /// <summary>The one trained scale with <c>--multiscale none</c>.</summary>
    [CommandOption("--scale <S>")]
    [Description("Fine-tuning with --multiscale none: the one downsampling factor trained (e.g. 8: a single-scale x8 model).")]
    public int? Scale { get; init; }

    /// <summary>Hidden width of the restorer, or null for the catalogue's default.</summary>
    [CommandOption("--sr-width <N>")]
    [Description("Fine-tuning: feature channels of the restorer's hidden convolutions, 1 to 256 (vdsr default 32; VDSR's paper 64).")]
    public int? SrWidth { get; init; }

    /// <summary>Depth of the restorer, or null for the catalogue's default.</summary>
    [CommandOption("--sr-layers <N>")]
    [Description("Fine-tuning: convolutions of the restorer, 2 to 64 (vdsr default 8; VDSR's paper 20).")]
    public int? SrLayers { get; init; }

    /// <summary>Seed of weights, batches and degradations.</summary>
    [CommandOption("--seed <N>")]
    [Description("Seed of weights, batches and degradations (default 1).")]
    public int Seed { get; init; } = 1;

    /// <summary>True for <c>--multiscale none</c>: one scale, <see cref="Scale"/> (or the default's).</summary>
    private bool SingleScale => MultiScale?.Equals("none", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>True when any fine-tuning flag (other than the seed) is given.</summary>
    protected bool AnyFineTuningFlag =>
        Distill is not null || FreezeStages is not null || LearningRateRecognizer is not null || Margin is not null
        || SrPretrain is not null || MultiScale is not null || Scale is not null || SrWidth is not null || SrLayers is not null;

    /// <summary>Checks the fine-tuning flags' ranges.</summary>
    /// <returns>The first error, or null when every flag is valid.</returns>
    protected ValidationResult? CheckFineTuning() =>
        Distill is { } kd && !(kd >= 0 && double.IsFinite(kd)) ? ValidationResult.Error("--distill must be finite and >= 0.")
        : FreezeStages < 0 ? ValidationResult.Error("--freeze-stages must be >= 0.")
        : LearningRateRecognizer is { } lr && !(lr > 0 && double.IsFinite(lr)) ? ValidationResult.Error($"--lr-rec must be > 0; got {lr}.")
        : Margin is { } m && !(m > 0 && m <= 2) ? ValidationResult.Error($"--margin must be in (0, 2]; got {m}.")
        : SrPretrain < 0 ? ValidationResult.Error("--sr-pretrain must be >= 0.")
        : SrWidth is < 1 or > VdsrOptions.MaxWidth ? ValidationResult.Error($"--sr-width must be in [1, {VdsrOptions.MaxWidth}]; got {SrWidth}.")
        : SrLayers is < 2 or > VdsrOptions.MaxLayers ? ValidationResult.Error($"--sr-layers must be in [2, {VdsrOptions.MaxLayers}]; got {SrLayers}.")
        : MultiScaleError() is { } multi ? ValidationResult.Error(multi)
        : Scale < 2 ? ValidationResult.Error("--scale must be at least 2.")
        : Scale is not null && !SingleScale ? ValidationResult.Error("--scale needs --multiscale none (a multi-scale model draws its scale per batch).")
        : null;

    private static readonly VdsrOptions RestorerDefaults = new();

    /// <summary>The flag's value, except that giving the catalogue's own default where the options leave it unset
    /// (null) keeps it unset: the same model saves the same options (a View 2 folder compares them).</summary>
    private static int? Override(int? flag, int? current, int catalogueDefault) =>
        flag is null || (current is null && flag == catalogueDefault) ? current : flag;

    /// <summary>Why <see cref="MultiScale"/> is not 'none' or a range 1 &lt;= MIN &lt;= MAX &lt;= 64 (the bounds
    /// <see cref="JointTrainingOptions.Validate"/> applies), or null.</summary>
    private string? MultiScaleError()
    {
        if (MultiScale is null || SingleScale) return null;
        try
        {
            TrainOptionsResolver.ParseScaleRange(MultiScale);
            return null;
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }
    }

    /// <summary>The fine-tuning options: <paramref name="defaults"/> with every given flag applied.</summary>
    /// <param name="defaults">Usually <see cref="FineTuning.Defaults"/>.</param>
    /// <returns>The options (not yet validated as a whole: <see cref="JointTrainingOptions.Validate"/>).</returns>
    /// <exception cref="ArgumentException">When <c>--multiscale</c> is neither 'none' nor MIN,MAX.</exception>
    public JointTrainingOptions ApplyTo(JointTrainingOptions defaults) => defaults with
    {
        DistillationWeight = Distill ?? defaults.DistillationWeight,
        FrozenRecognizerStages = FreezeStages ?? defaults.FrozenRecognizerStages,
        RecognizerOptimizer = defaults.RecognizerOptimizer with { LearningRate = LearningRateRecognizer ?? defaults.RecognizerOptimizer.LearningRate },
        Margin = Margin ?? defaults.Margin,
        SuperResolutionPretrainIterations = SrPretrain ?? defaults.SuperResolutionPretrainIterations,
        SuperResolutionWidth = Override(SrWidth, defaults.SuperResolutionWidth, RestorerDefaults.Width),
        SuperResolutionBlocks = Override(SrLayers, defaults.SuperResolutionBlocks, RestorerDefaults.Layers),
        ScaleRange = MultiScale is null ? defaults.ScaleRange
            : SingleScale ? null : TrainOptionsResolver.ParseScaleRange(MultiScale),
        Degradation = defaults.Degradation with { Scale = Scale ?? defaults.Degradation.Scale },
        Seed = Seed,
    };
}
