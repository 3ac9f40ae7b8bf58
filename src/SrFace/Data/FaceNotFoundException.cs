namespace SrFace.Data;

/// <summary>
/// No face was found in an image that must be aligned (a blank wall, noise, a face too small even for the detector
/// box). A result the caller reports ("no face found"), never a similarity. The message names the file.
/// </summary>
public sealed class FaceNotFoundException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">Names the file and what was tried.</param>
    public FaceNotFoundException(string message) : base(message) { }
}
