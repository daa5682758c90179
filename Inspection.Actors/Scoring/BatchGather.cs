using Inspection.Actors.Messages;
using Inspection.Engine.PatchCore;

namespace Inspection.Actors.Scoring;

/// <summary>
/// One batch's gather over a line's shards, without an actor: which stage it is in (nearest rows of every patch; m*'s
/// rows from the shards that own them; Eq. 7's support from every shard), which shards it still needs, which replica
/// each was asked, the first answer of each shard, and what the answers add up to (<see cref="ShardedSearchMerge"/>).
/// <see cref="LineScorerActor"/> sends the queries, keeps the timers and picks the replicas; the rules are here and in
/// BatchGatherTests.
/// </summary>
public sealed class BatchGather(long id, ScoreFrames batch, ModelDeployment deployment)
{
    public long Id { get; } = id;
    public ScoreFrames Batch { get; } = batch;
    public ModelDeployment Deployment { get; } = deployment;
    public GatherStage Stage { get; private set; } = GatherStage.Nearest;
    /// <summary>The shards the current stage needs an answer from.</summary>
    public IReadOnlySet<int> Needed => _needed;
    /// <summary>Per shard still missing, the replica entity asked last.</summary>
    public Dictionary<int, string> Asked { get; } = new();
    /// <summary>Replica entities asked in this round of this stage.</summary>
    public HashSet<string> Tried { get; } = [];
    /// <summary>Rounds of asking again after a stage found no replica to answer.</summary>
    public int Rounds { get; set; }
    public bool AskAgainPending { get; set; }
    /// <summary>The current stage's query for one replica entity of one shard.</summary>
    public Func<string, int, object>? Query { get; private set; }

    private HashSet<int> _needed = [];
    private readonly Dictionary<int, NearestAnswer> _nearest = new();
    private readonly Dictionary<int, RowsAnswer> _rows = new();
    private readonly Dictionary<int, SupportAnswer> _support = new();
    private float[]? _patchScores;
    private long[]? _locations;
    private int[]? _worst;

    /// <summary>Whether the batch's scoring takes one round: one slice holds the whole bank, and Eq. 7 reweights.</summary>
    public static bool OneRound(ModelDeployment d) => d.ShardCount == 1 && d.NumNeighbors > 1 && d.BankSize > 1;

    /// <summary>Starts a stage: the shards it needs and its query.</summary>
    public void Begin(GatherStage stage, IEnumerable<int> shards, Func<string, int, object> query)
    {
        Stage = stage;
        _needed = shards.ToHashSet();
        Query = query;
        Tried.Clear();
    }

    /// <summary>The first query of a batch: every patch's nearest row from every shard (and the support, where one round does).</summary>
    public void BeginNearest()
    {
        var d = Deployment;
        int supportK = OneRound(d) ? d.NumNeighbors : 0;
        Begin(GatherStage.Nearest, Enumerable.Range(0, d.ShardCount),
            (entity, _) => new QueryNearest(entity, Id, Batch.Patches, 1, d.EffectiveKnnPrecision, d.PatchesPerFrame, supportK));
    }

    /// <summary>Keeps the first answer of a needed shard in <paramref name="stage"/>; true when it completes the stage.</summary>
    public bool Accept(GatherStage stage, int shard, object answer)
    {
        if (stage != Stage || !_needed.Contains(shard) || Received.Contains(shard)) return false; // late, or a hedged query's second answer
        switch (answer)
        {
            case NearestAnswer a: _nearest[shard] = a; break;
            case RowsAnswer a: _rows[shard] = a; break;
            case SupportAnswer a: _support[shard] = a; break;
            default: throw new ArgumentException($"{answer.GetType().Name} is no answer of a shard", nameof(answer));
        }
        Asked.Remove(shard);
        return Received.Count == _needed.Count;
    }

    public IReadOnlyCollection<int> Received => Stage switch
    {
        GatherStage.Nearest => _nearest.Keys,
        GatherStage.Rows => _rows.Keys,
        _ => _support.Keys,
    };

    /// <summary>The needed shards without an answer yet, in order.</summary>
    public List<int> Missing() => _needed.Except(Received).Order().ToList();

