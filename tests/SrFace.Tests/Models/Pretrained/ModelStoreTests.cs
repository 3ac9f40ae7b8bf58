using SrFace.Models;
using SrFace.Models.Pretrained;

namespace SrFace.Tests.Models.Pretrained;

public class ModelStoreTests
{
    private static readonly PinnedModelFile Manifest =
        PinnedModelFile.All.Single(f => f.PathInPackage == "model/face_recognition_model-weights_manifest.json");

    /// <summary>A temporary store holding a copy of the real recogniser files (the user's store is never modified).</summary>
    private static ModelStore CopyOfRecognizerFiles()
    {
        var store = new ModelStore(TestData.NewTempDir());
        foreach (var f in PinnedModelFile.All.Where(f => f.PathInPackage.StartsWith("model/face_recognition_model", StringComparison.Ordinal)))
        {
            var target = Path.Combine(store.Root, f.RelativePath);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(Path.Combine(PretrainedStore.Open().Root, f.RelativePath), target);
        }
        return store;
    }

    [Fact]
    public void PinsCoverTheDefaultRecognizerAndTheFetchScriptReadsTheSameList()
    {
        var entry = ModelCatalog.Recognizers["dlib-resnet"].Pretrained!;
        Assert.Contains(PinnedModelFile.All, f => f.Package == entry.Package && f.Version == entry.Version && f.PathInPackage == entry.ManifestInPackage);
        Assert.All(PinnedModelFile.All, f => Assert.Matches("^[0-9a-f]{64}$", f.Sha256));
        var script = File.ReadAllText(Path.Combine(TestData.RepoRoot, "scripts", "fetch-models.sh"));
        Assert.Contains("src/SrFace/Models/Pretrained/pretrained-files.tsv", script);
    }

    [Fact]
    public void TheRootComesFromTheOptionThenTheEnvironmentThenTheUserCache()
    {
        Assert.Equal("/opt/m", ModelStore.ResolveRoot("/opt/m", "/env/m", "/xdg", "/home/u"));
        Assert.Equal("/env/m", ModelStore.ResolveRoot(null, "/env/m", "/xdg", "/home/u"));
        Assert.Equal(Path.Combine("/xdg", "srface", "models"), ModelStore.ResolveRoot(null, "", "/xdg", "/home/u"));
        Assert.Equal(Path.Combine("/home/u", ".cache", "srface", "models"), ModelStore.ResolveRoot(null, null, null, "/home/u"));
    }

    [Fact]
    public void OneChangedByteIsRefusedNamingTheFileAndTheFix()
    {
        var store = CopyOfRecognizerFiles();
        var weights = PinnedModelFile.All.Single(f => f.PathInPackage == "model/face_recognition_model.bin");
        var path = Path.Combine(store.Root, weights.RelativePath);
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 1;
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<ModelStoreException>(() => ModelCatalog.CreatePretrainedRecognizer("dlib-resnet", store));
        Assert.Contains(path, e.Message);
        Assert.Contains(ModelStore.FetchCommand, e.Message);
        Assert.Equal(ModelFileState.Corrupt, store.Inspect().Single(s => s.File == weights).State);
    }

    [Fact]
    public void AMissingStoreSaysWhichCommandFetchesIt()
    {
        var store = new ModelStore(Path.Combine(TestData.NewTempDir(), "nothing-here"));
        var e = Assert.Throws<ModelStoreException>(() => store.Locate(Manifest.Package, Manifest.Version, Manifest.PathInPackage));
        Assert.Contains(ModelStore.FetchCommand, e.Message);
        Assert.All(store.Inspect(), s => Assert.Equal(ModelFileState.Missing, s.State));
    }
}
