using Inspection.Engine.Cameras;
using Inspection.Engine.Imaging;
using SkiaSharp;
using Xunit;

namespace Inspection.Engine.Tests.Cameras;

/// <summary>
/// A GigE Vision camera through aravis, against aravis' own simulator (<see cref="FakeGigECamera"/>) over the real
/// GigE Vision protocol on 127.0.0.1: free run, software trigger, pixel formats, a megapixel frame whole, a camera
/// that disappears and comes back, and settings the camera or the address refuses.
/// </summary>
public sealed class GigESourceTests
{
    private static void RequireSimulator() => Skip.If(FakeGigECamera.Missing != null, FakeGigECamera.Missing);

    private static SKBitmap Decode(GrabbedFrame frame) => ImageDecoder.Decode(frame.Encoded, frame.Source);

    private static GrabbedFrame NextWithin(GigESource source, TimeSpan within)
    {
        using var cancel = new CancellationTokenSource(within);
        return source.Next(cancel.Token)!;
    }

    /// <summary>
    /// The next whole frame: on a loaded machine (CI, 2 cores) the first frame of a new stream has come incomplete now
    /// and then, and the source hands it out empty and counts it, as designed; one such frame is skipped (triggered
    /// again), and each test bounds how many it allows.
    /// </summary>
    private static GrabbedFrame NextWhole(GigESource source, bool trigger)
    {
        if (trigger) source.Trigger();
        var frame = NextWithin(source, TimeSpan.FromSeconds(10));
        if (frame.Encoded.Length > 0) return frame;
        Assert.Contains("incomplete", frame.Source);
        if (trigger) source.Trigger();
        return NextWithin(source, TimeSpan.FromSeconds(10));
    }

    [SkippableFact]
    public void A_free_running_mono_camera_hands_out_its_frames_pixel_for_pixel_at_the_region_set()
    {
        RequireSimulator();
        using var camera = new FakeGigECamera();
        using var source = new GigESource(GigESettings.Parse(camera.Url("pixel-format=Mono8&width=320&height=200&trigger=free&frame-rate=20")));
        Assert.False(source.Triggered);
        source.Connect(CancellationToken.None);
        var offsets = new List<int>();
        for (int i = 0; i < 3; i++)
        {
            var frame = NextWhole(source, trigger: false);
            Assert.StartsWith("gige 127.0.0.1 frame ", frame.Source);
            using var bitmap = Decode(frame);
            Assert.Equal((320, 200), (bitmap.Width, bitmap.Height));
            int offset = bitmap.GetPixel(0, 0).Red;
            // The simulator's ramp, every pixel of it, grey (R = G = B).
            for (int y = 0; y < 200; y += 7)
            for (int x = 0; x < 320; x += 5)
            {
                var pixel = bitmap.GetPixel(x, y);
                Assert.Equal((offset + x + y) % 255, pixel.Red);
                Assert.Equal(pixel.Red, pixel.Green);
                Assert.Equal(pixel.Red, pixel.Blue);
            }
            offsets.Add(offset);
        }
        Assert.Equal(3, offsets.Distinct().Count()); // three frames, not one frame three times
        Assert.True(source.Incomplete <= 1, $"{source.Incomplete} incomplete frames");
    }

    [SkippableFact]
    public void A_software_triggered_camera_gives_one_whole_megapixel_frame_per_trigger_and_none_without()
    {
        RequireSimulator();
        using var camera = new FakeGigECamera();
        using var source = new GigESource(GigESettings.Parse(camera.Url("pixel-format=Mono8&width=1024&height=1024&trigger=software")));
        Assert.True(source.Triggered);
        source.Connect(CancellationToken.None);
        var ids = new List<ulong>();
        for (int i = 0; i < 10; i++)
        {
            var frame = NextWhole(source, trigger: true);
            using var bitmap = Decode(frame);
            Assert.Equal((1024, 1024), (bitmap.Width, bitmap.Height));
            ids.Add(ulong.Parse(frame.Source.Split(' ')[3]));
        }
        // Megapixel frames arrive whole (the socket buffer is sized to them); at most the stream's first came incomplete.
        Assert.True(source.Incomplete <= 1, $"{source.Incomplete} incomplete megapixel frames of {10 + source.Incomplete}");
        Assert.Equal(10, ids.Distinct().Count());
        // No trigger, no frame: a bounded wait for something that must not happen.
        using var quiet = new CancellationTokenSource(TimeSpan.FromSeconds(1.5));
        Assert.ThrowsAny<OperationCanceledException>(() => source.Next(quiet.Token));
    }

