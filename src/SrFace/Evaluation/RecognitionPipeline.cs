namespace SrFace.Evaluation;

/// <summary>
/// The three ways of recognising a low-resolution probe that the low-resolution benchmark compares (METHOD.md,
/// "evaluation that proves the claim"). In every pipeline the gallery side of a pair is the sharp (HR) face embedded
/// by the same pipeline's recogniser.
/// </summary>
public enum RecognitionPipeline
{
    /// <summary>(a) The probe bicubic-upsampled to S, embedded by a baseline recogniser trained on HR faces only.</summary>
    BaselineBicubic,

    /// <summary>(b) The probe bicubic-upsampled to S, embedded by the jointly trained recogniser (SR model unused).</summary>
    JointBicubic,

    /// <summary>(c) The full cascade: the probe is restored by the SR model and the probe and restored embeddings are fused.</summary>
    Cascade,
}

/// <summary>Display names of <see cref="RecognitionPipeline"/> for tables and figure legends.</summary>
public static class RecognitionPipelineNames
{
    /// <summary>Short label, e.g. <c>(a) baseline + bicubic</c>.</summary>
    /// <param name="pipeline">The pipeline.</param>
    /// <returns>A label of at most about 30 characters.</returns>
    public static string Label(this RecognitionPipeline pipeline) => pipeline switch
    {
        RecognitionPipeline.BaselineBicubic => "(a) baseline + bicubic",
        RecognitionPipeline.JointBicubic => "(b) joint rec. + bicubic",
        _ => "(c) SR cascade",
    };

    /// <summary>One-sentence description for the report.</summary>
    /// <param name="pipeline">The pipeline.</param>
    /// <returns>The description.</returns>
    public static string Describe(this RecognitionPipeline pipeline) => pipeline switch
    {
        RecognitionPipeline.BaselineBicubic => "recogniser trained on HR faces only; probe bicubic-upsampled to S",
        RecognitionPipeline.JointBicubic => "jointly trained recogniser alone; probe bicubic-upsampled to S",
        _ => "jointly trained cascade: probe restored by the SR model, probe and restored embeddings fused",
    };
}
