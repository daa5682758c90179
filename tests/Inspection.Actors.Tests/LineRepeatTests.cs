using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Inspection.Actors.Lines;
using Inspection.Actors.Messages;
using Xunit;

namespace Inspection.Actors.Tests;

/// <summary>
/// A frame sent again under the same client key (an HTTP client retrying after a timeout) is one frame: while the
/// first is open, while its result is being written, and after it is stored. The write window matters under load,
/// when the journal is slow; a retry landing in it was once scored a second time and stored twice.
/// </summary>
public sealed class LineRepeatTests : TestKit
{
    private static readonly TempFolder Folder = new();
    private static readonly ModelDeployment Model = FakeRegistry.Model("repeat-line");

    public LineRepeatTests() : base(ConfigurationFactory.ParseString("akka.actor.provider = local\n" + GatedJournal.Hocon)
        .WithFallback(TestSupport.NodeConfig(Folder.File("repeat.db"))))
    {
        GatedJournal.Reset();
    }

    [Fact]
    public async Task A_retry_that_arrives_while_the_result_is_being_written_waits_for_that_result_and_is_not_scored_again()
    {
        var extractors = CreateTestProbe();
        var line = Sys.ActorOf(LineActor.Props(Model.Line, FakeRegistry.Knowing(CreateTestProbe(), Model), extractors.Ref, new LineOptions { FrameTimeout = TimeSpan.FromSeconds(30) }));
        var first = CreateTestProbe();
        var retry = CreateTestProbe();
        var later = CreateTestProbe();
        const string key = "frame:press/f001";

        line.Tell(new CapturedFrame(new FrameId(Model.Line, "press", 1), [1, 2, 3], "f001", null, key), first.Ref);
        string resultId = first.ExpectMsg<FrameAccepted>().ResultId!;
        extractors.ExpectMsg<ExtractFrames>(TimeSpan.FromSeconds(10));
        extractors.Reply(new InspectionResult(new FrameId(Model.Line, "press", 1), "v1", 2.5f, 0.75f, true, null, 5, null));
        await GatedJournal.WriteStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // The result is scored and its write is pending: the retry joins it.
        line.Tell(new CapturedFrame(new FrameId(Model.Line, "press", 2), [1, 2, 3], "f001", null, key), retry.Ref);
        Assert.Equal(resultId, retry.ExpectMsg<FrameAccepted>().ResultId);
        extractors.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        GatedJournal.Gate.TrySetResult();
        Assert.Equal(resultId, first.ExpectMsg<StoredResult>(TimeSpan.FromSeconds(10)).ResultId);
        Assert.Equal(resultId, retry.ExpectMsg<StoredResult>(TimeSpan.FromSeconds(10)).ResultId);

        // And after it is stored, a retry gets the stored result at once.
        line.Tell(new CapturedFrame(new FrameId(Model.Line, "press", 3), [1, 2, 3], "f001", null, key), later.Ref);
        Assert.Equal(resultId, later.ExpectMsg<FrameAccepted>().ResultId);
        Assert.Equal(resultId, later.ExpectMsg<StoredResult>().ResultId);
        extractors.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        line.Tell(new GetLineStats(Model.Line), first.Ref);
        var stats = first.ExpectMsg<LineStats>();
        Assert.Equal((1L, 1L), (stats.Accepted, stats.Scored));
    }

    [Fact]
    public async Task When_the_journal_cannot_store_a_result_every_frame_the_line_holds_is_told_lost_at_once_and_the_line_stops()
    {
        var extractors = CreateTestProbe();
        var line = Sys.ActorOf(LineActor.Props(Model.Line, FakeRegistry.Knowing(CreateTestProbe(), Model), extractors.Ref, new LineOptions { FrameTimeout = TimeSpan.FromSeconds(30) }));
        Watch(line);
        var scored = CreateTestProbe();
        var open = CreateTestProbe();
        line.Tell(new CapturedFrame(new FrameId(Model.Line, "press", 1), [1, 2, 3], "f001", null, "frame:press/f001"), scored.Ref);
        string scoredId = scored.ExpectMsg<FrameAccepted>().ResultId!;
        extractors.ExpectMsg<ExtractFrames>(TimeSpan.FromSeconds(10));
        line.Tell(new CapturedFrame(new FrameId(Model.Line, "press", 2), [1, 2, 3], "f002", null, "frame:press/f002"), open.Ref);
        string openId = open.ExpectMsg<FrameAccepted>().ResultId!;

        // The first frame's result goes to a journal whose database has gone away.
        GatedJournal.FailWith = new InvalidOperationException("connection refused");
        extractors.Send(line, new InspectionResult(new FrameId(Model.Line, "press", 1), "v1", 2.5f, 0.75f, true, null, 5, null));
        await GatedJournal.WriteStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        GatedJournal.Gate.TrySetResult();

        var lost = scored.ExpectMsg<FrameLost>(TimeSpan.FromSeconds(10));
        Assert.Equal((new FrameId(Model.Line, "press", 1), scoredId), (lost.Frame, lost.ResultId));
        Assert.Contains("connection refused", lost.Reason);
        var alsoLost = open.ExpectMsg<FrameLost>(TimeSpan.FromSeconds(10));
        Assert.Equal((new FrameId(Model.Line, "press", 2), openId), (alsoLost.Frame, alsoLost.ResultId));
        ExpectTerminated(line);
        scored.ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // no result follows a frame told lost
    }
}
