namespace SrFace.Models.Pretrained;

/// <summary>
/// A pretrained model file is missing from the model store or differs from its pinned SHA-256. The message names
/// the file and the command that fetches it (<see cref="ModelStore.FetchCommand"/>).
/// </summary>
public sealed class ModelStoreException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is missing or damaged, and how to fetch it.</param>
    public ModelStoreException(string message) : base(message) { }
}
