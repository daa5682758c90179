using Inspection.Actors.Messages;
using Inspection.Actors.Scoring;
using Inspection.Engine.PatchCore;
using Xunit;

namespace Inspection.Actors.Tests;

/// <summary>
/// One batch's gather over a line's shards as plain values (BatchGather): the first answer of each shard counts, a stage
/// ends when every needed shard answered, m* is asked only of its owner, a bank of one shard ends in one round, and the
/// image scores are Eq. 7's.
/// </summary>
public sealed class BatchGatherTests
{
    // Two frames of 2 x 2 patches of 2 dimensions; a bank of 10 rows.
    private static ModelDeployment Deployment(int shards, int neighbours = 3) =>
        new("press", "v1", shards, 10, 2, neighbours, "resnet18", ["layer2"], null, 16, 2, 4.0, 1, 0, 2, 1, 0, 2);

    private static ScoreFrames Batch() => new([new FrameId("press", "cam", 1), new FrameId("press", "cam", 2)],
        FeatureBlock.FromFloats(Enumerable.Range(0, 16).Select(v => (float)v).ToArray(), 8, 2));

    // Patch scores: frame 1's worst is patch 2 (score 5, nearest row 7), frame 2's is patch 5 (score 4, nearest row 1).
    private static readonly float[] Scores = [1, 2, 5, 3, 0, 4, 1, 2];
    private static readonly long[] Nearest = [0, 1, 7, 2, 3, 1, 4, 5];

    [Fact]
    public void Each_shard_counts_once_and_the_stage_ends_when_every_needed_shard_answered()
    {
        var gather = new BatchGather(1, Batch(), Deployment(shards: 2));
        gather.BeginNearest();
        Assert.Equal([0, 1], gather.Missing());
        Assert.False(gather.Accept(GatherStage.Nearest, 1, new NearestAnswer("press/v1/1", 1, 1, Scores, Nearest)));
        Assert.False(gather.Accept(GatherStage.Nearest, 1, new NearestAnswer("press/v1/1/1", 1, 1, Scores, Nearest))); // a hedge's second answer
        Assert.False(gather.Accept(GatherStage.Rows, 0, new RowsAnswer("press/v1/0", 1, [], FeatureBlock.FromFloats([], 0, 2)))); // another stage
        Assert.Equal([0], gather.Missing());
        Assert.True(gather.Accept(GatherStage.Nearest, 0, new NearestAnswer("press/v1/0", 1, 1, Scores.Select(s => s + 10).ToArray(), Nearest)));
        Assert.Empty(gather.Missing());
    }

    [Fact]
    public void M_star_is_asked_of_the_shards_that_own_it_and_then_the_support_of_every_shard()
    {
        var gather = new BatchGather(1, Batch(), Deployment(shards: 2));
        gather.BeginNearest();
        gather.Accept(GatherStage.Nearest, 0, new NearestAnswer("press/v1/0", 1, 1, Scores, Nearest));
        gather.Accept(GatherStage.Nearest, 1, new NearestAnswer("press/v1/1", 1, 1, Scores.Select(s => s + 10).ToArray(), Nearest));
        Assert.Equal(BatchGather.Next.Ask, gather.MergeNearest());
        // m* are rows 7 (slice 1: rows 5-9) and 1 (slice 0: rows 0-4).
        Assert.Equal(GatherStage.Rows, gather.Stage);
        Assert.Equal([0, 1], gather.Needed.Order());
        var query = Assert.IsType<QueryRows>(gather.Query!("press/v1/1", 1));
        Assert.Equal([7L], query.Indices);

        gather.Accept(GatherStage.Rows, 0, new RowsAnswer("press/v1/0", 1, [1], FeatureBlock.FromFloats([0.5f, 0.5f], 1, 2)));
        gather.Accept(GatherStage.Rows, 1, new RowsAnswer("press/v1/1", 1, [], FeatureBlock.FromFloats([], 0, 2)));
        Assert.Equal("no shard holds bank vector 7 (inconsistent deployment)", gather.BeginSupport());
    }

    [Fact]
    public void A_bank_of_one_shard_ends_in_one_round_with_eq_7s_scores()
    {
        var gather = new BatchGather(1, Batch(), Deployment(shards: 1, neighbours: 2));
        gather.BeginNearest();
        var query = Assert.IsType<QueryNearest>(gather.Query!("press/v1/0", 0));
        Assert.Equal((4, 2), (query.PatchesPerFrame, query.SupportK));
        var support = new SupportAnswer("press/v1/0", 1, 2, [0, 1, 0, 1], [7, 8, 1, 2], [5, 6, 4, 4.5f]);
        gather.Accept(GatherStage.Nearest, 0, new NearestAnswer("press/v1/0", 1, 1, Scores, Nearest, support));
        Assert.Equal(BatchGather.Next.Results, gather.MergeNearest());
        Assert.Equal(GatherStage.Support, gather.Stage);
        Assert.Equal([ImageScoreReweighting.Weighted(5, [5, 6]), ImageScoreReweighting.Weighted(4, [4, 4.5f])], gather.ImageScores());
    }

    [Fact]
    public void Without_reweighting_a_frames_score_is_its_worst_patchs()
    {
        var gather = new BatchGather(1, Batch(), Deployment(shards: 1, neighbours: 1));
        gather.BeginNearest();
        Assert.Equal(0, Assert.IsType<QueryNearest>(gather.Query!("press/v1/0", 0)).SupportK);
        gather.Accept(GatherStage.Nearest, 0, new NearestAnswer("press/v1/0", 1, 1, Scores, Nearest));
        Assert.Equal(BatchGather.Next.Results, gather.MergeNearest());
        Assert.Equal([5f, 4f], gather.ImageScores());
    }
}