    /// <summary>
    /// Merges the nearest rows of every shard (the global nearest of each patch, each frame's worst patch) and says what
    /// comes next: the results (no reweighting, or the one shard sent the support too), or the rows of m*, asked of the
    /// shards that own them.
    /// </summary>
    public Next MergeNearest()
    {
        var d = Deployment;
        var shards = Enumerable.Range(0, d.ShardCount).Select(s => new ShardedSearchMerge.Nearest(_nearest[s].K, _nearest[s].Distances, _nearest[s].Indices)).ToList();
        (_patchScores, _locations) = ShardedSearchMerge.MergeNearest(shards, Batch.Patches.Rows);
        _worst = ShardedSearchMerge.WorstPatches(_patchScores, Batch.Frames.Count);
        if (d.NumNeighbors <= 1 || d.BankSize <= 1) return Next.Results;
        if (OneRound(d) && _nearest[0].Support is { } support)
        {
            Stage = GatherStage.Support;
            _support[0] = support;
            return Next.Results;
        }
        // Eq. 7 needs N_b(m*), the neighbours of each frame's m* in the whole bank: first m* from the shards that own them.
        var owners = _worst.Select(patch => _locations[patch]).Distinct()
            .GroupBy(row => SliceBounds.SliceOf(d.BankSize, d.ShardCount, row)).ToDictionary(g => g.Key, g => g.ToArray());
        Begin(GatherStage.Rows, owners.Keys, (entity, s) => new QueryRows(entity, Id, owners[s]));
        return Next.Ask;
    }

    /// <summary>
    /// With every frame's m* at hand, the support stage: each shard's k nearest rows to m* with their distances to the
    /// frame's worst patch. Null with the reason when no shard answered an m* (an inconsistent deployment).
    /// </summary>
    public string? BeginSupport()
    {
        int frames = Batch.Frames.Count, dims = Batch.Patches.Columns;
        var owned = new Dictionary<long, float[]>();
        foreach (var rows in _rows.Values)
        {
            var values = rows.Rows.ToFloats();
            for (int i = 0; i < rows.Indices.Length; i++) owned[rows.Indices[i]] = values.AsSpan(i * dims, dims).ToArray();
        }
        var centers = new float[frames * dims];
        var worst = new float[frames * dims];
        for (int f = 0; f < frames; f++)
        {
            if (!owned.TryGetValue(_locations![_worst![f]], out var center)) return $"no shard holds bank vector {_locations[_worst[f]]} (inconsistent deployment)";
            center.CopyTo(centers, f * dims);
            Batch.Patches.CopyRow(_worst[f], worst.AsSpan(f * dims, dims)); // one row, not the batch's whole block
        }
        var centerBlock = FeatureBlock.FromFloats(centers, frames, dims);
        var worstBlock = FeatureBlock.FromFloats(worst, frames, dims);
        var d = Deployment;
        Begin(GatherStage.Support, Enumerable.Range(0, d.ShardCount),
            (entity, _) => new QuerySupport(entity, Id, centerBlock, worstBlock, d.NumNeighbors, d.EffectiveKnnPrecision));
        return null;
    }

    /// <summary>Every patch's distance to its nearest bank row, [frames * patches] (the anomaly maps' input).</summary>
    public float[] PatchScores => _patchScores ?? throw new InvalidOperationException("the nearest rows are not merged yet");

    /// <summary>Each frame's image score: its worst patch's score, reweighted by Eq. 7 where the support was gathered.</summary>
    public float[] ImageScores()
    {
        var d = Deployment;
        var support = Stage == GatherStage.Support
            ? _support.Values.Select(a => new ShardedSearchMerge.Support(a.K, a.CenterDistances, a.Indices, a.PatchDistances)).ToList()
            : null;
        int k = (int)Math.Min(d.NumNeighbors, d.BankSize);
        return Enumerable.Range(0, Batch.Frames.Count).Select(f =>
        {
            float maxScore = PatchScores[_worst![f]];
            return support == null ? maxScore : ImageScoreReweighting.Weighted(maxScore, ShardedSearchMerge.SupportDistances(support, f, k));
        }).ToArray();
    }

    /// <summary>What a completed nearest stage leads to.</summary>
    public enum Next { Results, Ask }
}

/// <summary>The three stages of a batch's gather (one, where one shard sends the support with the nearest rows).</summary>
public enum GatherStage { Nearest, Rows, Support }
