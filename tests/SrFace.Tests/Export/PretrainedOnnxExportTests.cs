using SrFace.Cascade;
using SrFace.Data;
using SrFace.Export;
using SrFace.Models;
using SrFace.Tests.Models.Pretrained;
using SrFace.Tests.Training;
using SrFace.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SrFace.Tests.Export;

/// <summary>
/// The pretrained recogniser (dlib-resnet, face-api's weights from the model store) and a fine-tuned cascade (vdsr +
/// dlib-resnet after one joint step) exported to ONNX and run in ONNX Runtime against TorchSharp on real LFW faces
/// at 150 px, framed by the catalogue's centred crop.
/// </summary>
[Collection(TorchCollection.Name)]
public class PretrainedOnnxExportTests(ITestOutputHelper output)
{
    private const float EmbeddingTolerance = OnnxExportTests.EmbeddingTolerance;

    [Theory]
    [InlineData(19)]   // a low-quality probe: bicubic upsampling to S, recogniser (no SR model)
    [InlineData(150)]  // = S: a sharp face
    public void Pretrained_dlib_resnet_runs_alike_in_onnx_runtime(int probeSize)
    {
        using var cascade = FaceRecognitionCascade.FromPretrained("dlib-resnet", PretrainedStore.Open(), centredCrop: true);
        Compare(cascade, probeSize, "dlib-resnet");
    }

    [Fact]
    public void Fine_tuned_vdsr_cascade_runs_alike_in_onnx_runtime()
    {
        using var cascade = FineTuned(FeatureFusion.Mean);
        Assert.True(cascade.SuperResolution is SrFace.Models.SuperResolution.Vdsr { Options.Unshuffle: 2 });
        Compare(cascade, 19, "vdsr + dlib-resnet (mean fusion)");
    }

    [Fact]
    public void Fine_tuned_vdsr_cascade_with_concatenation_runs_alike_in_onnx_runtime()
    {
        using var cascade = FineTuned(FeatureFusion.Concatenate);
        Compare(cascade, 37, "vdsr + dlib-resnet (concatenation)");
    }

    /// <summary>
    /// The Vdsr mapping alone for every unshuffle factor, on sides that are and are not multiples of it (replicate
    /// padding and the crop back happen at run time in the graph), with a tail scaled up so the correction matters.
    /// </summary>
    [Theory]
    [InlineData(1, 37)]
    [InlineData(2, 150)]
    [InlineData(3, 37)]
    [InlineData(4, 150)]
    public void Vdsr_mapping_matches_for_every_unshuffle_factor_and_padded_sides(int unshuffle, int side)
    {
        using var vdsr = new SrFace.Models.SuperResolution.Vdsr(new SrFace.Models.SuperResolution.VdsrOptions(Width: 8, Layers: 3, Unshuffle: unshuffle));
        vdsr.eval();
        using (no_grad())
            foreach (var p in OnnxLayerMappings.Child(vdsr, "tail").parameters()) p.mul_(10);
        var g = new OnnxGraphBuilder("vdsr");
        g.Output(g.Emit(vdsr, g.Input("x", [null, 3, side, side])), "y", [null, 3, side, side]);
        using var scope = NewDisposeScope();
        var faces = Faces(FineTuningTests.Loader150().Preprocessing, side, count: 4);                                                // [4, 3, side, side]
        var expected = vdsr.forward(faces).contiguous().data<float>().ToArray();
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(Google.Protobuf.MessageExtensions.ToByteArray(g.ToModel(new Dictionary<string, string>())));
        var input = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(faces.contiguous().data<float>().ToArray(), [4, 3, side, side]);
        using var results = session.Run([Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor("x", input)]);
        var got = results[0].AsTensor<float>().ToArray();
        var diff = expected.Zip(got, (a, b) => Math.Abs(a - b)).Max();
        var correction = expected.Zip(faces.contiguous().data<float>().ToArray(), (a, b) => Math.Abs(a - b)).Max();
        output.WriteLine($"vdsr r = {unshuffle}, {side} px: max |ONNX Runtime - TorchSharp| = {diff:E2} (largest correction {correction:F3})");
        Assert.True(diff < EmbeddingTolerance, $"restored faces differ by {diff:E2}");
        Assert.True(correction > 0.01, "the correction is negligible: the test would not see a wrong mapping");
    }

