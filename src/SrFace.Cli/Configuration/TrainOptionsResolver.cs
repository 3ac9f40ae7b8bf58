using System.Globalization;
using SrFace.Degradation;
using SrFace.Runtime;
using SrFace.Training;

namespace SrFace.Cli.Configuration;

/// <summary>
/// Resolves <c>srface train</c>'s settings into one validated <see cref="JointTrainingOptions"/>, one way only
/// (STYLE.md point 11): record defaults &lt;- preset file (<c>--config</c>) &lt;- flags.
/// </summary>
internal static class TrainOptionsResolver
{
    /// <summary>Defaults + preset + flags, validated.</summary>
    /// <exception cref="ArgumentException">When a flag or the combined options are invalid (the message names the flag or option).</exception>
    /// <exception cref="FormatException">When the preset file is malformed.</exception>
    /// <exception cref="FileNotFoundException">When the preset file does not exist.</exception>
    public static JointTrainingOptions Resolve(TrainSettings s)
    {
        if (s.FirstError() is { } error) throw new ArgumentException(error);
        var o = s.Pretrained ? FineTuning.Defaults(s.Recognizer ?? ModelSource.DefaultPretrained) : new JointTrainingOptions();
        if (s.Config is { } config) o = TrainingPresetFile.Load(config, o);

        if (s.Baseline) o = o with { Mode = TrainingMode.RecognizerOnly, SuperResolutionPretrainIterations = 0 };
        if (s.SuperResolution is { } sr) o = o with { SuperResolutionModel = sr };
        if (s.Recognizer is { } rec) o = o with { Recognizer = rec };
        if (s.Width is { } width) o = o with { RecognizerWidth = width };
        if (s.Embedding is { } d) o = o with { EmbeddingSize = d };
        if (s.InputSize is { } size) o = o with { InputSize = size };
        if (s.P is { } p) o = o with { IdentitiesPerBatch = p };
        if (s.K is { } k) o = o with { ImagesPerIdentity = k };
        if (s.Iterations is { } n) o = o with { Stop = o.Stop with { MaxIterations = n } };
        if (s.Patience is { } patience) o = o with { Stop = o.Stop with { PlateauPatience = patience } };
        if (s.TargetAccuracy is { } accuracy) o = o with { Stop = o.Stop with { TargetValidationAccuracy = accuracy } };
        if (s.Lambda is { } lambda) o = o with { IdentityWeight = lambda };
        if (s.Margin is { } margin) o = o with { Margin = margin };
        if (s.Seed is { } seed) o = o with { Seed = seed };
        if (s.CheckpointEvery is { } every) o = o with { CheckpointEvery = every };
        if (s.BFloat16) o = o with { Precision = ComputePrecision.BFloat16 };
        if (s.Float32) o = o with { Precision = ComputePrecision.Float32 };
        if (s.Optimizer is { } kindName)
        {
            var kind = kindName.Equals("adam", StringComparison.OrdinalIgnoreCase) ? OptimizerKind.Adam : OptimizerKind.Sgd;
            o = o with
            {
                SuperResolutionOptimizer = o.SuperResolutionOptimizer with { Kind = kind },
                RecognizerOptimizer = o.RecognizerOptimizer with { Kind = kind },
            };
        }
        if (s.FreezeStages is { } frozen) o = o with { FrozenRecognizerStages = frozen };
        if (s.FreezeNorm) o = o with { FreezeNormalization = true };
        if (s.Distill is { } kd) o = o with { DistillationWeight = kd };
        if (s.SrPretrain is { } pre) o = o with { SuperResolutionPretrainIterations = pre };
        if (s.MultiScale is { } multi)
            o = o with { ScaleRange = multi.Equals("none", StringComparison.OrdinalIgnoreCase) ? null : ParseScaleRange(multi) };
        if (s.LearningRateSr is { } lrSr) o = o with { SuperResolutionOptimizer = o.SuperResolutionOptimizer with { LearningRate = lrSr } };
        if (s.LearningRateRecognizer is { } lrRec) o = o with { RecognizerOptimizer = o.RecognizerOptimizer with { LearningRate = lrRec } };

        var degradation = o.Degradation;
        if (s.Scale is { } scale) degradation = degradation with { Scale = scale };
        if (s.Blur is { } blur) degradation = degradation with { BlurSigma = ParseRange(blur, "--blur") };
        if (s.Noise is { } noise) degradation = degradation with { NoiseSigma = ParseRange(noise, "--noise") };
        if (s.Jpeg is { } jpeg)
            degradation = degradation with { JpegQuality = jpeg.Equals("none", StringComparison.OrdinalIgnoreCase) ? null : ParseRange(jpeg, "--jpeg") };
        o = o with { Degradation = degradation };

        try
        {
            o.Validate();
        }
        catch (ArgumentException e)
        {
            // Name the source too: a bad value can come from the preset as well as from a flag.
            throw new ArgumentException($"{e.Message} (from {(s.Config is null ? "the flags" : $"{s.Config} and the flags")})", e);
        }
        return o;
    }

