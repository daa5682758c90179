using System.Buffers.Binary;
using System.Collections.Concurrent;
using FFMpegCore;
using FFMpegCore.Pipes;

namespace Inspection.Engine.Cameras;

/// <summary>
/// An IP camera's stream (rtsp://, an MJPEG stream over http:// or https://) or a video file, read through FFmpeg
/// (Debian's `ffmpeg`, driven by FFMpegCore): FFmpeg decodes whatever the stream carries (H.264, H.265, MJPEG...) and
/// writes each frame to a pipe as an uncompressed BMP, which the line decodes as any frame. A stream that ends or
/// breaks throws from <see cref="Next"/>, so the camera connects again; a video file plays at its own frame rate and
/// then ends.
/// </summary>
public sealed class StreamSource : IFrameSource
{
    /// <summary>How long a connection may take to deliver its first frame (an RTSP server that accepts and sends nothing).</summary>
    public static readonly TimeSpan FirstFrameWithin = TimeSpan.FromSeconds(15);
    private readonly string _address;
    private readonly bool _file;
    private BlockingCollection<byte[]>? _frames;
    private CancellationTokenSource? _running;
    private Task<FFMpegResult>? _ffmpeg;
    private byte[]? _first;

    /// <param name="address">rtsp://, http:// or https:// address, or the path of a video file.</param>
    public StreamSource(string address)
    {
        _address = address;
        _file = !Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.IsFile;
        if (_file && !File.Exists(address)) throw new FileNotFoundException($"no video file at '{address}'", address);
        if (!_file && uri!.Scheme is not ("rtsp" or "rtsps" or "http" or "https"))
            throw new ArgumentException($"'{address}' is neither a video file nor an rtsp://, http:// or https:// stream");
    }

    /// <summary>The file, or the stream's address without its user, password and query (they may hold credentials).</summary>
    public string Name => _file ? $"video file {_address}" : new Uri(_address).GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);
    public bool Triggered => false;

    public void Connect(CancellationToken cancel)
    {
        Stop();
        var frames = _frames = new BlockingCollection<byte[]>(boundedCapacity: 4);
        var running = _running = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var errors = new ConcurrentQueue<string>();
        var input = _file
            ? FFMpegArguments.FromFileInput(_address, verifyExists: true, o => o.WithCustomArgument("-re")) // at its own frame rate, as a camera
            : FFMpegArguments.FromUrlInput(new Uri(_address), o =>
            {
                if (_address.StartsWith("rtsp", StringComparison.OrdinalIgnoreCase)) o.WithCustomArgument("-rtsp_transport tcp");
            });
        _ffmpeg = input
            .OutputToPipe(new BmpFrames(frames), o => o.WithVideoCodec("bmp").ForceFormat("image2pipe").WithCustomArgument("-an"))
            .WithLogLevel(FFMpegCore.Enums.FFMpegLogLevel.Error)
            .NotifyOnStandardError(line => { errors.Enqueue(line); while (errors.Count > 20) errors.TryDequeue(out _); })
            .CancellableThrough(running.Token)
            .ProcessAsynchronously(throwOnError: false);
        _ffmpeg.ContinueWith(_ => frames.CompleteAdding(), TaskScheduler.Default);
        // Connected once the first frame is here: an address that answers nothing, or not video, fails the connection.
        using var firstFrame = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        firstFrame.CancelAfter(FirstFrameWithin);
        try
        {
            if (frames.TryTake(out _first, Timeout.Infinite, firstFrame.Token)) return;
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            Stop();
            throw new IOException($"{Name}: no frame within {FirstFrameWithin.TotalSeconds:0} s");
        }
        Stop();
        cancel.ThrowIfCancellationRequested();
        throw new IOException($"{Name}: {Reason(errors, "FFmpeg ended without a frame")}");

        static string Reason(ConcurrentQueue<string> errors, string otherwise) => errors.IsEmpty ? otherwise : string.Join("; ", errors.TakeLast(3)).Trim();
    }

    public GrabbedFrame? Next(CancellationToken cancel)
    {
        var frames = _frames ?? throw new InvalidOperationException("not connected");
        if (_first is { } first)
        {
            _first = null;
            return new GrabbedFrame(first, Name, DateTimeOffset.UtcNow);
        }
        if (frames.TryTake(out var bmp, Timeout.Infinite, cancel)) return new GrabbedFrame(bmp, Name, DateTimeOffset.UtcNow);
        cancel.ThrowIfCancellationRequested();
        // FFmpeg has ended: the end of a file, or a stream that broke (the camera connects again).
        bool clean = _ffmpeg is { IsCompletedSuccessfully: true, Result.Success: true };
        if (_file && clean) return null;
        throw new IOException($"{Name}: the stream ended" + (clean ? "" : " (FFmpeg failed)"));
    }

    public void Trigger() { }

    private void Stop()
    {
        _running?.Cancel();
        try { _ffmpeg?.Wait(TimeSpan.FromSeconds(5)); }
        catch (AggregateException) { } // its failure is the reason already given
        _running?.Dispose();
        _running = null;
        _ffmpeg = null;
        _first = null;
    }

    public void Dispose() => Stop();

    /// <summary>Splits FFmpeg's output, back-to-back BMP files, into frames: each BMP's header holds its own length.</summary>
    private sealed class BmpFrames(BlockingCollection<byte[]> frames) : IPipeSink
    {
        public string GetFormat() => "image2pipe";

        public string GetStreamArguments() => "";

        public async Task ReadAsync(Stream input, CancellationToken cancel)
        {
            var header = new byte[6];
            while (true)
            {
                if (!await Fill(input, header, cancel)) return;
                int length = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(2));
                if (header[0] != 'B' || header[1] != 'M' || length < 54) throw new InvalidDataException("FFmpeg wrote something other than BMP frames");
                var bmp = new byte[length];
                header.CopyTo(bmp, 0);
                if (!await Fill(input, bmp.AsMemory(6), cancel)) return;
                frames.Add(bmp, cancel); // blocks while the camera is behind: FFmpeg then waits too
            }
        }

        private static async Task<bool> Fill(Stream input, Memory<byte> buffer, CancellationToken cancel)
        {
            int read = 0;
            while (read < buffer.Length)
            {
                int n = await input.ReadAsync(buffer[read..], cancel);
                if (n == 0) return false;
                read += n;
            }
            return true;
        }
    }
}