    /// <summary>
    /// A vdsr + dlib-resnet cascade after one joint fine-tuning step on 8 LFW faces (the path of <c>srface demo</c>):
    /// the SR model at a constant rate (it starts from scratch), the recogniser with the defaults' warm-up (a full-rate
    /// Adam step on 4 identities collapses the pretrained embedding, and the comparison needs distinct faces).
    /// </summary>
    private static FaceRecognitionCascade FineTuned(FeatureFusion fusion)
    {
        var options = FineTuningTests.Small() with { RecognizerOptimizer = FineTuning.Defaults().RecognizerOptimizer };
        using var trainer = new JointTrainer(options, PretrainedStore.Open());
        var loader = FineTuningTests.Loader150();
        using (NewDisposeScope()) trainer.Step(loader.LoadBatch(FineTuningTests.Batch), loader.LoadLabels(FineTuningTests.Batch), 0);
        return trainer.ToCascade(loader.Preprocessing, fusion);
    }

    /// <summary>
    /// Exports <paramref name="cascade"/> for <paramref name="probeSize"/> and compares both paths on 6 LFW faces; an
    /// export whose probe input takes any side below S is also compared at 119 px (the native side of an aligned LFW face).
    /// </summary>
    private void Compare(FaceRecognitionCascade cascade, int probeSize, string name)
    {
        var path = Path.Combine(TestData.NewTempDir(), $"cascade-p{probeSize}.onnx");
        var metadata = CascadeOnnxExporter.Export(cascade, probeSize, path);
        Assert.Equal((probeSize, 150, 18), (metadata.ProbeSize, metadata.InputSize, metadata.Opset));
        Assert.Equal(probeSize < 150, metadata.ProbeAnySide);   // no SR model, or vdsr (pre-upsampled): any side
        using var onnx = new OnnxCascade(path, threads: 2);
        using var scope = NewDisposeScope();
        var sharp = Faces(cascade.Preprocessing, cascade.InputSize, count: 6);              // [6, 3, 150, 150]
        var expectedSharp = cascade.EmbedRecognizerOnly(sharp);
        if (metadata.EmbeddingWidth != cascade.EmbeddingSize) expectedSharp = cat([expectedSharp, expectedSharp], 1) / Math.Sqrt(2);
        var diffSharp = OnnxExportTests.MaxAbsDifference(expectedSharp, onnx.Embed(sharp.contiguous().data<float>().ToArray(), 6, cascade.InputSize));
        output.WriteLine($"{name}: 6 LFW faces at 150 px: max |ONNX Runtime - TorchSharp| = {diffSharp:E2} (face path)");
        Assert.True(diffSharp < EmbeddingTolerance, $"face path differs by {diffSharp:E2}");
        foreach (var side in metadata.ProbeAnySide ? new[] { probeSize, 119 } : [probeSize])
        {
            var probes = Faces(cascade.Preprocessing, side, count: 6);                      // [6, 3, side, side]
            var expected = side >= cascade.InputSize ? cascade.EmbedRecognizerOnly(probes) : cascade.EmbedLowResolution(probes);
            var got = onnx.Embed(probes.contiguous().data<float>().ToArray(), 6, side);
            var diff = OnnxExportTests.MaxAbsDifference(expected, got);
            output.WriteLine($"{name}: export for p = {probeSize}, 6 LFW faces at {side} px: max |ONNX Runtime - TorchSharp| = {diff:E2} (probe path)");
            Assert.True(diff < EmbeddingTolerance, $"probe path at {side} px differs by {diff:E2}");
            // Different people give different vectors (the comparison is not between constant outputs).
            Assert.True(OnnxExportTests.MaxAbsDifference(expected.narrow(0, 0, 1).expand(6, -1), got) > 0.05);
        }
    }

    /// <summary>n LFW faces of n people at <paramref name="side"/> px, framed by a centred crop, <c>[n, 3, side, side]</c>.</summary>
    private static Tensor Faces(FacePreprocessing framing, int side, int count)
    {
        var reader = new SrFace.Imaging.FaceImageReader();
        var files = FineTuningTests.Loader150().Dataset.Samples.GroupBy(s => s.Identity).Select(g => g.First().Path).Take(count);
        return stack(files.Select(f => FaceCropper.CropAndResize(reader.Read(f), framing with { Size = side }, f)).ToArray());
    }
}
