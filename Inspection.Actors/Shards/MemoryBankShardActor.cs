using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Persistence;
using Inspection.Actors.Diagnostics;
using Inspection.Actors.Messages;
using Inspection.Engine.Native;
using Inspection.Engine.PatchCore;
using static TorchSharp.torch;

namespace Inspection.Actors.Shards;

/// <summary>
/// One slice of a line model's coreset memory bank (entity <c>line/version/index</c>), resident on its node's device.
/// The slice arrives in chunks, each persisted as an event before it is acknowledged; once complete it is assembled on
/// the device (<see cref="BankSlice"/>) and, unless it is large, snapshotted and the chunk events deleted. A shard that
/// moves to another node recovers the slice from the database there. The slice answers the queries (nearest, rows,
/// support); this actor persists, recovers and moves messages.
/// </summary>
public sealed class MemoryBankShardActor : ReceivePersistentActor
{
    private readonly string _entityId;
    private readonly KeyValuePair<string, object?> _lineTag; // for the pipeline metrics
    private readonly Device _device;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly SortedDictionary<int, BankSliceChunk> _chunks = new();
    private int _chunkCount = -1;
    private BankSlice? _slice;

    public override string PersistenceId { get; }

    /// <summary>Slices up to this size are snapshotted in one row once complete; larger ones keep their chunk events.</summary>
    public const long DefaultMaxSnapshotBytes = 64L << 20;

    private readonly long _maxSnapshotBytes;

    // Replica 0 stores the slice; the other replicas of the shard read the same journal and never write to it (two
    // writers of one persistence id would corrupt its sequence numbers).
    private readonly bool _writer;

    private readonly ShardFaults? _faults;
    private readonly ShardKey _key;
    private readonly RepeatedQueries _answered = new();

