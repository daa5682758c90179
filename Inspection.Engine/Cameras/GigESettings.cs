using System.Globalization;

namespace Inspection.Engine.Cameras;

/// <summary>How a GigE Vision camera is triggered: it runs free at its own frame rate, takes a software trigger from us, or a pulse on one of its input lines.</summary>
public enum GigETrigger
{
    FreeRun,
    Software,
    Line,
}

/// <summary>
/// A GigE Vision / GenICam camera's settings (<see cref="GigESource"/>), written as a camera address:
/// <c>gige://CAMERA?pixel-format=Mono8&amp;width=1024&amp;height=1024&amp;exposure=5000&amp;gain=0&amp;trigger=software</c>.
/// CAMERA is the camera's IP address or its aravis id (vendor-model-serial, as `arv-tool-0.8` lists it). Settings left
/// out keep the camera's own.
/// </summary>
public sealed record GigESettings
{
    public required string Camera { get; init; }
    public RawPixelFormat? PixelFormat { get; init; }
    /// <summary>The region read out, from the top-left corner (null: the camera's).</summary>
    public int? Width { get; init; }
    public int? Height { get; init; }
    /// <summary>Exposure time in microseconds.</summary>
    public double? ExposureMicroseconds { get; init; }
    /// <summary>Gain in dB.</summary>
    public double? GainDecibels { get; init; }
    public GigETrigger Trigger { get; init; } = GigETrigger.FreeRun;
    /// <summary>The input line a <see cref="GigETrigger.Line"/> trigger comes on ("Line0", "Line1"...).</summary>
    public string TriggerLine { get; init; } = "Line0";
    /// <summary>Free-run frame rate (null: the camera's).</summary>
    public double? FramesPerSecond { get; init; }
    /// <summary>Frame buffers allocated once and reused: how many frames may be in flight between the camera and us.</summary>
    public int Buffers { get; init; } = 8;

    public const string Form = "gige://CAMERA[?pixel-format=Mono8|RGB8|BayerRG8|...&width=N&height=N&exposure=MICROSECONDS&gain=DB&trigger=free|software|Line0&frame-rate=FPS&buffers=N]";

    /// <summary>Reads a gige:// address; throws naming the setting that is wrong.</summary>
    public static GigESettings Parse(string address)
    {
        const string scheme = "gige://";
        // Read by hand, not as a Uri: a Uri lower-cases its host, and camera ids are case-sensitive.
        int query = address.IndexOf('?');
        string camera = Uri.UnescapeDataString(query < 0 ? address[Math.Min(address.Length, scheme.Length)..] : address[scheme.Length..Math.Max(scheme.Length, query)]);
        if (!address.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) || camera.Length == 0 || camera.Contains('/'))
            throw new ArgumentException($"'{address}' is no GigE camera address; write {Form}");
        var settings = new GigESettings { Camera = camera };
        foreach (string pair in (query < 0 ? "" : address[(query + 1)..]).Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = pair.IndexOf('=');
            string key = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]).ToLowerInvariant();
            string value = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..]);
            settings = key switch
            {
                "pixel-format" => settings with { PixelFormat = RawPixelFormats.Parse(value) },
                "width" => settings with { Width = Positive(key, value) },
                "height" => settings with { Height = Positive(key, value) },
                "exposure" => settings with { ExposureMicroseconds = Number(key, value, 0) },
                "gain" => settings with { GainDecibels = Number(key, value, double.MinValue) },
                "frame-rate" => settings with { FramesPerSecond = Number(key, value, 0) },
                "buffers" => settings with { Buffers = Positive(key, value) },
                "trigger" => value.ToLowerInvariant() switch
                {
                    "free" or "free-run" or "off" => settings with { Trigger = GigETrigger.FreeRun },
                    "software" => settings with { Trigger = GigETrigger.Software },
                    _ when value.StartsWith("line", StringComparison.OrdinalIgnoreCase) => settings with { Trigger = GigETrigger.Line, TriggerLine = value },
                    _ => throw new ArgumentException($"trigger '{value}' is not free, software or a camera line (Line0, Line1...)"),
                },
                _ => throw new ArgumentException($"'{key}' is no GigE camera setting; write {Form}"),
            };
        }
        return settings;
    }

    private static int Positive(string key, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0 ? n
            : throw new ArgumentException($"{key} must be a whole number above 0, not '{value}'");

    private static double Number(string key, string value, double above) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) && double.IsFinite(x) && x > above ? x
            : throw new ArgumentException($"{key} must be a number{(above == 0 ? " above 0" : "")}, not '{value}'");
}
