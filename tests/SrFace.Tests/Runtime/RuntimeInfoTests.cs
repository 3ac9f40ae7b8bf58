using SrFace.Runtime;

namespace SrFace.Tests.Runtime;

[Collection(TorchCollection.Name)]
public class RuntimeInfoTests
{
    private const string ZenCpuInfo = """
        processor	: 0
        vendor_id	: AuthenticAMD
        model name	: AMD EPYC 9B45
        flags		: fpu sse2 avx fma avx2 avx512f avx512bw avx512_bf16 avx512_vnni
        
        processor	: 1
        vendor_id	: AuthenticAMD
        model name	: AMD EPYC 9B45
        flags		: fpu sse2 avx fma avx2 avx512f avx512bw avx512_bf16 avx512_vnni
        """;

    [Fact]
    public void CpuInfoFlagsAreParsed()
    {
        var cpu = CpuFeatures.Parse(ZenCpuInfo);
        Assert.Equal("AMD EPYC 9B45", cpu.Model);
        Assert.Equal("AuthenticAMD", cpu.Vendor);
        Assert.True(cpu.Avx2 && cpu.Avx512F && cpu.Avx512Bf16);
        Assert.False(cpu.AmxTile || cpu.AmxBf16);
        Assert.True(cpu.SupportsBFloat16);
        Assert.Equal("avx2 avx512f avx512_bf16", cpu.IsaSummary);
    }

    [Fact]
    public void AmxBf16AloneMeansBFloat16AndEmptyTextMeansNothing()
    {
        Assert.True(CpuFeatures.Parse("flags : avx2 amx_tile amx_bf16\n").SupportsBFloat16);
        var none = CpuFeatures.Parse("");
        Assert.False(none.SupportsBFloat16 || none.Avx2);
        Assert.Equal("unknown", none.Model);
        Assert.Equal("none", none.IsaSummary);
    }

    [Fact]
    public void CollectReportsVersionsAndThreads()
    {
        var threads = TorchSetup.Initialise(Environment.ProcessorCount);
        var info = RuntimeInfo.Collect();
        Assert.Equal(threads, info.TorchThreads);
        Assert.Equal(TorchSetup.Threads, info.TorchThreads);
        Assert.StartsWith("0.", info.TorchSharpVersion);
        Assert.Matches(@"^\d+\.\d+", info.LibTorchVersion);
        Assert.Contains(info.Rows, r => r.Name == "ISA");
        Assert.Throws<ArgumentOutOfRangeException>(() => TorchSetup.Initialise(0));
    }
}
