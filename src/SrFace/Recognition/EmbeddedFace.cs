using SrFace.Data;
using SrFace.Detection;

namespace SrFace.Recognition;

/// <summary>One embedded face: its embedding and where it came from (the detector's box, landmarks and face count).</summary>
/// <param name="Embedding">L2-normalised embedding (length <see cref="FaceEmbedder.EmbeddingDimension"/>).</param>
/// <param name="ProbeSide">Side in px of the face chip that was embedded (S for a sharp face, smaller for a low-quality probe that went through restoration).</param>
/// <param name="NativeSide">The face's own resolution in px (see <see cref="PreparedFace.NativeSide"/>).</param>
/// <param name="Face">The detected face (box in original-image pixels after EXIF orientation, detector, score, 68 landmarks
/// or none when it was too small for them), or null for a centred crop.</param>
/// <param name="FacesFound">How many faces the detector found in the image (<see cref="FaceEmbedder.EmbedFaces"/> uses the
/// largest; <see cref="FaceEmbedder.EmbedAllFaces"/> embeds each); 0 for a centred crop.</param>
/// <param name="Restored">True when the cascade judged the face a low-quality probe and it went through restoration and
/// fusion (<see cref="Cascade.FaceRecognitionCascade.NeedsRestoration"/>); false when the recogniser alone embedded it
/// (a large face, or a model without SR).</param>
/// <param name="FaceSidePx">The face size the decision used, in photo pixels: the detector box side (the crop side for a
/// centred crop), scaled down when a probe size degraded the face.</param>
public sealed record EmbeddedFace(float[] Embedding, int ProbeSide, int NativeSide, DetectedFace? Face, int FacesFound, bool Restored = false, double FaceSidePx = 0);

/// <summary>A face of a photo made ready for the cascade, before embedding (<see cref="FaceEmbedder.PrepareImageFace"/>).</summary>
/// <param name="Chip">The face chip <c>[C, s, s]</c> float32 in [0, 1] that the preparation stage produced (aligned to the
/// recogniser's template, or the centred crop), at s = min(native side, probe size, S).</param>
/// <param name="NativeSide">The face's own resolution in px (see <see cref="PreparedFace.NativeSide"/>).</param>
/// <param name="Face">The detected face, or null for a centred crop.</param>
/// <param name="FacesFound">How many faces the detector found (the largest is used); 0 for a centred crop.</param>
/// <param name="Restore">The cascade's decision: the face is a low-quality probe that goes through restoration and fusion.</param>
/// <param name="FaceSidePx">The face size that decision used, in photo pixels (see <see cref="EmbeddedFace.FaceSidePx"/>).</param>
public sealed record PreparedProbe(TorchSharp.torch.Tensor Chip, int NativeSide, DetectedFace? Face, int FacesFound, bool Restore, double FaceSidePx);