    public MemoryBankShardActor(string entityId, Device device, long maxSnapshotBytes = DefaultMaxSnapshotBytes, ShardFaults? faults = null)
    {
        _entityId = entityId;
        var key = ShardKey.Parse(entityId);
        _key = key;
        _faults = faults;
        _lineTag = new KeyValuePair<string, object?>("line", key.Line);
        _device = device;
        _maxSnapshotBytes = maxSnapshotBytes;
        PersistenceId = key.PersistenceId;
        _writer = key.Replica == 0;

        Recover<BankSliceChunk>(Apply);
        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is ShardSnapshot snapshot) Assemble(snapshot.ChunkCount, snapshot.GlobalOffset, [snapshot.Rows]);
        });
        Recover<RecoveryCompleted>(_ =>
        {
            if (_slice is null && Complete) AssembleFromChunks();
            _log.Info("Shard {0} recovered: {1}", _entityId, _slice is null ? $"{_chunks.Count}/{_chunkCount} chunks" : $"{_slice.Rows} rows");
        });

        Command<StoreBankSlice>(Store);
        Command<QueryNearest>(Nearest);
        Command<QueryRows>(Rows);
        Command<QuerySupport>(Support);
        Command<GetShardState>(_ =>
        {
            Sender.Tell(State());
            // A replica that found the journal incomplete (read while replica 0 was still storing) reads it again on
            // its next message: sharding starts a stopped entity anew.
            if (!_writer && _slice is null) Context.Stop(Self);
        });
        Command<ReadSlice>(Read);
        Command<RetireSlice>(_ =>
        {
            _log.Info("Shard {0} retired: its line serves another version", _entityId);
            Context.Parent.Tell(new Akka.Cluster.Sharding.Passivate(PoisonPill.Instance));
        });
        Command<SaveSnapshotSuccess>(success => DeleteMessages(success.Metadata.SequenceNr));
        Command<SaveSnapshotFailure>(failure => _log.Warning("Shard {0} snapshot failed: {1}", _entityId, failure.Cause.Message));
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(failure => _log.Warning("Shard {0} could not delete chunk events: {1}", _entityId, failure.Cause.Message));
    }

    public static Props Props(string entityId, Device device, long maxSnapshotBytes = DefaultMaxSnapshotBytes, ShardFaults? faults = null) =>
        Akka.Actor.Props.Create(() => new MemoryBankShardActor(entityId, device, maxSnapshotBytes, faults));

    /// <summary>Answers a query: at once, or as late as a simulated fault says (without holding up the next query).</summary>
    private void Answer(object answer)
    {
        var delay = _faults?.DelayOf(_key) ?? TimeSpan.Zero;
        if (delay > TimeSpan.Zero) Context.System.Scheduler.ScheduleTellOnce(delay, Sender, answer, Self);
        else Sender.Tell(answer);
    }

    private bool Complete => _chunkCount > 0 && (_slice is not null || _chunks.Count == _chunkCount);

    private void Store(StoreBankSlice command)
    {
        if (!_writer)
        {
            Sender.Tell(new Status.Failure(new InvalidOperationException($"Shard {_entityId} is a replica: its slice is stored through replica 0 and read from the shared journal.")));
            return;
        }
        if (_slice is not null || _chunks.ContainsKey(command.ChunkIndex))
        {
            Sender.Tell(new BankSliceStored(_entityId, command.ChunkIndex));
            return;
        }
        if (_chunkCount > 0 && command.ChunkCount != _chunkCount)
        {
            Sender.Tell(new Status.Failure(new InvalidOperationException($"Shard {_entityId} expects {_chunkCount} chunks, got a chunk of a {command.ChunkCount}-chunk slice.")));
            return;
        }
        Persist(new BankSliceChunk(command.ChunkIndex, command.ChunkCount, command.GlobalOffset, command.Rows), chunk =>
        {
            Apply(chunk);
            if (_chunks.Count == _chunkCount)
            {
                AssembleFromChunks();
                // A large slice stays as its chunk events: one snapshot row of it would hold the database's single
                // writer for many seconds (750 MB for half of a 1M x 384 bank stalled other journals past their
                // timeout) and cannot exceed 2 GB at all. Recovery reads the chunks instead.
                if (_slice!.Rows * _slice.Columns * sizeof(float) <= _maxSnapshotBytes)
                    SaveSnapshot(new ShardSnapshot(_chunkCount, _slice.Offset, FeatureBlock.FromFloats(_slice.Read(0, (int)_slice.Rows), (int)_slice.Rows, _slice.Columns)));
            }
            Sender.Tell(new BankSliceStored(_entityId, chunk.ChunkIndex));
        });
    }

    private void Apply(BankSliceChunk chunk)
    {
        _chunkCount = chunk.ChunkCount;
        _chunks[chunk.ChunkIndex] = chunk;
    }

    private void AssembleFromChunks()
    {
        var ordered = _chunks.Values.ToList();
        for (int i = 1; i < ordered.Count; i++)
            if (ordered[i].GlobalOffset != ordered[i - 1].GlobalOffset + ordered[i - 1].Rows.Rows)
                throw new InvalidOperationException($"Shard {_entityId}: chunk {i} does not continue chunk {i - 1}.");
        Assemble(_chunkCount, ordered[0].GlobalOffset, ordered.Select(c => c.Rows).ToList());
        _chunks.Clear(); // the device copy is the state now
    }

    private void Assemble(int chunkCount, long offset, IReadOnlyList<FeatureBlock> blocks)
    {
        _chunkCount = chunkCount;
        _slice?.Dispose();
        _slice = BankSlice.Assemble(offset, blocks[0].Columns, blocks.Select(b => (b.Rows, (Action<Span<float>>)b.CopyTo)).ToList(), _device);
    }

    private void Nearest(QueryNearest query)
    {
        if (!Ready(query.QueryId) || Repeated(query.QueryId, "nearest")) return;
        long started = Stopwatch.GetTimestamp();
        using var scope = NewDisposeScope();
        var precision = ComputePrecision.ToScalarType(query.Precision);
        NearestAnswer answer;
        if (query.SupportK > 0 && query.PatchesPerFrame > 0 && query.K == 1)
        {
            // The line's whole bank is this slice: Eq. 7's support is found here, in the same round.
            var (found, support) = _slice.NearestWithSupport(query.Queries.ToTensor(_device), query.PatchesPerFrame, query.SupportK, precision);
            answer = new NearestAnswer(_entityId, query.QueryId, found.K, found.Distances, found.Indices,
                new SupportAnswer(_entityId, query.QueryId, support.K, support.CenterDistances, support.Indices, support.PatchDistances));
        }
        else
        {
            var found = _slice.Nearest(query.Queries.ToTensor(_device), query.K, precision);
            answer = new NearestAnswer(_entityId, query.QueryId, found.K, found.Distances, found.Indices);
        }
        RecordRequest("nearest", started); // before the answer leaves, so a result never arrives ahead of its timings
        Answer(answer);
    }

    private void Rows(QueryRows query)
    {
        if (!Ready(query.QueryId)) return;
        long started = Stopwatch.GetTimestamp();
        var (owned, vectors) = _slice.Vectors(query.Indices);
        var answer = new RowsAnswer(_entityId, query.QueryId, owned, FeatureBlock.FromFloats(vectors, owned.Length, _slice.Columns));
        RecordRequest("rows", started);
        Answer(answer);
    }

    private void Support(QuerySupport query)
    {
        if (!Ready(query.QueryId) || Repeated(query.QueryId, "support")) return;
        long started = Stopwatch.GetTimestamp();
        using var scope = NewDisposeScope();
        var support = _slice.SupportOf(query.Centers.ToTensor(_device), query.Patches.ToTensor(_device), query.K, ComputePrecision.ToScalarType(query.Precision));
        var answer = new SupportAnswer(_entityId, query.QueryId, support.K, support.CenterDistances, support.Indices, support.PatchDistances);
        RecordRequest("support", started);
        Answer(answer);
    }

    /// <summary>One chunk of the slice, as stores cut them: a whole slice can exceed the largest remote message.</summary>
    private void Read(ReadSlice read)
    {
        if (!Ready(0)) return;
        if (read.From < 0 || read.From >= _slice.Rows)
        {
            Sender.Tell(new ShardUnavailable(_entityId, 0, $"shard {_entityId} has rows 0 to {_slice.Rows - 1}, not {read.From}"));
            return;
        }
        var rows = _slice.Read(read.From, read.MaxRows > 0 ? read.MaxRows : Training.ModelPublisher.DefaultChunkRows);
        int count = rows.Length / _slice.Columns;
        Sender.Tell(new SliceContents(_entityId, _slice.Offset + read.From, FeatureBlock.FromFloats(rows, count, _slice.Columns), _slice.Rows));
    }

    /// <summary>Whether the sender asked this already and was answered (<see cref="RepeatedQueries"/>): then it is skipped, and counted.</summary>
    private bool Repeated(long queryId, string request)
    {
        if (_answered.First(Sender, queryId, request)) return false;
        PipelineMetrics.ShardRepeatsSkipped.Add(1, _lineTag, new KeyValuePair<string, object?>("request", request));
        return true;
    }

    private void RecordRequest(string request, long started) =>
        PipelineMetrics.ShardRequest.Record(PipelineMetrics.Since(started), _lineTag, new KeyValuePair<string, object?>("request", request));

    /// <summary>Whether the slice is assembled; if not, the sender is told why instead of getting an answer.</summary>
    [MemberNotNullWhen(true, nameof(_slice))]
    private bool Ready(long queryId)
    {
        if (_slice is not null) return true;
        Sender.Tell(new ShardUnavailable(_entityId, queryId, NotReadyReason()));
        return false;
    }

    private string NotReadyReason() => _chunkCount < 0
        ? $"shard {_entityId} holds no bank slice (model not stored, or not trained)"
        : $"shard {_entityId} holds {_chunks.Count} of {_chunkCount} chunks of its bank slice";

    private ShardState State() => new(_entityId, Cluster.Get(Context.System).SelfAddress.ToString(),
        _slice is not null ? _chunkCount : _chunks.Count, _chunkCount, _slice?.Rows ?? 0, _slice?.Offset ?? 0, _device.ToString());

    protected override void PostStop()
    {
        _slice?.Dispose();
        base.PostStop();
    }
}