    [SkippableFact]
    public void A_bayer_camera_gives_colour_frames_and_an_rgb_camera_its_own()
    {
        RequireSimulator();
        using var camera = new FakeGigECamera();
        foreach (string format in new[] { "BayerRG8", "RGB8" })
        {
            using var source = new GigESource(GigESettings.Parse(camera.Url($"pixel-format={format}&width=64&height=48&trigger=software")));
            source.Connect(CancellationToken.None);
            using var bitmap = Decode(NextWhole(source, trigger: true));
            Assert.Equal((64, 48), (bitmap.Width, bitmap.Height));
        }
    }

    [SkippableFact]
    public void A_camera_that_disappears_makes_next_throw_and_is_connected_again_when_it_is_back()
    {
        RequireSimulator();
        using var camera = new FakeGigECamera();
        using var source = new GigESource(GigESettings.Parse(camera.Url("pixel-format=Mono8&width=128&height=128&trigger=software")));
        source.Connect(CancellationToken.None);
        source.Trigger();
        Assert.NotNull(NextWithin(source, TimeSpan.FromSeconds(10)));

        camera.Kill();
        var lost = Assert.Throws<IOException>(() => NextWithin(source, TimeSpan.FromSeconds(60)));
        Assert.Contains("stopped answering", lost.Message);
        var refused = Assert.Throws<IOException>(() => source.Connect(CancellationToken.None));
        Assert.Contains("no GigE camera '127.0.0.1' answered", refused.Message);

        camera.Start();
        source.Connect(CancellationToken.None);
        using var bitmap = Decode(NextWhole(source, trigger: true));
        Assert.Equal((128, 128), (bitmap.Width, bitmap.Height));
    }

    [SkippableFact]
    public void Settings_the_camera_refuses_fail_the_connection_with_the_setting_named()
    {
        RequireSimulator();
        using var camera = new FakeGigECamera();
        using var wide = new GigESource(GigESettings.Parse(camera.Url("width=100000")));
        Assert.Contains("refused a region of 100000", Assert.Throws<IOException>(() => wide.Connect(CancellationToken.None)).Message);
        using var bright = new GigESource(GigESettings.Parse(camera.Url("exposure=50000000")));
        Assert.Contains("refused an exposure of 50000000 µs", Assert.Throws<IOException>(() => bright.Connect(CancellationToken.None)).Message);
        using var loud = new GigESource(GigESettings.Parse(camera.Url("gain=99")));
        Assert.Contains("refused a gain of 99 dB", Assert.Throws<IOException>(() => loud.Connect(CancellationToken.None)).Message);
        using var fine = new GigESource(GigESettings.Parse(camera.Url("exposure=2000&gain=4&trigger=software")));
        fine.Connect(CancellationToken.None); // within range: taken
        using var unknown = new GigESource(GigESettings.Parse("gige://Nobody-Camera-XYZ"));
        Assert.Contains("no GigE camera 'Nobody-Camera-XYZ' answered", Assert.Throws<IOException>(() => unknown.Connect(CancellationToken.None)).Message);
    }

    [Theory]
    [InlineData("gige://", "no GigE camera address")]
    [InlineData("rtsp://127.0.0.1/x", "no GigE camera address")]
    [InlineData("gige://cam?pixel-format=Mono16", "pixel format 'Mono16' is not supported")]
    [InlineData("gige://cam?width=0", "width must be a whole number above 0")]
    [InlineData("gige://cam?exposure=-5", "exposure must be a number above 0")]
    [InlineData("gige://cam?trigger=sometimes", "trigger 'sometimes' is not free, software or a camera line")]
    [InlineData("gige://cam?shutter=5", "'shutter' is no GigE camera setting")]
    public void A_malformed_camera_address_is_refused_with_the_reason(string address, string reason) =>
        Assert.Contains(reason, Assert.Throws<ArgumentException>(() => GigESettings.Parse(address)).Message);

    [Fact]
    public void A_camera_address_reads_every_setting()
    {
        var s = GigESettings.Parse("gige://Aravis-Fake-GV01?pixel-format=BayerGR8&width=1024&height=768&exposure=2500&gain=3.5&trigger=Line1&frame-rate=12.5&buffers=4");
        Assert.Equal(new GigESettings
        {
            Camera = "Aravis-Fake-GV01", PixelFormat = RawPixelFormat.BayerGR8, Width = 1024, Height = 768, ExposureMicroseconds = 2500,
            GainDecibels = 3.5, Trigger = GigETrigger.Line, TriggerLine = "Line1", FramesPerSecond = 12.5, Buffers = 4,
        }, s);
        Assert.Equal(GigETrigger.FreeRun, GigESettings.Parse("gige://10.0.0.5").Trigger);
    }
}
