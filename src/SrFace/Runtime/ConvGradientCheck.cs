using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SrFace.Runtime;

/// <summary>
/// Self-check of the convolution kernels this process will train with: compares a float32 conv2d's forward output,
/// input gradient and weight gradient against a float64 reference on random data. Guards against the oneDNN fault
/// seen on AMD Zen 5 (docs/TORCHSHARP-NOTES.md): NCHW 3x3/5x5 convolutions with an output-channel count not a
/// multiple of 16 return wrong input gradients (up to 1e29 or NaN) in 33-100% of calls, while channels-last is right.
/// </summary>
/// <remarks>
/// The loss is <c>L = sum(y * g)</c> with a random upstream gradient g, so dL/dx and dL/dW are the full backward
/// convolutions. The float64 reference does not go through oneDNN (which has no float64 kernels). Each repeat
/// draws new data from a private generator, so results do not depend on torch's global seed.
/// </remarks>
public static class ConvGradientCheck
{
    /// <summary>Checks <see cref="ConvGradientCheckOptions.DefaultCases"/> in the given layout.</summary>
    /// <param name="options">Sizes, repeats and tolerance; defaults when null.</param>
    /// <param name="layout">The layout to check; SrFace trains in <see cref="ConvLayout.ChannelsLast"/>.</param>
    /// <returns>One result per case, in order.</returns>
    /// <exception cref="ArgumentOutOfRangeException">When an option is out of range.</exception>
    public static IReadOnlyList<ConvCaseResult> Run(ConvGradientCheckOptions? options = null, ConvLayout layout = ConvLayout.ChannelsLast) =>
        Run(ConvGradientCheckOptions.DefaultCases, options ?? new ConvGradientCheckOptions(), layout);

    /// <summary>Checks the given cases in the given layout.</summary>
    /// <param name="cases">The convolutions to check.</param>
    /// <param name="options">Sizes, repeats and tolerance.</param>
    /// <param name="layout">The layout to check.</param>
    /// <returns>One result per case, in order.</returns>
    /// <exception cref="ArgumentOutOfRangeException">When an option or a case is out of range.</exception>
    public static IReadOnlyList<ConvCaseResult> Run(IEnumerable<ConvCase> cases, ConvGradientCheckOptions options, ConvLayout layout)
    {
        ArgumentNullException.ThrowIfNull(cases);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return cases.Select(c => RunCase(c, options, layout)).ToList();
    }

    /// <summary>Checks one convolution over <see cref="ConvGradientCheckOptions.Repeats"/> random inputs.</summary>
    /// <param name="convCase">The convolution.</param>
    /// <param name="options">Sizes, repeats and tolerance.</param>
    /// <param name="layout">The layout to check.</param>
    /// <returns>The worst errors over the repeats and how many repeats failed.</returns>
    /// <exception cref="ArgumentOutOfRangeException">When the case has a channel count under 1 or an even or non-positive kernel.</exception>
    public static ConvCaseResult RunCase(ConvCase convCase, ConvGradientCheckOptions options, ConvLayout layout)
    {
        ArgumentNullException.ThrowIfNull(convCase);
        ArgumentNullException.ThrowIfNull(options);
        if (convCase.InChannels < 1 || convCase.OutChannels < 1 || convCase.KernelSize < 1 || convCase.KernelSize % 2 == 0)
            throw new ArgumentOutOfRangeException(nameof(convCase), $"Conv case {convCase}: channels must be >= 1 and the kernel odd and >= 1.");
        ErrorFigures? output = null, inputGrad = null, weightGrad = null;
        var failed = 0;
        for (var r = 0; r < options.Repeats; r++)
        {
            var (o, gx, gw) = Compare(convCase, options, layout, options.Seed + 7919L * r + 104729L * (convCase.InChannels * 4096 + convCase.OutChannels * 16 + convCase.KernelSize));
            output = output?.Worst(o) ?? o;
            inputGrad = inputGrad?.Worst(gx) ?? gx;
            weightGrad = weightGrad?.Worst(gw) ?? gw;
            if (!o.Within(options.Tolerance) || !gx.Within(options.Tolerance) || !gw.Within(options.Tolerance)) failed++;
        }
        return new ConvCaseResult(convCase, layout, options.Repeats, failed, output!, inputGrad!, weightGrad!, options.Tolerance);
    }

    private static (ErrorFigures Output, ErrorFigures InputGradient, ErrorFigures WeightGradient) Compare(
        ConvCase c, ConvGradientCheckOptions options, ConvLayout layout, long seed)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)seed);
        long n = options.Batch, s = options.Size, k = c.KernelSize, pad = k / 2;
        var x = randn([n, c.InChannels, s, s], float64, generator: generator);
        var w = randn([c.OutChannels, c.InChannels, k, k], float64, generator: generator) / Math.Sqrt(c.InChannels * k * k);
        var b = randn([c.OutChannels], float64, generator: generator) * 0.1;
        var g = randn([n, c.OutChannels, s, s], float64, generator: generator);

        var (y64, gx64, gw64) = ForwardBackward(x, w, b, g, pad);
        Tensor Prepare(Tensor t) => layout == ConvLayout.ChannelsLast && t.dim() == 4 ? t.to(float32).ToChannelsLast() : t.to(float32).contiguous();
        var (y32, gx32, gw32) = ForwardBackward(Prepare(x), Prepare(w), Prepare(b), Prepare(g), pad);
        return (Error(y32, y64), Error(gx32, gx64), Error(gw32, gw64));
    }

    private static (Tensor Y, Tensor InputGradient, Tensor WeightGradient) ForwardBackward(Tensor x, Tensor w, Tensor b, Tensor g, long pad)
    {
        // Fresh leaves so each precision gets its own graph; g is the upstream gradient dL/dy.
        var xl = x.detach().requires_grad_(true);
        var wl = w.detach().requires_grad_(true);
        var y = F.conv2d(xl, wl, b, padding: [pad, pad]); // [N, C_out, H, W] ('same')
        y.backward([g]);
        return (y.detach(), xl.grad!, wl.grad!);
    }

    private static ErrorFigures Error(Tensor actual, Tensor reference)
    {
        var abs = (actual.to(float64) - reference).abs().max().item<double>();
        var scale = reference.abs().max().item<double>();
        return new ErrorFigures(abs, scale > 0 ? abs / scale : abs);
    }
}
