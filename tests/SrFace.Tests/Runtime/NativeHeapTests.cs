using SrFace.Runtime;

namespace SrFace.Tests.Runtime;

/// <summary>glibc keeps libtorch's freed blocks for reuse once torch is set up (<see cref="NativeHeap"/>).</summary>
public class NativeHeapTests
{
    [Fact]
    public void Torch_set_up_keeps_freed_blocks_on_linux_and_the_setting_is_applied_once()
    {
        TorchSetup.Initialise();
        Assert.Equal(OperatingSystem.IsLinux(), NativeHeap.FreedBlocksKept); // glibc (Debian) accepts both mallopt settings
        Assert.Equal(NativeHeap.FreedBlocksKept, NativeHeap.KeepFreedBlocks());
    }
}
