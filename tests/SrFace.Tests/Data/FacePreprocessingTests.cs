using SrFace.Models;
using SrFace.Data;
using SrFace.Imaging;
using static TorchSharp.torch;

namespace SrFace.Tests.Data;

[Collection(TorchCollection.Name)]
public class FacePreprocessingTests
{
    [Fact]
    public void LfwCropIs120CentredPixelsResizedToInputSize()
    {
        Assert.Equal(120, FacePreprocessing.Lfw().CropSide(250, 250));
        Assert.Equal(92, FacePreprocessing.Orl().CropSide(112, 92));
        using var scope = NewDisposeScope();
        var path = Directory.EnumerateFiles(Path.Combine(TestData.LfwImages, "Aaron_Peirsol"), "*.jpg").Order(StringComparer.Ordinal).First();
        var image = new FaceImageReader().Read(path);
        var face = FaceCropper.CropAndResize(image, FacePreprocessing.Lfw(64), path);
        Assert.Equal(new long[] { 3, 64, 64 }, face.shape);
        Assert.True(face.min().item<float>() >= 0f && face.max().item<float>() <= 1f);
        // At the crop's own size the result is exactly the centre window (rows/cols 65..184).
        var same = FaceCropper.CropAndResize(image, FacePreprocessing.Lfw(120), path);
        Assert.True(same.eq(image.narrow(1, 65, 120).narrow(2, 65, 120)).all().item<bool>());
        // A downscale keeps the mean brightness of the crop.
        Assert.Equal(same.mean().item<float>(), face.mean().item<float>(), 2);
    }

    [Fact]
    public void TightCropsAreTakenWholeBelowTheInputOrTheDetectorsReach()
    {
        var aligning = new FacePreprocessing(150, Alignment: FaceAlignmentTemplate.LandmarkBox);
        Assert.Equal(FaceAlignmentTemplate.CentredCrop, aligning.FramingFor(FacePreprocessing.UndetectableSide, 90, null, false).Alignment);
        Assert.Equal(1.0, aligning.FramingFor(40, 40, null, false).CropFraction);
        Assert.Same(aligning, aligning.FramingFor(FacePreprocessing.UndetectableSide + 1, 200, null, false));   // detected: no face is an error
        Assert.Same(aligning, aligning.FramingFor(40, 40, null, framingGiven: true));
        Assert.Equal(0.5, aligning.FramingFor(400, 400, 0.5, false).CropFraction);
        var cropping = FacePreprocessing.Lfw(112);
        Assert.Equal(1.0, cropping.FramingFor(92, 111, null, false).CropFraction);
        Assert.Same(cropping, cropping.FramingFor(112, 250, null, false));
        var small = new FacePreprocessing(32, Alignment: FaceAlignmentTemplate.DlibChip);                     // S below the reach
        Assert.Same(small, small.FramingFor(32, 32, null, false));
        Assert.Equal(FaceAlignmentTemplate.CentredCrop, small.FramingFor(31, 31, null, false).Alignment);
    }

    [Fact]
    public void CropLargerThanImageIsAnErrorNamingTheFile()
    {
        using var scope = NewDisposeScope();
        var e = Assert.Throws<InvalidDataException>(() =>
            FaceCropper.CropAndResize(zeros(3, 100, 80), new FacePreprocessing(64, CropPixels: 90), "small.png"));
        Assert.Contains("small.png", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => FaceCropper.CropAndResize(zeros(3, 8, 8), new FacePreprocessing(0), "x"));
    }

    [Fact]
    public void LoaderBatchesOrlAsRgbAndCaches()
    {
        using var scope = NewDisposeScope();
        var orl = FaceDataset.FromIdentityFolders(TestData.Orl).WithoutIdentities(Enumerable.Range(3, 38).Select(i => $"s{i}"));
        Assert.Equal(20, orl.Count);
        var loader = new FaceImageLoader(orl, FacePreprocessing.Orl(32), cacheCrops: true);
        int[] indices = [0, 5, 19, 0];
        var batch = loader.LoadBatch(indices);
        Assert.Equal(new long[] { 4, 3, 32, 32 }, batch.shape);
        Assert.True(batch.min().item<float>() >= 0f && batch.max().item<float>() <= 1f);
        Assert.True(batch[0].eq(batch[3]).all().item<bool>());
        Assert.True(batch[0, 0].eq(batch[0, 2]).all().item<bool>()); // grey replicated
        Assert.Equal(3, loader.CachedCount);
        var again = loader.LoadBatch(indices);
        Assert.True(again.eq(batch).all().item<bool>());
        var uncached = new FaceImageLoader(orl, FacePreprocessing.Orl(32)).LoadBatch(indices);
        Assert.True(uncached.eq(batch).all().item<bool>());
        Assert.Equal(new long[] { 0, 0, 1, 0 }, loader.LoadLabels(indices).data<long>().ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => loader.LoadBatch([20]));
    }

    [Fact]
    public void LoaderReadsLfwGreyBatch()
    {
        using var scope = NewDisposeScope();
        var lfw = FaceDataset.FromIdentityFolders(TestData.LfwImages, null);
        var loader = new FaceImageLoader(lfw, FacePreprocessing.Lfw(48) with { Color = ColorMode.Grey });
        var batch = loader.LoadBatch(Enumerable.Range(0, 6).ToList());
        Assert.Equal(new long[] { 6, 1, 48, 48 }, batch.shape);
        Assert.True(batch.std().item<float>() > 0.05f);
    }
}
