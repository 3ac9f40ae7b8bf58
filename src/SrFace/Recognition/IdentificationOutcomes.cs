using SrFace.Evaluation;

namespace SrFace.Recognition;

/// <summary>A 1:1 verification of two face images.</summary>
/// <param name="A">First image (the reference).</param>
/// <param name="B">Second image (the probe, possibly degraded).</param>
/// <param name="Similarity">Cosine similarity of the two embeddings, in [-1, 1].</param>
/// <param name="Threshold">The decision threshold applied (cosine).</param>
public sealed record VerificationOutcome(string A, string B, double Similarity, double Threshold)
{
    /// <summary>True when <see cref="Similarity"/> &gt;= <see cref="Threshold"/>: the two images show the same person.</summary>
    public bool Same => Similarity >= Threshold;

    /// <summary>The face used in <see cref="A"/> (box, landmarks, faces found), or null when not recorded.</summary>
    public EmbeddedFace? FaceA { get; init; }

    /// <summary>The face used in <see cref="B"/>, or null when not recorded.</summary>
    public EmbeddedFace? FaceB { get; init; }
}

/// <summary>One face of a probe image and the gallery's answer for it.</summary>
/// <param name="Face">The face (box, landmarks, detector) and its embedding.</param>
/// <param name="Result">Ranked candidates and the open-set decision.</param>
public sealed record IdentifiedFace(EmbeddedFace Face, IdentificationResult Result);

/// <summary>The identified faces of one probe image (<see cref="FaceIdentification.IdentifyFaces"/>).</summary>
/// <param name="Path">The probe image.</param>
/// <param name="Faces">The largest face, or every face found (largest first); at least one.</param>
public sealed record ProbeIdentification(string Path, IReadOnlyList<IdentifiedFace> Faces)
{
    /// <summary>How many faces the detector found in the image (0 for a centred crop: no detection ran).</summary>
    public int FacesFound => Faces[0].Face.FacesFound;
}

/// <summary>What <see cref="FaceIdentification.EnrollDataset"/> enrolled for one identity.</summary>
/// <param name="Identity">The identity (folder name).</param>
/// <param name="Images">Images enrolled in this run.</param>
/// <param name="TotalImages">Images behind the identity's template afterwards (more than <paramref name="Images"/> when added to an earlier enrolment).</param>
public sealed record EnrolledIdentity(string Identity, int Images, int TotalImages);

/// <summary>An image <see cref="FaceIdentification.EnrollDataset"/> skipped when asked to skip failures.</summary>
/// <param name="Path">The image file.</param>
/// <param name="Reason">Why it could not be embedded (the error's message: no face found, unreadable, face too small...).</param>
public sealed record SkippedImage(string Path, string Reason);

/// <summary>One probe image of a probe set, with its true identity and the gallery's answer.</summary>
/// <param name="Path">The probe image.</param>
/// <param name="TrueIdentity">The identity folder the probe came from.</param>
/// <param name="Result">Ranked candidates and the open-set decision.</param>
public sealed record ProbeOutcome(string Path, string TrueIdentity, IdentificationResult Result)
{
    /// <summary>True when the best candidate is the true identity (closed-set rank-1 hit, whatever the threshold).</summary>
    public bool IsRank1Hit => Result.Candidates.Count > 0 && Result.Candidates[0].Identity == TrueIdentity;
}

/// <summary>
/// Identification figures of a folder-per-identity probe set against a gallery: closed-set rank-k accuracies and CMC
/// (<see cref="IdentificationMetrics"/>, probes of identities not enrolled count as misses) and the open-set view.
/// </summary>
/// <param name="Probes">Every probe's outcome, in dataset order.</param>
/// <param name="Cmc">CMC curve: element k-1 is the fraction of probes with their identity in the top k; length = max rank.</param>
/// <param name="OpenSetThreshold">Cosine threshold below which a probe is "unknown".</param>
public sealed record ProbeSetEvaluation(IReadOnlyList<ProbeOutcome> Probes, IReadOnlyList<double> Cmc, double OpenSetThreshold)
{
    /// <summary>Rank-1 identification accuracy in [0, 1] (closed set: the threshold is ignored).</summary>
    public double Rank1 => Cmc[0];

    /// <summary>Rank-k accuracy in [0, 1].</summary>
    /// <param name="k">Rank, 1 .. <see cref="Cmc"/> length.</param>
    /// <exception cref="ArgumentOutOfRangeException">When k is outside that range.</exception>
    public double RankAccuracy(int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, Cmc.Count);
        return Cmc[k - 1];
    }

    /// <summary>Probes whose best score is below <see cref="OpenSetThreshold"/> (declared "unknown").</summary>
    public int UnknownCount => Probes.Count(p => p.Result.IsUnknown);

    /// <summary>
    /// Open-set detection and identification rate in [0, 1]: the fraction of probes accepted (score &gt;= threshold) as
    /// their true identity (Grother and Phillips' DIR at rank 1).
    /// </summary>
    public double DetectionAndIdentificationRate => (double)Probes.Count(p => p.Result.Identity == p.TrueIdentity) / Probes.Count;
}
