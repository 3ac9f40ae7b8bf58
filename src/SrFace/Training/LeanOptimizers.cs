using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SrFace.Training;

/// <summary>
/// AdamW (Loshchilov &amp; Hutter, "Decoupled Weight Decay Regularization", ICLR 2019; equal to Adam, Kingma &amp; Ba,
/// ICLR 2015, at weight decay 0) with TorchSharp's <see cref="AdamW"/> arithmetic, state and options (so checkpoints,
/// param groups and learning-rate setting are unchanged), but a step that releases each parameter's temporaries as
/// soon as that parameter is updated.
/// </summary>
/// <remarks>
/// Why: TorchSharp's step keeps every temporary (the <c>sqrt(v)</c> and denominator tensors, one pair per parameter)
/// in one dispose scope until all parameters are updated, so a step allocates fresh memory for each parameter instead
/// of reusing the cache-warm block just freed, as PyTorch's reference-counted loop does; it also multiplies every
/// parameter by <c>1 - lr x 0</c> when there is no weight decay. The "SR optimiser" and "recogniser optimiser" parts
/// of <c>bench/SrFace.Benchmarks -- joint --breakdown</c> time it within the training step. The values are
/// bit-identical to TorchSharp's AdamW (tests/SrFace.Tests/Training/LeanOptimizerTests.cs): the skipped multiplication
/// is by exactly 1 and the denominator is divided and shifted in place instead of into a new tensor.
/// Not supported: AMSGrad (the base class's step runs then) and closures are evaluated as the base class does.
/// </remarks>
internal sealed class LeanAdamW : AdamW
{
    /// <summary>Creates the optimiser over one parameter group.</summary>
    /// <param name="parameters">Trained parameters (each with its own first and second moment, zero-initialised).</param>
    /// <param name="lr">Learning rate, &gt;= 0.</param>
    /// <param name="beta1">First-moment decay in [0, 1).</param>
    /// <param name="beta2">Second-moment decay in [0, 1).</param>
    /// <param name="eps">Denominator term, &gt;= 0.</param>
    /// <param name="weightDecay">Decoupled weight decay, &gt;= 0.</param>
    /// <exception cref="ArgumentException">When a value is out of range (TorchSharp's checks).</exception>
    public LeanAdamW(IEnumerable<Parameter> parameters, double lr, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0)
        : base(parameters, lr, beta1, beta2, eps, weightDecay) { }

    /// <summary>One AdamW update of every parameter that has a gradient.</summary>
    /// <param name="closure">Re-evaluates the loss (optional; evaluated with gradients on, before the update).</param>
    /// <returns>The closure's loss, or null.</returns>
    public override Tensor step(Func<Tensor>? closure = null)
    {
        if (_parameter_groups.Any(g => ((Options)g.Options).amsgrad == true)) return base.step(closure);
        var loss = LeanStep.Evaluate(closure);
        using var _ = no_grad();
        foreach (var group in _parameter_groups)
        {
            var options = (Options)group.Options;
            var (beta1, beta2, eps, lr, decay) = (options.beta1!.Value, options.beta2!.Value, options.eps!.Value, options.LearningRate!.Value, options.weight_decay!.Value);
            var maximize = options.maximize == true;
            foreach (var parameter in group.Parameters)
            {
                using var scope = NewDisposeScope();                   // this parameter's temporaries, freed before the next
                var grad = parameter.grad;
                if (grad is null) continue;
                if (maximize) grad = grad.neg();
                var state = (State)_state[parameter.Handle];
                state.step += 1;
                if (decay != 0) parameter.mul_(1 - lr * decay);
                var correction1 = 1 - Math.Pow(beta1, state.step);
                var correction2 = 1 - Math.Pow(beta2, state.step);
                state.exp_avg.mul_(beta1).add_(grad, alpha: 1 - beta1);
                state.exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value: 1 - beta2);
                var denominator = state.exp_avg_sq.sqrt().div_(Math.Sqrt(correction2)).add_(eps);
                parameter.addcdiv_(state.exp_avg, denominator, value: -lr / correction1);
            }
        }
        return loss!;
    }
}

/// <summary>
/// SGD with momentum and L2 weight decay (PyTorch's <c>torch.optim.SGD</c> rule, as TorchSharp's <see cref="SGD"/>:
/// <c>g += wd p; b = m b + (1 - dampening) g</c> (the first step <c>b = g</c>); <c>p -= lr b</c>), same state and options
/// as <see cref="SGD"/>, but releasing each parameter's temporary (the decayed gradient) as soon as that parameter is
/// updated instead of at the end of the step (see <see cref="LeanAdamW"/> for why). Values bit-identical to
/// TorchSharp's SGD.
/// </summary>
internal sealed class LeanSgd : SGD
{
    /// <summary>Creates the optimiser over one parameter group.</summary>
    /// <param name="parameters">Trained parameters.</param>
    /// <param name="lr">Learning rate, &gt;= 0.</param>
    /// <param name="momentum">Momentum, &gt;= 0 (0: plain SGD).</param>
    /// <param name="weightDecay">L2 weight decay added to the gradient, &gt;= 0.</param>
    /// <exception cref="ArgumentException">When a value is out of range (TorchSharp's checks).</exception>
    public LeanSgd(IEnumerable<Parameter> parameters, double lr, double momentum = 0, double weightDecay = 0)
        : base(parameters, lr, momentum, 0, weightDecay) { }

    /// <summary>One SGD update of every parameter that has a gradient.</summary>
    /// <param name="closure">Re-evaluates the loss (optional; evaluated with gradients on, before the update).</param>
    /// <returns>The closure's loss, or null.</returns>
    public override Tensor step(Func<Tensor>? closure = null)
    {
        var loss = LeanStep.Evaluate(closure);
        using var _ = no_grad();
        foreach (var group in _parameter_groups)
        {
            var options = (Options)group.Options;
            var (momentum, dampening, decay, lr) = (options.momentum!.Value, options.dampening!.Value, options.weight_decay!.Value, options.LearningRate!.Value);
            var (nesterov, maximize) = (options.nesterov == true, options.maximize == true);
            foreach (var parameter in group.Parameters)
            {
                using var scope = NewDisposeScope();                   // this parameter's temporaries, freed before the next
                var grad = parameter.grad;
                if (grad is null) continue;
                var state = (State)_state[parameter.Handle];
                if (decay != 0) grad = grad.add(parameter, alpha: decay);
                if (momentum != 0)
                {
                    if (state.momentum_buffer is null)
                        state.momentum_buffer = grad.clone().detach().DetachFromDisposeScope();
                    else
                        state.momentum_buffer.mul_(momentum).add_(grad, alpha: 1 - dampening);
                    grad = nesterov ? grad.add(state.momentum_buffer, alpha: momentum) : state.momentum_buffer;
                }
                parameter.add_(grad, alpha: maximize ? lr : -lr);
            }
        }
        return loss!;
    }
}

/// <summary>What the lean optimisers' steps share.</summary>
internal static class LeanStep
{
    /// <summary>Evaluates an optimiser step's closure with gradients on (TorchSharp's order: before the update).</summary>
    /// <param name="closure">Re-evaluates the loss, or null.</param>
    /// <returns>The loss, or null without a closure.</returns>
    public static Tensor? Evaluate(Func<Tensor>? closure)
    {
        if (closure is null) return null;
        using (enable_grad()) return closure();
    }
}
