using SrFace.Models.Recognition;

namespace SrFace.Models.Pretrained;

/// <summary>
/// Where a catalogue recogniser's pretrained weights come from and how they are loaded: a TF.js weights manifest in
/// an npm package, fetched into the <see cref="ModelStore"/> and verified against its pinned SHA-256.
/// </summary>
/// <param name="Package">npm package, e.g. <c>@vladmandic/face-api</c>.</param>
/// <param name="Version">Exact version (pinned in <see cref="PinnedModelFile.All"/>).</param>
/// <param name="ManifestInPackage">The weights manifest inside the package.</param>
/// <param name="Licence">Licence of the weights as distributed in the package (SPDX), e.g. <c>MIT</c>.</param>
/// <param name="Load">Loads the manifest (full path) into a network built by the entry's factory.</param>
public sealed record PretrainedWeights(string Package, string Version, string ManifestInPackage, string Licence, Action<FaceRecognizer, string> Load)
{
    /// <summary>Loads these weights from <paramref name="store"/> into <paramref name="model"/>.</summary>
    /// <param name="model">A network of the right architecture.</param>
    /// <param name="store">The model store.</param>
    /// <exception cref="ModelStoreException">When a file is missing or damaged.</exception>
    /// <exception cref="IO.TfJs.TfJsFormatException">When the files do not fit the network.</exception>
    public void LoadInto(FaceRecognizer model, ModelStore store) =>
        Load(model, store.LocateTfJsModel(Package, Version, ManifestInPackage));

    /// <summary><c>package@version</c>.</summary>
    public override string ToString() => $"{Package}@{Version}";
}
