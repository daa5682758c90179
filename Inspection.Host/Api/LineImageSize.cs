using System.Text.Json;
using Inspection.Actors.Extraction;
using Inspection.Actors.Messages;
using Inspection.Engine.Imaging;

namespace Inspection.Host.Api;

/// <summary>A line's image size between the API's forms (256, "640x256", "auto:65536") and its settings' numbers.</summary>
public static class LineImageSize
{
    /// <summary>The settings with the requested size (absent: unchanged); null and the reason when the value is not a size.</summary>
    public static LineSettings? Apply(LineSettings settings, JsonElement? requested, out string? problem)
    {
        problem = null;
        if (requested is not { } value || value.ValueKind == JsonValueKind.Null) return settings;
        ImageSizeChoice? choice = value.ValueKind switch
        {
            JsonValueKind.Number when value.TryGetInt32(out int side) && side > 0 => new ImageSizeChoice(side, null),
            JsonValueKind.String => ImageSizeChoice.TryParse(value.GetString(), out problem),
            _ => null,
        };
        if (choice is null)
        {
            problem = $"imageSize: {(problem is { Length: > 0 } ? problem : $"{value.GetRawText()} is not a size")}; give a number (256), \"HxW\" (\"640x256\") or \"auto[:PIXELS]\"";
            return null;
        }
        return settings with
        {
            ImageSize = choice.Size.Height, ImageWidth = choice.Size.IsSquare ? 0 : choice.Size.Width, AutoImagePixels = choice.AutoPixels ?? 0,
        };
    }

    /// <summary>What the line asks for, as the API writes it.</summary>
    public static string Describe(LineSettings s) => s.SizeChoice().ToString();
}
