using Akka.Actor;
using Akka.TestKit;
using Inspection.Actors.Cameras;
using Inspection.Actors.Messages;
using Inspection.Engine.Cameras;
using Xunit;

namespace Inspection.Actors.Tests;

/// <summary>
/// The one camera seam: a camera actor hosting a source gives frame ids that continue across restarts (its journal in
/// SQLite), offers frames to the line, drops or waits as its policy says when the line refuses or falls behind, caps
/// the frame rate, and connects again with backoff to a source that fails, counting it. The line is a probe here,
/// answering as a line does; the sources are the replay of real files, and a source scripted in the test to fail.
/// </summary>
public sealed class CameraActorTests : CameraTestKit
{
    public CameraActorTests() : base("cameras")
    {
    }

    private List<string> Files(int count) => Enumerable.Range(0, count).Select(i =>
    {
        string path = Data.File($"f{i}.png");
        File.WriteAllBytes(path, Png((byte)(i * 20)));
        return path;
    }).ToList();

    private IActorRef Camera(Func<IFrameSource> source, TestProbe line, CameraOptions? options = null, IActorRef? observer = null, string name = "cam") =>
        Sys.ActorOf(CameraActor.Props("line-c", name, source, line.Ref, options ?? new CameraOptions(), observer));

    /// <summary>Takes the next offered frame and answers it as a line: accepted, then its stored result.</summary>
    private static CapturedFrame Answer(TestProbe line)
    {
        var frame = line.ExpectMsg<CapturedFrame>(TimeSpan.FromSeconds(10));
        line.Reply(new FrameAccepted(frame.Frame, "r" + frame.Frame.Sequence));
        line.Reply(new StoredResult(frame.Frame, frame.Source, "v1", 1f, 0.1f, false, null, 5, null, DateTimeOffset.UtcNow, "r" + frame.Frame.Sequence));
        return frame;
    }

    private CameraStats Stats(IActorRef camera) => camera.Ask<CameraStats>(new GetCameraStats(), TimeSpan.FromSeconds(5)).Result;

    [Fact]
    public void A_replay_offers_every_file_with_ids_that_continue_after_a_restart_and_reports_when_finished()
    {
        var files = Files(3);
        var line = CreateTestProbe();
        var observer = CreateTestProbe();
        var camera = Camera(() => new ReplaySource(files, 50), line, new CameraOptions { FrameIdBlock = 10 }, observer.Ref);
        var first = Enumerable.Range(0, 3).Select(_ => Answer(line)).ToList();
        Assert.Equal([0L, 1L, 2L], first.Select(f => f.Frame.Sequence));
        Assert.Equal(files, first.Select(f => f.Source));
        Assert.Equal(File.ReadAllBytes(files[1]), first[1].Encoded);
        for (int i = 0; i < 3; i++) observer.ExpectMsg<StoredResult>();
        var done = observer.ExpectMsg<CameraStats>();
        Assert.Equal((3L, 3L, 0L, 3L, true), (done.Captured, done.Accepted, done.Dropped, done.Results, done.Finished));
        Assert.Equal("replay of 3 file(s)", done.Source);

        Watch(camera);
        Sys.Stop(camera);
        ExpectTerminated(camera);
        Camera(() => new ReplaySource(files, 50), line, new CameraOptions { FrameIdBlock = 10 });
        // The same camera again: its ids start at the next block, never at 0 again.
        Assert.Equal([10L, 11L, 12L], Enumerable.Range(0, 3).Select(_ => Answer(line).Frame.Sequence));
    }

    [Fact]
    public void A_refused_frame_is_dropped_and_counted_or_offered_again_with_its_id()
    {
        var files = Files(2);
        var line = CreateTestProbe();
        var dropping = Camera(() => new ReplaySource(files, 50), line, new CameraOptions { Policy = DropPolicy.Drop }, name: "dropping");
        var refused = line.ExpectMsg<CapturedFrame>();
        line.Reply(new FrameRejected(refused.Frame, "the line is full"));
        Assert.Equal(1, Answer(line).Frame.Sequence);
        AwaitAssert(() => Assert.Equal((2L, 1L, 1L), (Stats(dropping).Captured, Stats(dropping).Accepted, Stats(dropping).Dropped)));

        var waiting = Camera(() => new ReplaySource(files, 50), line, new CameraOptions { Policy = DropPolicy.Wait }, name: "waiting");
        var again = line.ExpectMsg<CapturedFrame>();
        line.Reply(new FrameRejected(again.Frame, "the line is full"));
        var offered = Answer(line);
        Assert.Equal((again.Frame, again.Source), (offered.Frame, offered.Source)); // the same frame, the same id
        Assert.Equal(1, Answer(line).Frame.Sequence);
        AwaitAssert(() => Assert.Equal((2L, 2L, 0L), (Stats(waiting).Captured, Stats(waiting).Accepted, Stats(waiting).Dropped)));
    }

