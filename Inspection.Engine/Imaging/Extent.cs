using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Inspection.Engine.Imaging;

/// <summary>
/// A height and a width: of a model's input in pixels, or of its patch grid in patches. Written "256" when square and
/// "640x256" (height x width, as PyTorch orders them) otherwise; an int converts to the square extent, so the square
/// sizes of every earlier setting and model file mean what they meant.
/// </summary>
[JsonConverter(typeof(ExtentJsonConverter))]
public readonly record struct Extent(int Height, int Width)
{
    public static implicit operator Extent(int side) => new(side, side);

    public bool IsSquare => Height == Width;
    public long Area => (long)Height * Width;
    public int ShortSide => Math.Min(Height, Width);

    /// <summary>Width over height.</summary>
    public double Aspect => (double)Width / Height;

    public override string ToString() => IsSquare
        ? Height.ToString(CultureInfo.InvariantCulture)
        : string.Create(CultureInfo.InvariantCulture, $"{Height}x{Width}");

    /// <summary>"256" (square) or "640x256" (height x width); null and an error naming the expected forms otherwise.</summary>
    public static Extent? TryParse(string? text, out string error)
    {
        error = "";
        string[] parts = (text ?? "").Trim().ToLowerInvariant().Split('x');
        var sides = new List<int>();
        foreach (string part in parts)
            if (int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int side)) sides.Add(side); // ranges are the settings' to check
        if (parts.Length is 1 or 2 && sides.Count == parts.Length) return sides.Count == 1 ? sides[0] : new Extent(sides[0], sides[1]);
        error = $"'{text}' is not a size: give one side (256, square) or height x width (640x256)";
        return null;
    }

    public static Extent Parse(string text) => TryParse(text, out string error) ?? throw new FormatException(error);
}

/// <summary>A square extent as a number (what files written before rectangles hold, and old readers expect), else "HxW".</summary>
public sealed class ExtentJsonConverter : JsonConverter<Extent>
{
    public override Extent Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.Number => reader.GetInt32(),
        JsonTokenType.String => Extent.TryParse(reader.GetString(), out string error) ?? throw new JsonException(error),
        _ => throw new JsonException($"expected a size (a number, or a string such as \"640x256\"), found {reader.TokenType}"),
    };

    public override void Write(Utf8JsonWriter writer, Extent value, JsonSerializerOptions options)
    {
        if (value.IsSquare) writer.WriteNumberValue(value.Height);
        else writer.WriteStringValue(value.ToString());
    }
}
