using SrFace.Models.Pretrained;

namespace SrFace.Tests.Models.Pretrained;

/// <summary>
/// The model store the tests read pretrained weights from: <c>$SRFACE_MODELS</c> or the default user folder, filled
/// by <c>scripts/fetch-models.sh</c> (which <c>scripts/test.sh</c> runs before the tests).
/// </summary>
public static class PretrainedStore
{
    /// <summary>The store, as the CLI would resolve it without <c>--models</c>.</summary>
    public static ModelStore Open() => new(ModelStore.ResolveRoot(null, Environment.GetEnvironmentVariable(ModelStore.EnvironmentVariable),
        Environment.GetEnvironmentVariable("XDG_CACHE_HOME"), Environment.GetFolderPath(Environment.SpecialFolder.UserProfile)));
}
