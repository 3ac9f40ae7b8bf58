namespace SrFace.Imaging;

/// <summary>
/// The channel layout an image is read into. Colour conversions follow ITU-R BT.601: a grey image asked for as
/// RGB has its one channel replicated three times; an RGB image asked for as grey becomes its luma
/// Y = 0.299 R + 0.587 G + 0.114 B (no gamma linearisation, as BasicSR and OpenCV do it).
/// </summary>
public enum ColorMode
{
    /// <summary>Three channels, R, G, B: tensor <c>[3, H, W]</c>.</summary>
    Rgb,

    /// <summary>One grey (luma) channel: tensor <c>[1, H, W]</c>.</summary>
    Grey,

    /// <summary>The file's own layout: <c>[1, H, W]</c> for grey files (PGM, grey JPEG/PNG), <c>[3, H, W]</c> otherwise.</summary>
    Source,
}
