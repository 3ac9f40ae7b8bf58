using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SrFace.Training;

/// <summary>Builds the optimiser an <see cref="OptimizerOptions"/> describes and applies its learning-rate schedule.</summary>
internal static class OptimizerFactory
{
    /// <summary>Creates SGD (momentum, weight decay) or, for <see cref="OptimizerKind.Adam"/>, AdamW (decoupled weight decay;
    /// equal to Adam at weight decay 0): TorchSharp's rules and state, with a step that frees each parameter's temporaries
    /// at once (<see cref="LeanSgd"/>, <see cref="LeanAdamW"/>).</summary>
    public static OptimizerHelper Create(OptimizerOptions options, IEnumerable<Parameter> parameters) => options.Kind switch
    {
        OptimizerKind.Sgd => new LeanSgd(parameters, options.LearningRate, options.Momentum, options.WeightDecay),
        OptimizerKind.Adam => new LeanAdamW(parameters, options.LearningRate, 0.9, 0.999, 1e-8, options.WeightDecay),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.Kind, "Unknown optimiser."),
    };

    /// <summary>The schedule of an optimiser over a run of <paramref name="totalIterations"/>.</summary>
    public static LearningRateSchedule Schedule(OptimizerOptions options, long totalIterations) =>
        new(options.LearningRate, totalIterations, options.Schedule, Math.Min(options.WarmupIterations, totalIterations / 4));

    /// <summary>Sets every parameter group's learning rate; returns it.</summary>
    public static double SetLearningRate(optim.Optimizer optimizer, double rate)
    {
        foreach (var group in optimizer.ParamGroups) group.LearningRate = rate;
        return rate;
    }
}
