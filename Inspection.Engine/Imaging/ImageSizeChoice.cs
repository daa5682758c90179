using System.Globalization;

namespace Inspection.Engine.Imaging;

/// <summary>
/// What a user asks the model input to be: a fixed size ("256", "640x256") or <c>auto[:PIXELS]</c>, chosen at training
/// from the training images' aspect (<see cref="AutoImageSize"/>). Size is the fixed size, or the square fallback
/// until the training images are known.
/// </summary>
public sealed record ImageSizeChoice(Extent Size, int? AutoPixels)
{
    public bool IsAuto => AutoPixels != null;

    public override string ToString() => AutoPixels is int pixels
        ? (pixels == AutoImageSize.DefaultPixels ? "auto" : string.Create(CultureInfo.InvariantCulture, $"auto:{pixels}"))
        : Size.ToString();

    /// <summary>"256", "640x256" (height x width), "auto" or "auto:PIXELS"; null and the reason otherwise.</summary>
    public static ImageSizeChoice? TryParse(string? text, out string error)
    {
        string value = (text ?? "").Trim().ToLowerInvariant();
        if (value == "auto" || value.StartsWith("auto:", StringComparison.Ordinal))
        {
            error = "";
            if (value == "auto") return new ImageSizeChoice(256, AutoImageSize.DefaultPixels);
            if (int.TryParse(value[5..], NumberStyles.None, CultureInfo.InvariantCulture, out int pixels) && pixels > 0) return new ImageSizeChoice(256, pixels);
            error = $"'{text}' is not a pixel budget: write auto or auto:PIXELS, for example auto:65536 (the pixels of 256x256)";
            return null;
        }
        return Extent.TryParse(text, out error) is { } size ? new ImageSizeChoice(size, null) : null;
    }
}
