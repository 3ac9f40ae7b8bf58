using SrFace.Runtime;
using static TorchSharp.torch;

namespace SrFace.Tests.Runtime;

[Collection(TorchCollection.Name)]
public class ChannelsLastTests
{
    [Fact]
    public void TensorKeepsShapeAndValuesAndGetsNhwcStrides()
    {
        using var scope = NewDisposeScope();
        var x = arange(2 * 3 * 4 * 5, dtype: float32).reshape(2, 3, 4, 5);
        Assert.False(x.IsChannelsLast());
        var y = x.ToChannelsLast();
        Assert.Equal(x.shape, y.shape);
        Assert.Equal(new long[] { 60, 1, 15, 3 }, y.stride());
        Assert.True(y.IsChannelsLast());
        Assert.True(x.eq(y).all().item<bool>());
    }

    [Fact]
    public void ModuleConvolutionWeightsBecomeChannelsLastInPlace()
    {
        using var scope = NewDisposeScope();
        var conv = nn.Conv2d(3, 8, 3);
        var before = conv.weight!.clone();
        conv.ToChannelsLast();
        Assert.True(conv.weight!.IsChannelsLast());
        Assert.True(before.eq(conv.weight).all().item<bool>());
    }
}
