using SrFace.Cli.Reporting;
using SrFace.Detection;
using SrFace.Models;
using SrFace.Recognition;

namespace SrFace.Tests.Cli;

/// <summary>What verify and identify say about the face they used (no model needed: hand-made detections).</summary>
public class FaceReportTests
{
    private static readonly PointF2[] Landmarks = Enumerable.Range(0, 68).Select(i => new PointF2(100 + i, 50 + 0.5 * i)).ToArray();

    private static EmbeddedFace Face(bool landmarks, int facesFound) => new([1f], 150, 60, new DetectedFace(new FaceBox(10.1234, 20.25, 50, 61.25), 0.91234,
        FaceDetectorKind.TinyLarge, landmarks ? Landmarks : null, landmarks ? FivePointLandmarks.From68(Landmarks) : null,
        new FaceSize(null, 55)), facesFound, Restored: true, FaceSidePx: 55.004);

    [Fact]
    public void A_face_with_landmarks_gives_its_box_detector_and_the_landmark_set_the_alignment_uses()
    {
        var json = FaceReport.ImageAndFace("a.jpg", Face(landmarks: true, facesFound: 1), FaceAlignmentTemplate.DlibChip);
        Assert.Equal("a.jpg", (string?)json["file"]);
        Assert.Equal(1, (int?)json["facesFound"]);
        Assert.Equal("aligned", (string?)json["framing"]);
        Assert.Null(json["note"]);
        Assert.Equal((10.12, 20.25, 50.0, 61.25), ((double)json["box"]!["x"]!, (double)json["box"]!["y"]!, (double)json["box"]!["width"]!, (double)json["box"]!["height"]!));
        Assert.Equal("tiny-large", (string?)json["detector"]);
        Assert.Equal(0.9123, (double)json["score"]!);
        Assert.Equal(68, json["landmarks"]!.AsArray().Count);
        Assert.Equal(133.0, (double)json["landmarks"]![33]![0]!);
        Assert.False(json.ContainsKey("fallback"));
        // A five-point template reports the five points it aligned on.
        var five = FaceReport.Face(Face(landmarks: true, facesFound: 1), FaceAlignmentTemplate.ArcFace5Point);
        Assert.Equal(5, five["landmarks"]!.AsArray().Count);
        Assert.Equal("A: box x 10, y 20, 50x61 px (tiny-large detector, 68 landmarks)", FaceReport.Describe("A", Face(true, 1), FaceAlignmentTemplate.DlibChip));
    }

    [Fact]
    public void An_image_taken_whole_by_a_model_that_aligns_faces_is_said_so_and_a_cropping_models_crop_is_not()
    {
        var whole = new EmbeddedFace([1f], 40, 40, null, 0, Restored: true, FaceSidePx: 40);
        var line = FaceReport.Describe("B", whole, FaceAlignmentTemplate.LandmarkBox);
        Assert.Equal($"B: no face detection: the image was taken whole as a face crop, not checked to be a face (40 px; images up to {SrFace.Data.FacePreprocessing.UndetectableSide} px are, and so is any with a crop fraction given)", line);
        Assert.Null(FaceReport.Describe("B", whole, FaceAlignmentTemplate.CentredCrop));   // the normal framing of a cropping model
    }

    [Fact]
    public void A_face_too_small_for_landmarks_says_it_fell_back_to_the_detector_box()
    {
        var face = Face(landmarks: false, facesFound: 1);
        var json = FaceReport.Face(face, FaceAlignmentTemplate.DlibChip);
        Assert.True(json.ContainsKey("landmarks"));
        Assert.Null(json["landmarks"]);
        Assert.Equal("detector box", (string?)json["fallback"]);
        Assert.Contains("too small for landmarks: aligned on the detector box", FaceReport.Describe("B", face, FaceAlignmentTemplate.DlibChip));
    }

    [Fact]
    public void Several_faces_are_counted_and_the_choice_is_named()
    {
        var face = Face(landmarks: true, facesFound: 3);
        Assert.Equal("3 faces found, using the largest", (string?)FaceReport.Image("p.jpg", face)["note"]);
        Assert.Equal("3 faces found, identifying each", (string?)FaceReport.Image("p.jpg", face, allFaces: true)["note"]);
        Assert.StartsWith("A: 3 faces found, using the largest: box x 10", FaceReport.Describe("A", face, FaceAlignmentTemplate.DlibChip));
    }

    [Fact]
    public void The_json_is_byte_for_byte_the_one_verify_has_always_printed_and_the_fields_are_the_library_records()
    {
        var face = Face(landmarks: false, facesFound: 3);
        Assert.Equal("""{"file":"b.jpg","facesFound":3,"framing":"aligned","note":"3 faces found, using the largest","box":{"x":10.12,"y":20.25,"width":50,"height":61.25},"detector":"tiny-large","score":0.9123,"landmarks":null,"fallback":"detector box","faceSidePx":55,"restored":true}""",
            FaceReport.ImageAndFace("b.jpg", face, FaceAlignmentTemplate.DlibChip).ToJsonString());
        Assert.Equal("""{"file":"c.png","facesFound":null,"framing":"centred crop","box":null,"detector":null,"score":null,"landmarks":null,"faceSidePx":120,"restored":false}""",
            FaceReport.ImageAndFace("c.png", new EmbeddedFace([1f], 32, 120, null, 0, FaceSidePx: 120), FaceAlignmentTemplate.CentredCrop).ToJsonString());
        // identify's split: image fields once, face fields per face; together they are the library record (what the server sends).
        var image = FaceReport.Image("b.jpg", face);
        var one = FaceReport.Face(face, FaceAlignmentTemplate.DlibChip);
        Assert.Equal(["file", "facesFound", "framing", "note"], image.Select(p => p.Key));
        Assert.Equal(["box", "detector", "score", "landmarks", "fallback", "faceSidePx", "restored"], one.Select(p => p.Key));
        var used = UsedFace.From(face, FaceAlignmentTemplate.DlibChip).ToJson();
        Assert.Equal(used.ToJsonString(), FaceReport.ImageAndFace("b.jpg", face, FaceAlignmentTemplate.DlibChip).ToJsonString().Replace("\"file\":\"b.jpg\",", ""));
    }

    [Fact]
    public void A_centred_crop_has_no_detection_to_report()
    {
        var crop = new EmbeddedFace([1f], 32, 120, null, 0);
        var json = FaceReport.ImageAndFace("c.png", crop, FaceAlignmentTemplate.CentredCrop);
        Assert.Equal("centred crop", (string?)json["framing"]);
        Assert.Null(json["facesFound"]);
        Assert.Null(json["box"]);
        Assert.Null(json["landmarks"]);
        Assert.Null(FaceReport.Describe("A", crop, FaceAlignmentTemplate.CentredCrop));
    }
}
