namespace SrFace.Training;

/// <summary>
/// The named loss values of one training iteration (BasicSR-style <c>l_*</c> names, so logs group cleanly), read
/// as plain doubles after the step. A null term does not apply to this run (e.g. no SR model in the baseline).
/// </summary>
/// <param name="Contrastive">l_con: binary contrastive loss over the merged target set (METHOD.md step 8).</param>
/// <param name="MeanPositiveDistance">Mean Euclidean distance of same-identity pairs in the merged set, in [0, 2].</param>
/// <param name="MeanNegativeDistance">Mean Euclidean distance of different-identity pairs in the merged set, in [0, 2].</param>
/// <param name="Reconstruction">l_rec: reconstruction loss between restored and HR images (METHOD.md step 4).</param>
/// <param name="Adversarial">l_adv: SRGAN generator adversarial loss, already multiplied by the adversarial weight (the term as it enters the total).</param>
/// <param name="IdentityContent">l_idc: SRGAN identity content loss, 1 - cos(f(SR), f(HR)).</param>
/// <param name="Discriminator">l_d: SRGAN discriminator loss.</param>
public sealed record TrainingStepResult(
    double Contrastive,
    double MeanPositiveDistance,
    double MeanNegativeDistance,
    double? Reconstruction = null,
    double? Adversarial = null,
    double? IdentityContent = null,
    double? Discriminator = null)
{
    /// <summary>The distillation term l_kd (unweighted mean 1 - cos to the teacher), or null without a teacher.</summary>
    public double? Distillation { get; init; }

    /// <summary>The total loss of the backward pass (<see cref="JointTrainer.ComposeTotal"/>), or null.</summary>
    public double? Total { get; init; }

    /// <summary>The LR side in pixels of this batch's degraded faces (varies per batch in multi-scale training), or null.</summary>
    public int? LowResolutionSide { get; init; }

    /// <summary>The values by log name; terms that do not apply are left out.</summary>
    public IReadOnlyDictionary<string, double> ToDictionary()
    {
        var d = new Dictionary<string, double> { ["l_con"] = Contrastive };
        if (Reconstruction is { } rec) d["l_rec"] = rec;
        if (Adversarial is { } adv) d["l_adv"] = adv;
        if (IdentityContent is { } idc) d["l_idc"] = idc;
        if (Discriminator is { } dis) d["l_d"] = dis;
        if (Distillation is { } kd) d["l_kd"] = kd;
        if (Total is { } total) d["l_total"] = total;
        if (LowResolutionSide is { } side) d["lr_px"] = side;
        d["d_pos"] = MeanPositiveDistance;
        d["d_neg"] = MeanNegativeDistance;
        return d;
    }

    /// <summary>True when every loss that applies is finite (a NaN or infinite loss stops training).</summary>
    public bool IsFinite => ToDictionary().Values.All(double.IsFinite);
}
