using Akka.Actor;
using Akka.TestKit;
using Inspection.Actors.Cameras;
using Inspection.Actors.Messages;
using Inspection.Engine.Cameras;
using Inspection.Engine.Tests.Cameras;
using Xunit;

namespace Inspection.Actors.Tests;

/// <summary>
/// A camera actor hosting a real GigE Vision camera (aravis' simulator over 127.0.0.1): every trigger gives the line
/// one frame with its own id, and a camera that disappears shows as disconnected with the reason, takes no trigger
/// (said, not hung), and is connected again by itself when it is back, counted as a reconnect.
/// </summary>
public sealed class GigECameraActorTests : CameraTestKit
{
    public GigECameraActorTests() : base("gige-cameras")
    {
    }

    private CameraStats Stats(IActorRef camera) => camera.Ask<CameraStats>(new GetCameraStats(), TimeSpan.FromSeconds(5)).Result;

    private static CapturedFrame Answer(TestProbe line)
    {
        var frame = line.ExpectMsg<CapturedFrame>(TimeSpan.FromSeconds(20));
        line.Reply(new FrameAccepted(frame.Frame, "r" + frame.Frame.Sequence));
        line.Reply(new StoredResult(frame.Frame, frame.Source, "v1", 1f, 0.1f, false, null, 5, null, DateTimeOffset.UtcNow, "r" + frame.Frame.Sequence));
        return frame;
    }

    [SkippableFact]
    public void Each_trigger_gives_one_frame_and_a_camera_that_comes_back_is_connected_again_and_counted()
    {
        Skip.If(FakeGigECamera.Missing != null, FakeGigECamera.Missing);
        using var simulator = new FakeGigECamera();
        var line = CreateTestProbe();
        var (name, open) = CameraSources.Open(simulator.Url("pixel-format=Mono8&width=256&height=256&trigger=software"));
        Assert.StartsWith("gige-", name);
        var camera = Sys.ActorOf(CameraActor.Props("line-g", name, open, line.Ref,
            new CameraOptions { MinBackoff = TimeSpan.FromMilliseconds(100), MaxBackoff = TimeSpan.FromMilliseconds(500) }));
        AwaitAssert(() => Assert.True(Stats(camera).Connected), TimeSpan.FromSeconds(20));

        for (long i = 0; i < 3; i++)
        {
            camera.Tell(CameraActor.TriggerFrame.Instance);
            var frame = Answer(line);
            Assert.Equal(i, frame.Frame.Sequence);
            Assert.StartsWith("gige 127.0.0.1 frame ", frame.Source);
            using var bitmap = Engine.Imaging.ImageDecoder.Decode(frame.Encoded, frame.Source);
            Assert.Equal((256, 256), (bitmap.Width, bitmap.Height));
        }
        line.ExpectNoMsg(TimeSpan.FromMilliseconds(300)); // no trigger, no frame

        simulator.Kill();
        AwaitAssert(() =>
        {
            var lost = Stats(camera);
            Assert.False(lost.Connected);
            Assert.Contains("answer", lost.LastError);
        }, TimeSpan.FromSeconds(60));
        // Taken by nobody: said at once, and the actor lives on.
        EventFilter.Warning(contains: "trigger not taken (camera '127.0.0.1' is not connected)").ExpectOne(() => camera.Tell(CameraActor.TriggerFrame.Instance));

        simulator.Start();
        AwaitAssert(() => Assert.True(Stats(camera).Connected), TimeSpan.FromSeconds(60));
        camera.Tell(CameraActor.TriggerFrame.Instance);
        Assert.Equal(3, Answer(line).Frame.Sequence);
        var stats = Stats(camera);
        Assert.Equal(1, stats.Reconnects);
        Assert.Equal((4L, 4L, 0L), (stats.Captured, stats.Accepted, stats.Dropped));
        Assert.Equal("gige 127.0.0.1", stats.Source);
    }
}
