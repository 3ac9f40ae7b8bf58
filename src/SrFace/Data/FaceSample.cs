namespace SrFace.Data;

/// <summary>One labelled face image of a <see cref="FaceDataset"/>.</summary>
/// <param name="Path">The image file (JPEG, PNG or PGM).</param>
/// <param name="Identity">The person's name: the name of the image's folder (e.g. <c>Aaron_Peirsol</c>, <c>s1</c>).</param>
/// <param name="Label">Class index of <paramref name="Identity"/>: its position in the dataset's sorted identity list, 0-based.</param>
public sealed record FaceSample(string Path, string Identity, int Label);

/// <summary>Counts describing a <see cref="FaceDataset"/> (LFW reports 5,749 people, 13,233 images, 1,680 with two or more).</summary>
/// <param name="People">Number of identities.</param>
/// <param name="Images">Number of images.</param>
/// <param name="PeopleWithAtLeastTwoImages">Identities with two or more images (the ones usable for matched pairs).</param>
public sealed record DatasetStatistics(int People, int Images, int PeopleWithAtLeastTwoImages);
