using SrFace.Data;
using SrFace.Detection;
using SrFace.Models;
using SrFace.Models.Pretrained;

namespace SrFace.Export;

/// <summary>
/// Opens an export for the CLI and the HTTP service alike: the <see cref="OnnxCascade"/>, which aligns faces with the
/// exported detector beside it (<see cref="FaceDetectorOnnxExporter.PathFor"/>, ONNX Runtime, no libtorch); only an
/// aligning export without that file gets the face detector of the model store (TorchSharp); none for a centred crop.
/// </summary>
public static class OnnxCascadeLoader
{
    /// <summary>Loads an exported cascade, with its face crop fraction overridden when given.</summary>
    /// <param name="path">A <c>.onnx</c> file written by <c>srface export</c>.</param>
    /// <param name="store">The model store holding the face detector; read only when the export aligns faces.</param>
    /// <param name="cropFraction">A centred crop fraction in (0, 1] replacing the export's framing (no detector then), or null.</param>
    /// <param name="everyImageCropped">True when every image will be given its own crop fraction (no detector needed).</param>
    /// <returns>The cascade and its detector (null when none is needed); the caller disposes both.</returns>
    /// <exception cref="FileNotFoundException">When the file does not exist.</exception>
    /// <exception cref="InvalidDataException">When it is not an ONNX file written by <c>srface export</c>.</exception>
    /// <exception cref="ModelStoreException">When the detector's weights are missing or damaged.</exception>
    public static (OnnxCascade Onnx, FaceDetector? Detector) Load(string path, ModelStore store, double? cropFraction = null, bool everyImageCropped = false)
    {
        ArgumentNullException.ThrowIfNull(store);
        var aligns = OnnxCascade.ReadMetadata(path).Preprocessing.Alignment != FaceAlignmentTemplate.CentredCrop;
        var exportedDetector = File.Exists(FaceDetectorOnnxExporter.PathFor(path));
        var detector = aligns && !exportedDetector && cropFraction is null && !everyImageCropped ? TorchDetector(path, store) : null;
        try
        {
            return (new OnnxCascade(path, preprocessing: cropFraction is { } f ? new FacePreprocessing(CropFraction: f) : null, detector: detector), detector);
        }
        catch
        {
            detector?.Dispose();
            throw;
        }
    }

    /// <summary>The model store's detector in TorchSharp, for an aligning export whose <c>.faces.onnx</c> is missing;
    /// where libtorch cannot load, an error that names the missing file instead of the native library.</summary>
    private static FaceDetector TorchDetector(string path, ModelStore store)
    {
        try
        {
            return FaceDetector.Load(store);
        }
        catch (Exception e) when (e is DllNotFoundException or NotSupportedException or TypeInitializationException)
        {
            throw new FileNotFoundException($"{FaceDetectorOnnxExporter.PathFor(path)} is missing: {path} aligns faces, and without its exported face " +
                "detector beside it the detector runs in TorchSharp, whose libtorch cannot load here. Copy the .faces.onnx file that `srface export` wrote " +
                "beside the .onnx file (or pass --crop-fraction for images that are face crops already).", FaceDetectorOnnxExporter.PathFor(path), e);
        }
    }
}
