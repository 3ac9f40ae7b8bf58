using SrFace.Runtime;
using SrFace.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SrFace.Tests.Training;

/// <summary>The lean optimisers free temporaries per parameter; their updates must equal TorchSharp's to the bit.</summary>
[Collection(TorchCollection.Name)]
public class LeanOptimizerTests
{
    [Theory]
    [InlineData(0.0)]
    [InlineData(0.01)]
    public void Lean_adamw_matches_torchsharp_adamw_bit_for_bit(double weightDecay) =>
        AssertSameUpdates(ps => new LeanAdamW(ps, 1e-2, 0.9, 0.999, 1e-8, weightDecay), ps => optim.AdamW(ps, 1e-2, 0.9, 0.999, 1e-8, weightDecay));

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(0.9, 5e-4)]
    public void Lean_sgd_matches_torchsharp_sgd_bit_for_bit(double momentum, double weightDecay) =>
        AssertSameUpdates(ps => new LeanSgd(ps, 0.05, momentum, weightDecay), ps => optim.SGD(ps, 0.05, momentum, 0, weightDecay));

    private static void AssertSameUpdates(Func<IEnumerable<Parameter>, OptimizerHelper> lean, Func<IEnumerable<Parameter>, OptimizerHelper> reference)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(7);
        // A channels-last kernel, a bias, and a parameter without a gradient (frozen stages leave those).
        var shapes = new long[][] { [8, 3, 3, 3], [8], [4] };
        var a = shapes.Select(s => new Parameter(randn(s, generator: generator))).ToArray();
        a[0] = new Parameter(a[0].detach().ToChannelsLast());
        var b = a.Select(p => new Parameter(p.detach().clone())).ToArray();
        Assert.True(b[0].IsChannelsLast());
        using var optA = lean(a);
        using var optB = reference(b);
        for (var step = 0; step < 4; step++)
        {
            if (step == 2) optA.ParamGroups.Concat(optB.ParamGroups).ToList().ForEach(g => g.LearningRate *= 0.5); // a schedule's change
            for (var i = 0; i < 2; i++)
            {
                var grad = randn(shapes[i], generator: generator).mul(step + 1);
                a[i].grad = grad.clone();
                b[i].grad = grad.clone();
            }
            optA.step();
            optB.step();
            for (var i = 0; i < a.Length; i++)
                Assert.True(a[i].detach().equal(b[i].detach()).all().item<bool>(), $"parameter {i} differs after step {step + 1}");
        }
        Assert.False(a[0].detach().equal(randn(shapes[0], generator: new Generator(7))).all().item<bool>(), "the test must move the parameters");
    }
}
