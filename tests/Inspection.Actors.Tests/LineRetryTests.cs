using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Inspection.Actors.Lines;
using Inspection.Actors.Messages;
using Xunit;

namespace Inspection.Actors.Tests;

/// <summary>
/// A line tries a frame again when its shards were unavailable (the cluster's failure, not the frame's) until the
/// frame deadline, stores exactly one result, and fails a frame at once for a failure of the frame itself.
/// </summary>
public sealed class LineRetryTests : TestKit
{
    private static readonly TempFolder Folder = new();
    private static readonly ModelDeployment Model = FakeRegistry.Model("retry-line");

    public LineRetryTests() : base(ConfigurationFactory.ParseString("akka.actor.provider = local").WithFallback(TestSupport.NodeConfig(Folder.File("retry.db"))))
    {
    }

    private static InspectionResult Scored(FrameId frame) => new(frame, "v1", 2.5f, 0.75f, true, null, 5, null);

    [Fact]
    public void A_frame_whose_shard_was_unavailable_is_tried_again_and_gets_one_scored_result()
    {
        var model = Model with { Line = "retry-a" };
        var extractors = CreateTestProbe();
        var line = Sys.ActorOf(LineActor.Props(model.Line, FakeRegistry.Knowing(CreateTestProbe(), model), extractors.Ref, new LineOptions { FrameTimeout = TimeSpan.FromSeconds(20) }));
        var camera = CreateTestProbe();
        var frame = new FrameId(model.Line, "cam", 1);
        line.Tell(new CapturedFrame(frame, [1, 2, 3], "x.png"), camera.Ref);
        camera.ExpectMsg<FrameAccepted>();
        // Two attempts fail as a lost shard does; the third is answered.
        for (int attempt = 0; attempt < 2; attempt++)
        {
            var sent = extractors.ExpectMsg<ExtractFrames>(TimeSpan.FromSeconds(10));
            extractors.Reply(InspectionResult.Failure(frame, "v1", "shard retry-a/v1/0 cannot answer: holds no bank slice", 5000, retryable: true));
            Assert.Equal(frame, sent.Frames.Single().Frame);
        }
        extractors.ExpectMsg<ExtractFrames>(TimeSpan.FromSeconds(10));
        extractors.Reply(Scored(frame));
        var stored = camera.ExpectMsg<StoredResult>(TimeSpan.FromSeconds(10));
        Assert.Null(stored.Error);
        Assert.Equal(2.5f, stored.Score);
        // The late answer of an earlier attempt, had one come, is not a second result.
        line.Tell(Scored(frame), extractors.Ref);
        camera.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        line.Tell(new GetLineStats(model.Line), camera.Ref);
        var stats = camera.ExpectMsg<LineStats>();
        Assert.Equal((1L, 0L), (stats.Scored, stats.Failed));
    }

    [Fact]
    public void A_failure_of_the_frame_itself_is_stored_at_once_and_a_frame_past_its_deadline_fails_naming_its_attempts()
    {
        var model = Model with { Line = "retry-b" };
        var extractors = CreateTestProbe();
        var line = Sys.ActorOf(LineActor.Props(model.Line, FakeRegistry.Knowing(CreateTestProbe(), model), extractors.Ref,
            new LineOptions { FrameTimeout = TimeSpan.FromSeconds(2), AttemptTimeout = TimeSpan.FromSeconds(10) }));
        var camera = CreateTestProbe();
        var corrupt = new FrameId(model.Line, "cam", 1);
        line.Tell(new CapturedFrame(corrupt, [1], "bad.png"), camera.Ref);
        camera.ExpectMsg<FrameAccepted>();
        extractors.ExpectMsg<ExtractFrames>();
        extractors.Reply(InspectionResult.Failure(corrupt, "v1", "Image 'bad.png' cannot be used: the file is truncated", 0));
        Assert.Contains("truncated", camera.ExpectMsg<StoredResult>().Error);
        extractors.ExpectNoMsg(TimeSpan.FromMilliseconds(500));

        var lost = new FrameId(model.Line, "cam", 2);
        line.Tell(new CapturedFrame(lost, [1], "x.png"), camera.Ref);
        camera.ExpectMsg<FrameAccepted>();
        // Every attempt fails as a shard that never comes back: the frame fails at its deadline, once, naming its attempts.
        int attempts = 0;
        StoredResult? result = null;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (result == null && clock.Elapsed < TimeSpan.FromSeconds(15))
        {
            if (extractors.ReceiveOne(TimeSpan.FromMilliseconds(100)) is ExtractFrames)
            {
                attempts++;
                extractors.Reply(InspectionResult.Failure(lost, "v1", "shard retry-b/v1/0 cannot answer: holds no bank slice", 0, retryable: true));
            }
            if (camera.HasMessages) result = camera.ExpectMsg<StoredResult>();
        }
        Assert.NotNull(result);
        // An attempt made just before the deadline may still wait in the probe's mailbox when the result is read.
        while (extractors.HasMessages) if (extractors.ReceiveOne(TimeSpan.Zero) is ExtractFrames) attempts++;
        Assert.True(attempts >= 2, $"{attempts} attempts");
        Assert.Contains($"after {attempts} attempt(s)", result!.Error);
        Assert.Contains("holds no bank slice", result.Error);
        Assert.InRange(clock.Elapsed.TotalSeconds, 1, 6);
        camera.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }
}
