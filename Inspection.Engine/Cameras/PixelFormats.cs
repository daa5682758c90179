namespace Inspection.Engine.Cameras;

/// <summary>
/// The pixel formats an industrial camera's raw buffers come in that frames are made from (GenICam names). Bayer
/// formats name the colours of the top-left 2 x 2 cell, read row by row.
/// </summary>
public enum RawPixelFormat
{
    Mono8,
    Rgb8,
    BayerRG8,
    BayerGR8,
    BayerGB8,
    BayerBG8,
}

public static class RawPixelFormats
{
    /// <summary>The format of a GenICam PixelFormat name ("Mono8", "RGB8", "BayerRG8"...); throws naming the supported ones.</summary>
    public static RawPixelFormat Parse(string name) => name.ToUpperInvariant() switch
    {
        "MONO8" => RawPixelFormat.Mono8,
        "RGB8" or "RGB8PACKED" => RawPixelFormat.Rgb8,
        "BAYERRG8" => RawPixelFormat.BayerRG8,
        "BAYERGR8" => RawPixelFormat.BayerGR8,
        "BAYERGB8" => RawPixelFormat.BayerGB8,
        "BAYERBG8" => RawPixelFormat.BayerBG8,
        _ => throw new ArgumentException($"pixel format '{name}' is not supported; use Mono8, RGB8, BayerRG8, BayerGR8, BayerGB8 or BayerBG8"),
    };

    /// <summary>The GenICam name, as cameras take it.</summary>
    public static string GenICamName(this RawPixelFormat format) => format == RawPixelFormat.Rgb8 ? "RGB8" : format.ToString();

    public static int BytesPerPixel(this RawPixelFormat format) => format == RawPixelFormat.Rgb8 ? 3 : 1;
}
