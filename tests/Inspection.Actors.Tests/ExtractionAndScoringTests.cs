using Akka.Actor;
using Akka.TestKit.Xunit2;
using Inspection.Actors.Extraction;
using Inspection.Actors.Messages;
using Inspection.Actors.Scoring;
using SkiaSharp;
using Xunit;

namespace Inspection.Actors.Tests;

/// <summary>Extraction and scoring actors alone, with probes standing in for the registry and the shards (nothing persists).</summary>
public sealed class ExtractionAndScoringTests() : TestKit(TestSupport.NodeConfig(Path.Combine(Path.GetTempPath(), "not-used.db")))
{

    private static ModelDeployment Deployment(int shards, int imageSize = 64, int neighbours = 1) =>
        new("line", "v1", shards, 4, 384, neighbours, "resnet18", ["layer2", "layer3"], null, imageSize, imageSize / 8, 4.0, 1, 0, 2, 1, 0, 2);

    private static byte[] Png()
    {
        using var bitmap = new SKBitmap(64, 64);
        bitmap.Erase(SKColors.SlateGray);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    [Fact]
    public void A_partial_batch_is_flushed_at_its_deadline_and_a_corrupt_frame_fails_alone()
    {
        var registry = CreateTestProbe();
        var shards = CreateTestProbe();
        // A deadline long enough that a loaded machine cannot make the "nothing yet" window below overlap it.
        var options = new ExtractionOptions { BatchSize = 4, BatchDeadline = TimeSpan.FromSeconds(1.5) };
        var extractor = Sys.ActorOf(FeatureExtractorActor.Props(registry, shards, options));
        var png = Png();
        extractor.Tell(new ExtractFrames("line", "v1", [
            new CapturedFrame(new FrameId("line", "c", 1), png, "good.png"),
            new CapturedFrame(new FrameId("line", "c", 2), png[..40], "cut.png"),
        ]));
        registry.ExpectMsg<GetDeployment>();
        registry.Reply(Deployment(shards: 1));

        // The corrupt frame fails at once, with the decoder's reason.
        var failed = ExpectMsg<InspectionResult>(TimeSpan.FromSeconds(30));
        Assert.Equal(2, failed.Frame.Sequence);
        Assert.Contains("cut.png", failed.Error);
        // One good frame is below the batch size of 4: nothing reaches the shards before the deadline...
        shards.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        // ...and the partial batch (1 frame = 8x8 patches) is flushed when it expires.
        var query = shards.ExpectMsg<QueryNearest>(TimeSpan.FromSeconds(30));
        Assert.Equal(64, query.Queries.Rows);
        Assert.Equal(384, query.Queries.Columns);
    }

    [Fact]
    public void A_shard_restarting_elsewhere_is_asked_again_within_the_retry_budget_and_the_batch_scores()
    {
        var shards = CreateTestProbe();
        var scorer = Sys.ActorOf(LineScorerActor.Props(Deployment(shards: 2) with { NumNeighbors = 1 }, shards, TimeSpan.FromMilliseconds(300),
            retryBudget: TimeSpan.FromSeconds(10)));
        var frame = new FrameId("line", "c", 1);
        scorer.Tell(new ScoreFrames([frame], FeatureBlock.FromFloats(new float[64 * 384], 64, 384)));
        var asked = new[] { shards.ExpectMsg<QueryNearest>(), shards.ExpectMsg<QueryNearest>() };
        var zero = asked.Single(q => ShardKey.Parse(q.EntityId).Shard == 0);
        var one = asked.Single(q => ShardKey.Parse(q.EntityId).Shard == 1);
        shards.Reply(new NearestAnswer(zero.EntityId, zero.QueryId, 1, Enumerable.Repeat(1f, 64).ToArray(), new long[64]));
        // Shard 1 has no bank yet (restarting on another node), then stays silent for a round: it is asked again, only it.
        scorer.Tell(new ShardUnavailable(one.EntityId, one.QueryId, "holds no bank slice"), shards.Ref);
        var again = shards.ExpectMsg<QueryNearest>(TimeSpan.FromSeconds(5));
        Assert.Equal(one.EntityId, again.EntityId);
        var third = shards.ExpectMsg<QueryNearest>(TimeSpan.FromSeconds(5)); // after the silent round
        Assert.Equal(one.EntityId, third.EntityId);
        shards.Reply(new NearestAnswer(third.EntityId, third.QueryId, 1, Enumerable.Repeat(4f, 64).ToArray(), Enumerable.Repeat(50L, 64).ToArray()));
        var result = ExpectMsg<InspectionResult>(TimeSpan.FromSeconds(5));
        Assert.Null(result.Error);
        Assert.Equal(1f, result.Score); // the nearest over both shards
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void A_shard_that_does_not_answer_fails_every_frame_of_the_batch_explicitly()
    {
        var shards = CreateTestProbe();
        var scorer = Sys.ActorOf(LineScorerActor.Props(Deployment(shards: 2), shards, TimeSpan.FromMilliseconds(500)));
        var frames = new[] { new FrameId("line", "c", 1), new FrameId("line", "c", 2) };
        scorer.Tell(new ScoreFrames(frames, FeatureBlock.FromFloats(new float[2 * 64 * 384], 2 * 64, 384)));
        var q0 = shards.ExpectMsg<QueryNearest>();
        var q1 = shards.ExpectMsg<QueryNearest>();
        // Shard 0 answers, shard 1 stays silent.
        var first = ShardKey.Parse(q0.EntityId).Shard == 0 ? q0 : q1;
        shards.Reply(new NearestAnswer(first.EntityId, first.QueryId, 1, new float[128], new long[128]));
        var results = new[] { ExpectMsg<InspectionResult>(TimeSpan.FromSeconds(5)), ExpectMsg<InspectionResult>(TimeSpan.FromSeconds(5)) };
        Assert.All(results, r =>
        {
            Assert.True(r.Failed);
            Assert.Contains("line/v1/1/0 did not answer", r.Error);
            Assert.True(float.IsNaN(r.Score));
        });
        Assert.Equal(frames, results.Select(r => r.Frame).OrderBy(f => f.Sequence));
        ExpectNoMsg(TimeSpan.FromMilliseconds(300)); // exactly one result per frame
    }

    [Fact]
    public void Eq7_fetches_m_star_from_its_owner_only_and_merges_the_neighbours_of_every_shard()
    {
        var shards = CreateTestProbe();
        // Bank of 4 rows over 2 shards (rows 0-1 and 2-3), 3 neighbours for Eq. 7; one frame of 8 x 8 patches.
        var scorer = Sys.ActorOf(LineScorerActor.Props(Deployment(shards: 2, neighbours: 3), shards, TimeSpan.FromSeconds(5)));
        var patches = Enumerable.Range(0, 64 * 384).Select(i => (i % 13) * 0.1f).ToArray();
        scorer.Tell(new ScoreFrames([new FrameId("line", "c", 1)], FeatureBlock.FromFloats(patches, 64, 384)));
        var nearest = new[] { shards.ExpectMsg<QueryNearest>(), shards.ExpectMsg<QueryNearest>() }.OrderBy(q => q.EntityId).ToArray();
        // Patch 5 is the worst: 7 from row 2 (shard 1) beats 8 from shard 0; every other patch is within 2.
        var d0 = Enumerable.Repeat(1f, 64).ToArray(); d0[5] = 8;
        var d1 = Enumerable.Repeat(2f, 64).ToArray(); d1[5] = 7;
        scorer.Tell(new NearestAnswer("line/v1/0", nearest[0].QueryId, 1, d0, Enumerable.Repeat(0L, 64).ToArray()));
        scorer.Tell(new NearestAnswer("line/v1/1", nearest[1].QueryId, 1, d1, Enumerable.Repeat(2L, 64).ToArray()));

        // Row 2 lies in shard 1's slice (rows 2-3): only shard 1 is asked for it.
        var rows = shards.ExpectMsg<QueryRows>();
        Assert.Equal("line/v1/1/0", rows.EntityId);
        Assert.Equal(new long[] { 2 }, rows.Indices);
        var mStar = Enumerable.Range(0, 384).Select(i => i * 0.01f).ToArray();
        scorer.Tell(new RowsAnswer(rows.EntityId, rows.QueryId, [2], FeatureBlock.FromFloats(mStar, 1, 384)));

        var support = new[] { shards.ExpectMsg<QuerySupport>(), shards.ExpectMsg<QuerySupport>() }.OrderBy(q => q.EntityId).ToArray();
        Assert.All(support, q =>
        {
            Assert.Equal(3, q.K);
            Assert.Equal(mStar, q.Centers.ToFloats());
            Assert.Equal(patches.AsSpan(5 * 384, 384).ToArray(), q.Patches.ToFloats());
        });
        // Merged by distance to m*: row 2 (0), row 0 (1), row 3 (2); row 1 (3) is the fourth and drops out.
        scorer.Tell(new SupportAnswer("line/v1/0", support[0].QueryId, 2, [1f, 3f], [0, 1], [4f, 6f]));
        scorer.Tell(new SupportAnswer("line/v1/1", support[1].QueryId, 2, [0f, 2f], [2, 3], [5f, 9f]));
        var result = ExpectMsg<InspectionResult>(TimeSpan.FromSeconds(5));
        Assert.Null(result.Error);
        Assert.Equal(Inspection.Engine.PatchCore.ImageScoreReweighting.Weighted(7f, [5f, 4f, 9f]), result.Score);
    }

    [Fact]
    public void With_two_replicas_a_replica_that_cannot_answer_or_is_slow_is_replaced_at_once_and_no_frame_fails()
    {
        var shards = CreateTestProbe();
        // A timeout far beyond the test: only replica replacement and the hedge can make it score in time.
        var scorer = Sys.ActorOf(LineScorerActor.Props(Deployment(shards: 2) with { Replicas = 2 }, shards, TimeSpan.FromSeconds(60)));
        var frame = new FrameId("line", "c", 1);
        scorer.Tell(new ScoreFrames([frame], FeatureBlock.FromFloats(new float[64 * 384], 64, 384)));
        var asked = new[] { shards.ExpectMsg<QueryNearest>(), shards.ExpectMsg<QueryNearest>() }.Select(q => (Query: q, Key: ShardKey.Parse(q.EntityId))).ToList();
        Assert.Equal([0, 1], asked.Select(a => a.Key.Shard).Order());
        var zero = asked.Single(a => a.Key.Shard == 0);
        var one = asked.Single(a => a.Key.Shard == 1);
        // Shard 0's replica cannot answer: the other replica of shard 0 is asked at once, and answers.
        scorer.Tell(new ShardUnavailable(zero.Query.EntityId, zero.Query.QueryId, "recovering"), shards.Ref);
        var other = shards.ExpectMsg<QueryNearest>(TimeSpan.FromSeconds(2));
        Assert.Equal(new ShardKey("line", "v1", 0, 1 - zero.Key.Replica), ShardKey.Parse(other.EntityId));
        scorer.Tell(new NearestAnswer(other.EntityId, other.QueryId, 1, Enumerable.Repeat(3f, 64).ToArray(), new long[64]), shards.Ref);
        // Shard 1's replica stays silent (its node was killed): past the hedge delay its sibling is asked too.
        var hedged = shards.ExpectMsg<QueryNearest>(TimeSpan.FromSeconds(5));
        Assert.Equal(new ShardKey("line", "v1", 1, 1 - one.Key.Replica), ShardKey.Parse(hedged.EntityId));
        scorer.Tell(new NearestAnswer(hedged.EntityId, hedged.QueryId, 1, Enumerable.Repeat(2f, 64).ToArray(), Enumerable.Repeat(3L, 64).ToArray()), shards.Ref);
        var result = ExpectMsg<InspectionResult>(TimeSpan.FromSeconds(5));
        Assert.Null(result.Error);
        Assert.Equal(2f, result.Score);
        // The silent replica answering late changes nothing: one result.
        scorer.Tell(new NearestAnswer(one.Query.EntityId, one.Query.QueryId, 1, Enumerable.Repeat(0f, 64).ToArray(), new long[64]), shards.Ref);
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void Queries_spread_over_the_replicas_of_a_shard()
    {
        var shards = CreateTestProbe();
        var scorer = Sys.ActorOf(LineScorerActor.Props(Deployment(shards: 1) with { Replicas = 2 }, shards, TimeSpan.FromSeconds(60)));
        // Two batches open at once: the second goes to the replica the first did not take.
        scorer.Tell(new ScoreFrames([new FrameId("line", "c", 1)], FeatureBlock.FromFloats(new float[64 * 384], 64, 384)));
        scorer.Tell(new ScoreFrames([new FrameId("line", "c", 2)], FeatureBlock.FromFloats(new float[64 * 384], 64, 384)));
        var first = shards.ExpectMsg<QueryNearest>();
        var second = shards.ExpectMsg<QueryNearest>();
        Assert.NotEqual(ShardKey.Parse(first.EntityId).Replica, ShardKey.Parse(second.EntityId).Replica);
    }

    [Fact]
    public void A_retired_scorer_finishes_its_open_batch_and_then_stops()
    {
        var shards = CreateTestProbe();
        var scorer = Sys.ActorOf(LineScorerActor.Props(Deployment(shards: 1), shards, TimeSpan.FromSeconds(30)));
        Watch(scorer);
        scorer.Tell(new ScoreFrames([new FrameId("line", "c", 1)], FeatureBlock.FromFloats(new float[64 * 384], 64, 384)));
        var query = shards.ExpectMsg<QueryNearest>();
        scorer.Tell(LineScorerActor.Retire.Instance);
        ExpectNoMsg(TimeSpan.FromMilliseconds(300)); // still open: neither a result nor a stop
        scorer.Tell(new NearestAnswer(query.EntityId, query.QueryId, 1, Enumerable.Repeat(1.5f, 64).ToArray(), new long[64]), shards.Ref);
        Assert.Equal(1.5f, ExpectMsg<InspectionResult>().Score);
        ExpectTerminated(scorer);
    }

    [Fact]
    public void A_patch_block_of_the_wrong_shape_fails_its_frames()
    {
        var shards = CreateTestProbe();
        var scorer = Sys.ActorOf(LineScorerActor.Props(Deployment(shards: 1), shards, TimeSpan.FromSeconds(1)));
        scorer.Tell(new ScoreFrames([new FrameId("line", "c", 1)], FeatureBlock.FromFloats(new float[10 * 384], 10, 384)));
        Assert.Contains("patch block is 10x384", ExpectMsg<InspectionResult>().Error);
        shards.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void A_restarted_scorer_does_not_reuse_the_query_ids_of_its_earlier_incarnation()
    {
        // Shards skip a copy of a query they answered, keyed by asker and id; a restart keeps the scorer's ref, so a
        // new incarnation counting from the old start again would have its first queries skipped as copies.
        var shards = CreateTestProbe();
        var scorer = ChildActorOf(LineScorerActor.Props(Deployment(shards: 1), shards, TimeSpan.FromSeconds(30)),
            new OneForOneStrategy(_ => Directive.Restart));
        var block = FeatureBlock.FromFloats(new float[64 * 384], 64, 384);
        scorer.Tell(new ScoreFrames([new FrameId("line", "c", 1)], block));
        var before = shards.ExpectMsg<QueryNearest>();
        scorer.Tell(Kill.Instance);
        scorer.Tell(new ScoreFrames([new FrameId("line", "c", 2)], block));
        var after = shards.ExpectMsg<QueryNearest>();
        Assert.NotEqual(before.QueryId, after.QueryId);
        scorer.Tell(new NearestAnswer(after.EntityId, after.QueryId, 1, Enumerable.Repeat(2f, 64).ToArray(), new long[64]), shards.Ref);
        var result = ExpectMsg<InspectionResult>();
        Assert.Equal(2, result.Frame.Sequence); // the new incarnation scored its own frame
        Assert.Equal(2f, result.Score);
    }
}