/// <summary>Registry key of the memory-bank shard region.</summary>
public sealed class MemoryBankShardRegion;

public static class MemoryBankShardHosting
{
    public const string TypeName = "bank-shard";

    /// <summary>
    /// Hosts memory-bank shard entities on nodes with <paramref name="role"/>, each resident on
    /// <paramref name="device"/>, placed by <see cref="ReplicaAllocationStrategy"/> (Akka.Hosting's shard options
    /// cannot name an allocation strategy, so the region is started here and registered like the hosted ones).
    /// </summary>
    public static Akka.Hosting.AkkaConfigurationBuilder WithMemoryBankShards(this Akka.Hosting.AkkaConfigurationBuilder builder, string role, Device device,
        ShardFaults? faults = null) =>
        Akka.Hosting.AkkaHostingExtensions.WithActors(builder, (system, registry) =>
        {
            // The extension first: it adds sharding's default configuration, which the settings read.
            var sharding = Akka.Cluster.Sharding.ClusterSharding.Get(system);
            var settings = Akka.Cluster.Sharding.ClusterShardingSettings.Create(system).WithRole(role)
                .WithStateStoreMode(Akka.Cluster.Sharding.StateStoreMode.DData).WithRememberEntities(false);
            var region = sharding.Start(TypeName,
                entityId => MemoryBankShardActor.Props(entityId, device, faults: faults).WithDispatcher(Hosting.ComputeDispatcher.Id), settings,
                new ShardMessageExtractor(), new ReplicaAllocationStrategy(), PoisonPill.Instance);
            registry.Register<MemoryBankShardRegion>(region);
        });
}
