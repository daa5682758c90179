using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Inspection.Engine.Cameras;
using Inspection.Engine.Imaging;
using SkiaSharp;
using Xunit;

namespace Inspection.Engine.Tests.Cameras;

/// <summary>
/// Streams through the real FFmpeg: a video file made by FFmpeg, an RTSP stream from GStreamer's RTSP server
/// (scripts/rtsp-test-server.py) that goes away and comes back, an MJPEG stream over HTTP served here, and a stream of
/// garbage. Each frame decodes at the stream's size; a lost stream throws so the camera connects again; nothing hangs.
/// </summary>
public sealed class StreamSourceTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static void RequireFfmpeg() =>
        Skip.If(Which("ffmpeg") is null, "ffmpeg not found on PATH: `apt-get install -y ffmpeg` (Debian's) runs these tests");

    private static string? Which(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static (int Width, int Height) SizeOf(GrabbedFrame frame)
    {
        using var bitmap = ImageDecoder.Decode(frame.Encoded, frame.Source);
        return (bitmap.Width, bitmap.Height);
    }

    [SkippableFact]
    public void A_video_file_plays_its_frames_at_their_size_and_ends()
    {
        RequireFfmpeg();
        string video = _folder.File("line.mp4");
        Run("ffmpeg", $"-hide_banner -loglevel error -f lavfi -i testsrc=size=320x240:rate=10 -t 1 -pix_fmt yuv420p -c:v libx264 {video}");
        using var source = new StreamSource(video);
        source.Connect(CancellationToken.None);
        var frames = new List<GrabbedFrame>();
        for (var frame = source.Next(CancellationToken.None); frame != null; frame = source.Next(CancellationToken.None)) frames.Add(frame);
        Assert.Equal(10, frames.Count);
        Assert.All(frames, f => Assert.Equal((320, 240), SizeOf(f)));
        Assert.Equal($"video file {video}", source.Name);
    }

    [SkippableFact]
    public void An_rtsp_stream_that_goes_away_throws_and_connects_again_when_it_is_back()
    {
        RequireFfmpeg();
        string? script = FindScript("rtsp-test-server.py");
        Skip.If(script is null || !File.Exists("/usr/bin/python3"), "scripts/rtsp-test-server.py or Debian's python3 not found");
        int port = FreePort();
        string url = $"rtsp://127.0.0.1:{port}/camera";
        using var source = new StreamSource(url);
        var server = RtspServer(script!, port);
        try
        {
            source.Connect(CancellationToken.None);
            for (int i = 0; i < 3; i++) Assert.Equal((320, 240), SizeOf(source.Next(CancellationToken.None)!));

            server.Kill();
            server.WaitForExit();
            // The frames already decoded may still come; then the loss.
            var lost = Assert.Throws<IOException>(() => { for (int i = 0; i < 100; i++) source.Next(CancellationToken.None); });
            Assert.Contains("the stream ended", lost.Message);
            Assert.Throws<IOException>(() => source.Connect(CancellationToken.None)); // nobody listens now

            server = RtspServer(script!, port);
            source.Connect(CancellationToken.None);
            Assert.Equal((320, 240), SizeOf(source.Next(CancellationToken.None)!));
        }
        finally
        {
            if (!server.HasExited) server.Kill();
        }
    }

    [SkippableFact]
    public async Task An_mjpeg_stream_over_http_gives_its_frames_and_garbage_is_refused_with_a_reason()
    {
        RequireFfmpeg();
        int port = FreePort();
        using var http = new HttpListener();
        http.Prefixes.Add($"http://127.0.0.1:{port}/");
        http.Start();
        using var stop = new CancellationTokenSource();
        var serving = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var context = await http.GetContextAsync();
                _ = Task.Run(() => Serve(context, stop.Token));
            }
        });

        using (var source = new StreamSource($"http://127.0.0.1:{port}/mjpeg"))
        {
            source.Connect(CancellationToken.None);
            for (int i = 0; i < 3; i++) Assert.Equal((200, 150), SizeOf(source.Next(CancellationToken.None)!));
        }
        using (var garbage = new StreamSource($"http://127.0.0.1:{port}/garbage"))
        {
            var refused = Assert.Throws<IOException>(() => garbage.Connect(CancellationToken.None));
            Assert.StartsWith($"http://127.0.0.1:{port}/garbage: ", refused.Message);
        }
        stop.Cancel();
        http.Stop();
        await Task.WhenAny(serving, Task.Delay(1000));
    }

    [Fact]
    public void A_missing_file_and_an_unknown_scheme_are_refused_at_once()
    {
        Assert.Throws<FileNotFoundException>(() => new StreamSource(_folder.File("none.mp4")));
        Assert.Contains("neither a video file nor", Assert.Throws<ArgumentException>(() => new StreamSource("ftp://camera/stream")).Message);
        // Status and logs never show a stream's credentials.
        Assert.Equal("rtsp://10.0.0.7:554/stream1", new StreamSource("rtsp://admin:secret@10.0.0.7:554/stream1?token=abc").Name);
    }

    /// <summary>/mjpeg: a multipart MJPEG stream of 200 x 150 frames at 10 a second, as IP cameras serve; anything else: random bytes.</summary>
    private static async Task Serve(HttpListenerContext context, CancellationToken stop)
    {
        var response = context.Response;
        try
        {
            var random = new Random(7);
            if (context.Request.Url!.AbsolutePath != "/mjpeg")
            {
                response.ContentType = "application/octet-stream";
                var noise = new byte[64 * 1024];
                random.NextBytes(noise);
                await response.OutputStream.WriteAsync(noise, stop);
                response.Close();
                return;
            }
            response.ContentType = "multipart/x-mixed-replace;boundary=frame";
            response.SendChunked = true;
            for (int i = 0; !stop.IsCancellationRequested; i++)
            {
                using var bitmap = new SKBitmap(200, 150);
                bitmap.Erase(new SKColor((byte)(i * 30), 90, 160));
                using var jpeg = bitmap.Encode(SKEncodedImageFormat.Jpeg, 80);
                var part = Encoding.ASCII.GetBytes($"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: {jpeg.Size}\r\n\r\n");
                await response.OutputStream.WriteAsync(part, stop);
                await response.OutputStream.WriteAsync(jpeg.ToArray(), stop);
                await response.OutputStream.WriteAsync("\r\n"u8.ToArray(), stop);
                await response.OutputStream.FlushAsync(stop);
                await Task.Delay(100, stop);
            }
        }
        catch (Exception e) when (e is HttpListenerException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            // the reader went away
        }
    }

    private static Process RtspServer(string script, int port)
    {
        var server = Process.Start(new ProcessStartInfo("/usr/bin/python3", $"{script} {port} camera 320 240 10")
            { RedirectStandardOutput = true, RedirectStandardError = true })!;
        string? ready = server.StandardOutput.ReadLine(); // it says so once it listens
        Assert.True(ready?.StartsWith("ready") == true, $"the RTSP server did not start: {ready} {(server.HasExited ? server.StandardError.ReadToEnd() : "")}");
        return server;
    }

    private static string? FindScript(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "scripts", name))) return Path.Combine(dir.FullName, "scripts", name);
        return null;
    }

    private static void Run(string program, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardError = true })!;
        string errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {arguments}: {errors}");
    }
}
