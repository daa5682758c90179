using Akka.Actor;
using Inspection.Actors.Lines;
using Inspection.Actors.Messages;
using Xunit;

namespace Inspection.Actors.Tests;

/// <summary>
/// A line's decisions as plain values, no actor and no clock (LineState): the window of frames in flight, parking until
/// the registry has answered, idempotent client keys, retries within the frame's deadline, the sweep, the silent-node
/// rule, verdicts at the line's current threshold, and the counters.
/// </summary>
public sealed class LineStateTests
{
    private static readonly DateTime T0 = new(2026, 12, 5, 8, 0, 0, DateTimeKind.Utc);
    private static readonly byte[] NoImage = []; // no header: no aspect to compare, a square deployment

    private static ModelDeployment Deployment(string version = "v1", float threshold = 1, int replicas = 1) =>
        new("press", version, 1, 100, 384, 9, "resnet18", ["layer2", "layer3"], null, 256, 32, 4.0, threshold, 0, 2 * threshold, 1, 0, 2, Replicas: replicas);

    private static CapturedFrame Frame(int sequence, string? key = null) => new(new FrameId("press", "cam", sequence), NoImage, $"f{sequence}.png", ClientKey: key);

    private static LineState Ready(LineOptions? options = null, ExtractorRoute? route = null, ModelDeployment? deployment = null)
    {
        var state = new LineState("press", options ?? new LineOptions(), route);
        state.Deployed(deployment ?? Deployment());
        state.SettingsRead(LineSettings.Default);
        return state;
    }

    private static InspectionResult Scored(CapturedFrame f, float score, string version = "v1") => new(f.Frame, version, score, 0, false, null, 5, null);

    private static StoredResult Store(LineState state, InspectionResult result, DateTime now)
    {
        var store = Assert.IsType<Completion.Store>(state.Complete(result, now));
        return store.Result;
    }

    [Fact]
    public void Frames_beyond_the_window_are_refused_and_counted_and_a_frame_already_open_is_refused()
    {
        var state = Ready(new LineOptions { MaxInFlight = 2 });
        Assert.IsType<Intake.Accepted>(state.Take(Frame(1), T0));
        Assert.IsType<Intake.Accepted>(state.Take(Frame(2), T0));
        var full = Assert.IsType<Intake.Refused>(state.Take(Frame(3), T0));
        Assert.True(full.Dropped);
        Assert.Contains("2 frames in flight (limit 2)", full.Reason);
        Assert.Equal((2L, 1L, 2), (state.Accepted, state.Rejected, state.InFlight));

        Store(state, Scored(Frame(1), 0.5f), T0);
        var again = Assert.IsType<Intake.Refused>(state.Take(Frame(2), T0));
        Assert.False(again.Dropped);
        Assert.Contains("already being inspected", again.Reason);
    }

    [Fact]
    public void A_parts_id_is_carried_to_its_result_which_is_marked_late_when_it_completes_after_the_parts_deadline()
    {
        var state = Ready();
        var onTime = Frame(1) with { Part = "4711", PartDeadline = DateTimeOffset.UtcNow.AddMinutes(1) };
        var late = Frame(2) with { Part = "4712", PartDeadline = DateTimeOffset.UtcNow.AddSeconds(-1) };
        var plain = Frame(3);
        foreach (var f in new[] { onTime, late, plain }) Assert.IsType<Intake.Accepted>(state.Take(f, T0));

        var results = new[] { onTime, late, plain }.Select(f => Store(state, Scored(f, 0.5f), T0)).ToList();
        Assert.Equal([("4711", false), ("4712", true), (null, false)], results.Select(r => (r.Part, r.Late)));
    }

    [Fact]
    public void Frames_wait_until_the_registry_has_given_the_model_and_the_settings()
    {
        var state = new LineState("press", new LineOptions(), null);
        var parked = Assert.IsType<Intake.Accepted>(state.Take(Frame(1), T0));
        Assert.False(parked.Dispatch);
        Assert.NotNull(parked.Frame.ResultId);
        Assert.Empty(state.Deployed(Deployment())); // the settings are still unknown
        var released = Assert.Single(state.SettingsRead(null));
        Assert.Equal(parked.Frame, released);
        var send = Assert.IsType<Attempt.Send>(state.Dispatch(released, T0));
        Assert.Equal(new ExtractFrames("press", "v1", [released]).Version, send.Request.Version);
        Assert.Null(send.Node); // no route: the extractors' router chooses
    }