    /// <summary>The flags given that <c>--resume</c> does not accept (it takes the run's own options).</summary>
    public static IReadOnlyList<string> FlagsRefusedOnResume(TrainSettings s)
    {
        var given = new List<string>();
        void Check(bool set, string flag) { if (set) given.Add(flag); }
        Check(s.Config is not null, "--config"); Check(s.People is not null, "--people");
        Check(s.SuperResolution is not null, "--sr"); Check(s.Recognizer is not null, "--recognizer");
        Check(s.Width is not null, "--width"); Check(s.Embedding is not null, "--embedding");
        Check(s.Scale is not null, "--scale"); Check(s.TargetAccuracy is not null, "--target-accuracy"); Check(s.InputSize is not null, "--input-size");
        Check(s.CropFraction is not null, "--crop-fraction"); Check(s.P is not null, "-p"); Check(s.K is not null, "-k");
        Check(s.Lambda is not null, "--lambda"); Check(s.LearningRateSr is not null, "--lr-sr");
        Check(s.LearningRateRecognizer is not null, "--lr-rec"); Check(s.Optimizer is not null, "--optimizer");
        Check(s.Margin is not null, "--margin"); Check(s.Seed is not null, "--seed");
        Check(s.BFloat16, "--bf16"); Check(s.Float32, "--fp32"); Check(s.Blur is not null, "--blur");
        Check(s.Noise is not null, "--noise"); Check(s.Jpeg is not null, "--jpeg");
        Check(s.CheckpointEvery is not null, "--checkpoint-every"); Check(s.Patience is not null, "--patience");
        Check(s.Baseline, "--baseline"); Check(s.ValidationFraction is not null, "--validation-fraction");
        Check(s.Pretrained, "--pretrained"); Check(s.FreezeStages is not null, "--freeze-stages"); Check(s.FreezeNorm, "--freeze-norm");
        Check(s.Distill is not null, "--distill"); Check(s.MultiScale is not null, "--multiscale"); Check(s.SrPretrain is not null, "--sr-pretrain");
        return given;
    }

    /// <summary>Parses <c>--multiscale MIN,MAX</c>: the range of downsampling factors, 1 &lt;= MIN &lt;= MAX &lt;= 64 (the
    /// bounds <see cref="JointTrainingOptions.Validate"/> applies).</summary>
    /// <param name="text">The flag's value (not 'none').</param>
    /// <exception cref="ArgumentException">When it is not such a range; the message names the flag.</exception>
    public static DegradationRange ParseScaleRange(string text)
    {
        var range = ParseRange(text, "--multiscale");
        return range.Min >= 1 && range.Min <= range.Max && range.Max <= 64 ? range
            : throw new ArgumentException($"--multiscale must be MIN,MAX with 1 <= MIN <= MAX <= 64 (downsampling factors); got '{text}'.");
    }

    /// <summary>Parses <c>X</c> (fixed) or <c>MIN,MAX</c> into a degradation range.</summary>
    /// <exception cref="ArgumentException">When the text is not one or two numbers (names <paramref name="flag"/>).</exception>
    public static DegradationRange ParseRange(string text, string flag)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new double[parts.Length];
        for (var i = 0; i < parts.Length; i++)
            if (parts.Length > 2 || !double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]))
                throw new ArgumentException($"{flag} must be a number or MIN,MAX; got '{text}'.");
        return parts.Length == 1 ? values[0] : new DegradationRange(values[0], values[1]);
    }
}