    [Fact]
    public void A_line_that_falls_behind_fills_the_buffer_and_the_rest_are_dropped_and_counted()
    {
        var files = Files(12);
        var line = CreateTestProbe();
        var observer = CreateTestProbe();
        var camera = Camera(() => new ReplaySource(files, 200), line, new CameraOptions { Buffer = 2 }, observer.Ref);
        var held = line.ExpectMsg<CapturedFrame>(TimeSpan.FromSeconds(10)); // never answered while the replay goes on
        AwaitAssert(() => Assert.Equal(12, Stats(camera).Captured), TimeSpan.FromSeconds(10));
        var stats = Stats(camera);
        Assert.Equal(10, stats.Dropped); // two held (the buffer), ten dropped
        line.Reply(new FrameAccepted(held.Frame, "r"));
        line.Reply(new StoredResult(held.Frame, held.Source, "v1", 1f, 0.1f, false, null, 5, null, DateTimeOffset.UtcNow, "r"));
        Answer(line);
        observer.ExpectMsg<StoredResult>();
        observer.ExpectMsg<StoredResult>();
        var done = observer.ExpectMsg<CameraStats>();
        Assert.Equal((12L, 2L, 10L, true), (done.Captured, done.Accepted, done.Dropped, done.Finished));
    }

    [Fact]
    public void A_frame_rate_cap_drops_and_counts_the_frames_above_it()
    {
        var files = Files(10);
        var line = CreateTestProbe();
        var observer = CreateTestProbe();
        // 100 frames/s from the source, at most 20 a second offered: most of them dropped.
        Camera(() => new ReplaySource(files, 100), line, new CameraOptions { MaxFramesPerSecond = 20 }, observer.Ref);
        var answered = 0;
        // The first frame once the camera has recovered its journal; the others follow within the replay's 0.1 s.
        for (object? offered = line.ExpectMsg<CapturedFrame>(TimeSpan.FromSeconds(10)); offered is CapturedFrame frame; answered++)
        {
            line.Reply(new FrameAccepted(frame.Frame, "r"));
            line.Reply(new StoredResult(frame.Frame, frame.Source, "v1", 1f, 0.1f, false, null, 5, null, DateTimeOffset.UtcNow, "r"));
            offered = line.ReceiveOne(TimeSpan.FromMilliseconds(500));
        }
        for (int i = 0; i < answered; i++) observer.ExpectMsg<StoredResult>();
        var done = observer.ExpectMsg<CameraStats>(TimeSpan.FromSeconds(10));
        Assert.Equal(10, done.Captured);
        Assert.InRange(answered, 1, 4); // 10 frames over ~0.1 s: one, and a second at most every 50 ms
        Assert.Equal(10 - answered, done.Dropped);
    }

    [Fact]
    public void A_source_that_fails_is_connected_again_with_backoff_and_counted()
    {
        var line = CreateTestProbe();
        var source = new FailingSource(failConnects: 2, failAfterFrames: 2);
        var camera = Camera(() => source, line, new CameraOptions { MinBackoff = TimeSpan.FromMilliseconds(20), MaxBackoff = TimeSpan.FromMilliseconds(100) });
        // Two failed connections, then two frames, then the connection drops, and it comes back.
        Assert.Equal([0L, 1L], new[] { Answer(line), Answer(line) }.Select(f => f.Frame.Sequence));
        Assert.Equal(2, Answer(line).Frame.Sequence);
        var stats = Stats(camera);
        Assert.True(stats.Connected);
        Assert.Equal(1, stats.Reconnects); // connected once, lost, connected again
        Assert.Equal("the camera stopped answering", stats.LastError);
        Assert.Equal(4, source.Connects); // two refused, the first, the one after the loss
        Assert.NotNull(stats.LastFrameAt);
        Assert.True(stats.FramesPerSecond > 0);
    }

    /// <summary>A source that refuses its first connections and loses its connection after some frames, once.</summary>
    private sealed class FailingSource(int failConnects, int failAfterFrames) : IFrameSource
    {
        private int _frames;
        private bool _lost;
        public int Connects;

        public string Name => "scripted";
        public bool Triggered => false;

        public void Connect(CancellationToken cancel)
        {
            if (++Connects <= failConnects) throw new IOException($"no camera at the address (try {Connects})");
        }

        public GrabbedFrame? Next(CancellationToken cancel)
        {
            cancel.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(20));
            cancel.ThrowIfCancellationRequested();
            if (++_frames > failAfterFrames && !_lost)
            {
                _lost = true;
                throw new IOException("the camera stopped answering");
            }
            return new GrabbedFrame(Png((byte)_frames), $"scripted {_frames}", DateTimeOffset.UtcNow);
        }

        public void Trigger() { }

        public void Dispose() { }
    }
}
