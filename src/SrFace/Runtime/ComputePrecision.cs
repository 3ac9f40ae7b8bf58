namespace SrFace.Runtime;

/// <summary>
/// The number format convolutions and linear layers compute in. Parameters (the "master weights") always stay
/// float32; with <see cref="BFloat16"/> a layer casts its weights and input to bfloat16 inside <c>forward</c>
/// (TorchSharp has no autocast) and model outputs are returned as float32.
/// </summary>
public enum ComputePrecision
{
    /// <summary>IEEE float32 everywhere (the reference).</summary>
    Float32,

    /// <summary>bfloat16 compute for convolutions and linear layers, float32 master weights, float32 outputs.</summary>
    BFloat16,
}