    [Fact]
    public void A_line_without_a_model_fails_its_frames_with_the_registrys_reason()
    {
        var state = new LineState("press", new LineOptions(), null);
        state.NoModel("line 'press' has no trained model");
        state.SettingsRead(null);
        var taken = Assert.IsType<Intake.Accepted>(state.Take(Frame(1), T0));
        var fail = Assert.IsType<Attempt.Fail>(state.Dispatch(taken.Frame, T0));
        Assert.Equal("line 'press' has no trained model", fail.Result.Error);
        state.Deleted();
        Assert.Equal("line 'press' was deleted", Assert.IsType<Attempt.Fail>(state.Dispatch(Frame(2), T0)).Result.Error);
    }

    [Fact]
    public void A_repeated_client_key_joins_the_open_frame_then_gets_its_stored_result()
    {
        var state = Ready();
        var first = Assert.IsType<Intake.Accepted>(state.Take(Frame(1, key: "k"), T0));
        Assert.Equal(first.Frame.ResultId, Assert.IsType<Intake.Joined>(state.Take(Frame(2, key: "k"), T0)).ResultId);
        var stored = Store(state, Scored(first.Frame, 0.5f), T0.AddSeconds(1));
        // Being written: still joined, not scored again.
        Assert.Equal(first.Frame.ResultId, Assert.IsType<Intake.Joined>(state.Take(Frame(3, key: "k"), T0)).ResultId);
        state.Stored(stored);
        Assert.Equal(stored, Assert.IsType<Intake.Answered>(state.Take(Frame(4, key: "k"), T0)).Result);
        Assert.Equal(1, state.Accepted);
    }

    [Fact]
    public void Only_the_newest_remembered_keys_are_answered_from_memory()
    {
        var state = Ready(new LineOptions { RememberedKeys = 1 });
        foreach (var (seq, key) in new[] { (1, "a"), (2, "b") })
        {
            var taken = Assert.IsType<Intake.Accepted>(state.Take(Frame(seq, key), T0));
            state.Stored(Store(state, Scored(taken.Frame, 0.5f), T0));
        }
        Assert.IsType<Intake.Answered>(state.Take(Frame(3, "b"), T0));
        Assert.IsType<Intake.Accepted>(state.Take(Frame(4, "a"), T0)); // forgotten: a new frame
    }

    [Fact]
    public void A_retryable_failure_is_tried_again_with_growing_waits_until_the_deadline_leaves_no_time()
    {
        var state = Ready(new LineOptions { FrameTimeout = TimeSpan.FromSeconds(2) });
        var frame = Assert.IsType<Intake.Accepted>(state.Take(Frame(1), T0)).Frame;
        state.Dispatch(frame, T0);
        var lost = InspectionResult.Failure(frame.Frame, "v1", "shard s1 did not answer", 5, retryable: true);
        Assert.Equal(TimeSpan.FromMilliseconds(250), Assert.IsType<Completion.Retry>(state.Complete(lost, T0)).Wait);
        // A second failure while the retry waits: the frame is not retried twice at once, and it ends.
        Assert.IsType<Attempt.Send>(state.Again(frame.Frame, T0.AddMilliseconds(250)));
        Assert.Equal(TimeSpan.FromMilliseconds(500), Assert.IsType<Completion.Retry>(state.Complete(lost, T0.AddMilliseconds(300))).Wait);
        state.Again(frame.Frame, T0.AddMilliseconds(800));
        // 1 s wait from 1.5 s would pass the 2 s deadline: the failure is stored, saying so.
        var stored = Store(state, lost, T0.AddMilliseconds(1500));
        Assert.Equal("shard s1 did not answer (after 3 attempt(s); the frame deadline of 2 s leaves no time for another)", stored.Error);
        Assert.IsType<Completion.Ignored>(state.Complete(Scored(frame, 0.5f), T0.AddSeconds(3))); // one result per frame
    }

