namespace Inspection.Engine.Cameras;

/// <summary>
/// Where a camera's frames come from: an industrial camera, a stream, a video file, a list of files. One seam for all
/// of them: the camera actor that hosts a source (Inspection.Actors' CameraActor) gives every frame its id, counts it,
/// applies back-pressure and the drop policy, and reconnects a source that fails. A source only connects, hands out
/// frames and, when it is triggered, takes triggers. Its calls block (device and stream APIs do), so the host calls
/// them from a thread of their own, one call at a time; only <see cref="Trigger"/> may come from another thread.
/// </summary>
public interface IFrameSource : IDisposable
{
    /// <summary>What it reads, for status and logs: "replay of 12 files", "gige Aravis-Fake-GV01", "rtsp://...".</summary>
    string Name { get; }

    /// <summary>Whether it gives a frame per <see cref="Trigger"/> (a part arrived) rather than on its own.</summary>
    bool Triggered { get; }

    /// <summary>Connects, or connects again after a failure. Throws, with the reason, when it cannot.</summary>
    void Connect(CancellationToken cancel);

    /// <summary>
    /// The next frame, waiting for it as long as it takes (until <paramref name="cancel"/>); null when the source has
    /// ended (a file list or video played through). Throws when the connection is lost: the host connects again.
    /// </summary>
    GrabbedFrame? Next(CancellationToken cancel);

    /// <summary>Asks a triggered source for one frame (a software trigger). Thread-safe.</summary>
    void Trigger();
}

/// <summary>A frame as a source gives it: an encoded image the decoders read (PNG, JPEG, BMP...), named by where it came from.</summary>
public sealed record GrabbedFrame(byte[] Encoded, string Source, DateTimeOffset At);
