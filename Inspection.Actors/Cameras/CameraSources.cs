using System.Security.Cryptography;
using System.Text;
using Inspection.Engine.Cameras;

namespace Inspection.Actors.Cameras;

/// <summary>
/// What a camera setting names, read once for every place that takes one (`serve --camera line=SOURCE`): a folder
/// (<see cref="FolderCameraActor"/>), a video file, an rtsp://, http:// or https:// stream (<see cref="StreamSource"/>),
/// a GigE Vision camera (gige://, <see cref="GigESource"/>).
/// Each source gets a stable camera name, its identity in the journal (frame ids), derived from the source itself.
/// </summary>
public static class CameraSources
{
    /// <summary>Video file extensions a camera plays (anything else in a file is not a camera).</summary>
    public static readonly IReadOnlySet<string> VideoExtensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        { ".mp4", ".mkv", ".avi", ".mov", ".webm", ".m4v", ".ts", ".mjpeg", ".mjpg", ".h264", ".h265", ".hevc" };

    public const string Forms = "a folder, a video file (.mp4, .mkv, .avi, .mov...), an rtsp://, http:// or https:// stream, or a GigE Vision camera (gige://ADDRESS-OR-ID?settings)";

    public static bool IsGigE(string source) => source.StartsWith("gige://", StringComparison.OrdinalIgnoreCase);

    public static bool IsStream(string source) =>
        Uri.TryCreate(source, UriKind.Absolute, out var uri) && uri.Scheme is "rtsp" or "rtsps" or "http" or "https";

    /// <summary>Why <paramref name="source"/> is no camera, or null.</summary>
    public static string? Problem(string source)
    {
        if (IsGigE(source))
        {
            try { GigESettings.Parse(source); return null; }
            catch (ArgumentException e) { return e.Message; }
        }
        if (IsStream(source) || Directory.Exists(source)) return null;
        if (File.Exists(source))
            return VideoExtensions.Contains(Path.GetExtension(source)) ? null
                : $"'{source}' is a file and not a video; a camera is {Forms}";
        if (Uri.TryCreate(source, UriKind.Absolute, out var uri) && !uri.IsFile)
            return $"'{source}' is a {uri.Scheme}:// address; a camera is {Forms}";
        return $"'{source}' does not exist (create the folder first; a misspelt folder would never see a frame); a camera is {Forms}";
    }

    /// <summary>A non-folder source's camera name and the way to open it.</summary>
    public static (string Name, Func<IFrameSource> Open) Open(string source)
    {
        if (Problem(source) is { } problem) throw new ArgumentException(problem);
        if (Directory.Exists(source)) throw new ArgumentException($"'{source}' is a folder: a folder camera watches it");
        if (IsGigE(source))
        {
            var settings = GigESettings.Parse(source);
            return ($"gige-{Hash(settings.Camera)}", () => new GigESource(settings)); // its settings may change; the camera stays
        }
        string kind = IsStream(source) ? new Uri(source).Scheme : "video";
        string identity = IsStream(source) ? source : Path.GetFullPath(source);
        return ($"{kind}-{Hash(identity)}", () => new StreamSource(source));
    }

    private static string Hash(string identity) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(identity)))[..8].ToLowerInvariant();
}