    [Fact]
    public void The_sweep_fails_frames_past_their_deadline_and_makes_again_attempts_past_theirs()
    {
        var state = Ready(new LineOptions { FrameTimeout = TimeSpan.FromSeconds(30), AttemptTimeout = TimeSpan.FromSeconds(10) });
        var old = Assert.IsType<Intake.Accepted>(state.Take(Frame(1), T0)).Frame;
        state.Dispatch(old, T0);
        var recent = Assert.IsType<Intake.Accepted>(state.Take(Frame(2), T0.AddSeconds(25))).Frame;
        state.Dispatch(recent, T0.AddSeconds(25));
        var (expired, overdue) = state.Sweep(T0.AddSeconds(31));
        var failed = Assert.Single(expired);
        Assert.Equal(old.Frame, failed.Frame);
        Assert.Equal("no result within the frame deadline of 30 s after 1 attempt(s) (a feature-extraction or shard node may have been lost)", failed.Error);
        Assert.Empty(overdue);
        Store(state, failed, T0.AddSeconds(31));
        Assert.Equal(recent.Frame, Assert.Single(state.Sweep(T0.AddSeconds(36)).Overdue));
    }

    [Fact]
    public void Verdicts_follow_the_lines_threshold_now_and_a_replaced_versions_own()
    {
        var state = Ready(deployment: Deployment(threshold: 1));
        var a = Assert.IsType<Intake.Accepted>(state.Take(Frame(1), T0)).Frame;
        var b = Assert.IsType<Intake.Accepted>(state.Take(Frame(2), T0)).Frame;
        var c = Assert.IsType<Intake.Accepted>(state.Take(Frame(3), T0)).Frame;
        var first = Store(state, Scored(a, 1.5f), T0);
        Assert.True(first.Defective);
        Assert.Equal(0.75f, first.NormalisedScore, 4); // (1.5 - threshold 1) / range 2 + 0.5
        state.Deployed(Deployment(threshold: 2)); // an operator moved the threshold
        Assert.False(Store(state, Scored(b, 1.5f), T0).Defective);
        state.Deployed(Deployment("v2", threshold: 10)); // a new version: v1's frames keep v1's threshold
        Assert.True(Store(state, Scored(c, 2.5f, "v1"), T0).Defective);
    }

    [Fact]
    public void Counters_follow_stored_results_and_survive_a_snapshot()
    {
        var state = Ready();
        state.Stored(new StoredResult(new FrameId("press", "cam", 1), "a", "v1", 3, 1, true, null, 1, null, DateTimeOffset.UtcNow, "r1"));
        state.Stored(new StoredResult(new FrameId("press", "cam", 2), "b", "v1", 0.1f, 0, false, null, 1, null, DateTimeOffset.UtcNow, "r2"));
        state.Stored(new StoredResult(new FrameId("press", "cam", 3), "c", "v1", float.NaN, 0, false, "corrupt", 1, null, DateTimeOffset.UtcNow, "r3"));
        Assert.Equal(new LineCounters(2, 1, 1), state.Counters());
        var restored = new LineState("press", new LineOptions(), null);
        restored.Restore(state.Counters());
        Assert.Equal((2L, 1L, 1L), (restored.Scored, restored.Failed, restored.Flagged));
    }

    [Fact]
    public void A_node_silent_past_the_limit_is_passed_over_and_its_frames_go_elsewhere_until_it_answers()
    {
        var (a, b) = (new Address("akka.tcp", "inspection", "127.0.0.1", 1), new Address("akka.tcp", "inspection", "127.0.0.1", 2));
        var d = Deployment(replicas: 2);
        var route = new ExtractorRoute("press", fill: 16);
        route.Up(a);
        route.Up(b);
        route.Locations(new Dictionary<string, Address> { [d.ShardEntity(0, 0)] = a, [d.ShardEntity(0, 1)] = b });
        var state = Ready(new LineOptions { SilentNodeAfter = TimeSpan.FromSeconds(3), AttemptTimeout = TimeSpan.FromSeconds(10) }, route, d);
        var frame = Assert.IsType<Intake.Accepted>(state.Take(Frame(1), T0)).Frame;
        var first = Assert.IsType<Attempt.Send>(state.Dispatch(frame, T0)).Node!;
        Assert.Empty(state.SilentNodes(T0.AddSeconds(2)));
        var silent = Assert.Single(state.SilentNodes(T0.AddSeconds(4)));
        Assert.Equal((first, frame.Frame), (silent.Node, Assert.Single(silent.Frames)));
        var other = Assert.IsType<Attempt.Send>(state.Again(frame.Frame, T0.AddSeconds(4))).Node!;
        Assert.NotEqual(first, other);
        Assert.True(state.AnsweredBy(first, T0.AddSeconds(5))); // it answers again: it takes frames again
        Assert.False(route.IsSilent(first));
    }
}
