using SrFace.Recognition;

namespace SrFace.Server.Endpoints;

/// <summary>GET /healthz.</summary>
/// <param name="Status">"ok".</param>
/// <param name="Model">Gallery model id of the loaded cascade.</param>
/// <param name="EmbeddingDimension">Embedding width.</param>
/// <param name="Threshold">Decision threshold in use (null: the model is not calibrated and none was given).</param>
/// <param name="QueueLength">Requests waiting for the inference worker.</param>
/// <param name="QueueCapacity">Most requests that may wait.</param>
/// <param name="Galleries">Where galleries live (no password).</param>
internal sealed record HealthResponse(string Status, string Model, int EmbeddingDimension, double? Threshold, int QueueLength, int QueueCapacity, string Galleries);

/// <summary>POST /v1/verify.</summary>
/// <param name="Similarity">Cosine similarity of the two faces' embeddings.</param>
/// <param name="Threshold">The threshold applied; null when there is none (no decision is made then).</param>
/// <param name="Same">Same person (similarity &gt;= threshold); null without a threshold.</param>
/// <param name="FaceA">The face used in image a (see <see cref="UsedFace"/>): for a model that detects faces, how many
/// were found (the largest is used), its box {x, y, width, height} in pixels of the upright image (after EXIF
/// orientation), detector, score and the landmarks the alignment used (68 or 5 points; null with
/// <c>"fallback": "detector box"</c> for a face too small for landmarks); for a centred-crop model
/// <c>"framing": "centred crop"</c> and no box.</param>
/// <param name="FaceB">The face used in image b, as <paramref name="FaceA"/>.</param>
internal sealed record VerifyResponse(double Similarity, double? Threshold, bool? Same, UsedFace FaceA, UsedFace FaceB);

/// <summary>One ranked identity.</summary>
/// <param name="Identity">Identity name.</param>
/// <param name="Score">Cosine similarity to the identity's template.</param>
internal sealed record Candidate(string Identity, double Score);

/// <summary>The face images of an identification (PNG data URLs).</summary>
/// <param name="Crop">The face the preparation stage produced (aligned to the recogniser's template, or the centred crop
/// of a centred-crop model), at min(native side, S) px.</param>
/// <param name="Probe">The low-resolution probe the cascade restored (null when the recogniser alone embedded the face).</param>
/// <param name="Restored">Its restoration by the SR model at S px (null with <paramref name="Probe"/>).</param>
internal sealed record FaceImages(string Crop, string? Probe, string? Restored);

/// <summary>POST /v1/identify.</summary>
/// <param name="Gallery">Gallery searched.</param>
/// <param name="Candidates">Top-k identities, best first.</param>
/// <param name="Identity">The recognised identity; null when unknown.</param>
/// <param name="Unknown">True when the gallery is empty or the best score is below the threshold.</param>
/// <param name="Threshold">Open-set threshold; null for closed-set identification (no threshold known).</param>
/// <param name="ThresholdSource">Where it came from: "option" (the request's or the server's threshold), "open-set"
/// (the model's open-set threshold, calibrated at a low false-positive identification rate), "verification" (the model
/// has none: its pairwise verification threshold) or "none".</param>
/// <param name="Face">The face identified (see <see cref="UsedFace"/>): for a model that detects faces, how many were
/// found (the largest is used), its box {x, y, width, height} in pixels of the upright image (after EXIF orientation),
/// detector, score and the landmarks the alignment used (68 or 5 points; null with <c>"fallback": "detector box"</c>
/// for a face too small for landmarks); for a centred-crop model <c>"framing": "centred crop"</c> and no box.</param>
/// <param name="Images">Prepared face, probe and restored face when <c>images=true</c> was asked for (null under
/// <c>--runtime onnx</c>: an export's graph gives embeddings, not images).</param>
internal sealed record IdentifyResponse(string Gallery, IReadOnlyList<Candidate> Candidates, string? Identity, bool Unknown, double? Threshold, string ThresholdSource, UsedFace Face, FaceImages? Images);

/// <summary>POST /v1/galleries/{g}/identities/{id}/images.</summary>
/// <param name="Gallery">Gallery name.</param>
/// <param name="Identity">Identity enrolled.</param>
/// <param name="Added">Images added by this request.</param>
/// <param name="TotalImages">Images behind the identity's template now.</param>
/// <param name="Faces">Per image of this request, in order: the face enrolled from it (see <see cref="UsedFace"/>: faces
/// found, box in pixels of the upright image, landmarks, face side, restored).</param>
internal sealed record EnrolResponse(string Gallery, string Identity, int Added, int TotalImages, IReadOnlyList<EnrolledImage> Faces);

/// <summary>The face enrolled from one image.</summary>
/// <param name="Image">The uploaded file's name.</param>
/// <param name="Face">The face used (the largest when several were found).</param>
internal sealed record EnrolledImage(string Image, UsedFace Face);

/// <summary>One enrolled identity.</summary>
/// <param name="Identity">Identity name.</param>
/// <param name="Images">Enrolled images.</param>
internal sealed record IdentitySummary(string Identity, int Images);

/// <summary>GET /v1/galleries/{g}/identities.</summary>
/// <param name="Gallery">Gallery name.</param>
/// <param name="Identities">Identities by name (ordinal).</param>
internal sealed record IdentityList(string Gallery, IReadOnlyList<IdentitySummary> Identities);
