using Akka.Actor;
using Akka.TestKit.Xunit2;
using Inspection.Actors.Messages;
using Inspection.Actors.Shards;
using Inspection.Engine.PatchCore;
using Xunit;
using static TorchSharp.torch;
using Inspection.Engine.Search;

namespace Inspection.Actors.Tests;

public sealed class MemoryBankShardActorTests : TestKit, IDisposable
{
    private readonly string _database;

    public MemoryBankShardActorTests() : this(Path.Combine(Path.GetTempPath(), $"inspection-shard-{Guid.NewGuid():N}.db")) { }

    private MemoryBankShardActorTests(string database) : base(TestSupport.NodeConfig(database), output: null) => _database = database;

    private static float[] RandomRows(int rows, int dims, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, rows * dims).Select(_ => (float)random.NextDouble() * 2 - 1).ToArray();
    }

    private long SnapshotRows()
    {
        // The snapshot is saved after the last chunk is acknowledged, and the store creates its table on first use:
        // give it a moment, and count a table not made yet as no rows.
        for (int attempt = 0; ; attempt++)
        {
            using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_database}");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'snapshot'";
            long count = 0;
            if ((long)command.ExecuteScalar()! > 0)
            {
                command.CommandText = "SELECT COUNT(*) FROM snapshot";
                count = (long)command.ExecuteScalar()!;
            }
            if (count > 0 || attempt == 30) return count;
            Thread.Sleep(100);
        }
    }

    private void StoreSlice(IActorRef shard, string entity, float[] rows, int count, int dims, long offset, int chunkRows)
    {
        int chunks = (count + chunkRows - 1) / chunkRows;
        for (int c = 0; c < chunks; c++)
        {
            int n = Math.Min(chunkRows, count - c * chunkRows);
            shard.Tell(new StoreBankSlice(entity, c, chunks, offset + c * chunkRows, FeatureBlock.FromFloats(rows.AsSpan(c * chunkRows * dims, n * dims), n, dims)));
            Assert.Equal(c, ExpectMsg<BankSliceStored>(TimeSpan.FromSeconds(20)).ChunkIndex);
        }
    }

    [Fact]
    public void Answers_nearest_neighbours_with_global_indices_equal_to_a_search_of_the_slice()
    {
        const int rows = 300, dims = 16;
        var slice = RandomRows(rows, dims, 1);
        var shard = Sys.ActorOf(MemoryBankShardActor.Props("line/v1/1", CPU));
        StoreSlice(shard, "line/v1/1", slice, rows, dims, offset: 1000, chunkRows: 128);

        var queries = RandomRows(20, dims, 2);
        shard.Tell(new QueryNearest("line/v1/1", 5, FeatureBlock.FromFloats(queries, 20, dims), 3));
        var answer = ExpectMsg<NearestAnswer>();
        using var bank = tensor(slice, [rows, dims]);
        using var search = new NearestNeighbourSearch(bank);
        using var q = tensor(queries, [20, dims]);
        var (d, i) = search.Search(q, 3);
        Assert.Equal(3, answer.K);
        Assert.Equal(i.data<long>().ToArray().Select(x => x + 1000), answer.Indices);
        // Same search in another thread: equal up to the rounding of multithreaded matrix products.
        Assert.All(d.data<float>().ToArray().Zip(answer.Distances), p => Assert.Equal(p.Item1, p.Item2, 4));
    }

    [Fact]
    public void A_copy_of_an_answered_query_is_skipped_but_the_same_id_from_another_asker_is_answered()
    {
        const int rows = 200, dims = 8;
        var slice = RandomRows(rows, dims, 3);
        var shard = Sys.ActorOf(MemoryBankShardActor.Props("repeat/v1/0", CPU));
        StoreSlice(shard, "repeat/v1/0", slice, rows, dims, offset: 0, chunkRows: 200);
        var query = FeatureBlock.FromFloats(RandomRows(4, dims, 4), 4, dims);

        // A scorer that asked again while the shard was behind: three copies queued behind the first, one answer.
        for (int i = 0; i < 4; i++) shard.Tell(new QueryNearest("repeat/v1/0", 7, query, 2), TestActor);
        shard.Tell(new QueryNearest("repeat/v1/0", 8, query, 2), TestActor);
        Assert.Equal(7, ExpectMsg<NearestAnswer>().QueryId);
        Assert.Equal(8, ExpectMsg<NearestAnswer>().QueryId);
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        // Ids are the asker's own: another scorer's query 7 is another query.
        var other = CreateTestProbe();
        shard.Tell(new QueryNearest("repeat/v1/0", 7, query, 2), other.Ref);
        Assert.Equal(7, other.ExpectMsg<NearestAnswer>().QueryId);
    }

    [Fact]
    public void A_replica_reads_the_slice_replica_0_stored_refuses_to_store_and_a_retired_slice_passivates()
    {
        const int rows = 200, dims = 8;
        var slice = RandomRows(rows, dims, 4);
        var writer = Sys.ActorOf(MemoryBankShardActor.Props("shared/v1/0/0", CPU));
        StoreSlice(writer, "shared/v1/0/0", slice, rows, dims, offset: 0, chunkRows: 64);
        // Replica 1 of the same shard reads the same journal: the whole slice, without a store of its own.
        var region = CreateTestProbe(); // stands in for the sharding shard, the entity's parent
        var replica = region.ChildActorOf(MemoryBankShardActor.Props("shared/v1/0/1", CPU));
        replica.Tell(new GetShardState("shared/v1/0/1"), TestActor);
        var state = ExpectMsg<ShardState>();
        Assert.Equal((rows, 4, 4), (state.Rows, state.ChunksStored, state.ChunkCount));
        replica.Tell(new StoreBankSlice("shared/v1/0/1", 0, 4, 0, FeatureBlock.FromFloats(slice.AsSpan(0, 64 * dims), 64, dims)), TestActor);
        Assert.Contains("is a replica", ExpectMsg<Status.Failure>().Cause.Message);
        replica.Tell(new QueryNearest("shared/v1/0/1", 1, FeatureBlock.FromFloats(slice.AsSpan(0, 3 * dims), 3, dims), 1), TestActor);
        Assert.Equal([0L, 1, 2], ExpectMsg<NearestAnswer>().Indices);
        // Retired (its line serves another version): it asks its shard to passivate it.
        replica.Tell(new RetireSlice("shared/v1/0/1"));
        region.ExpectMsg<Akka.Cluster.Sharding.Passivate>();
    }

    [Fact]
    public void A_shard_without_a_slice_says_so_instead_of_answering()
    {
        var shard = Sys.ActorOf(MemoryBankShardActor.Props("untrained/v1/0", CPU));
        shard.Tell(new QueryNearest("untrained/v1/0", 1, FeatureBlock.FromFloats(new float[4], 1, 4), 1));
        Assert.Contains("holds no bank slice", ExpectMsg<ShardUnavailable>().Reason);
    }

    [Theory]
    [InlineData(MemoryBankShardActor.DefaultMaxSnapshotBytes)] // small slice: one snapshot row
    [InlineData(1024L)]                                        // "large" slice: recovered from its chunk events
    public void Recovers_its_slice_from_the_database_after_a_restart_and_ignores_repeated_chunks(long maxSnapshotBytes)
    {
        const int rows = 200, dims = 8;
        var slice = RandomRows(rows, dims, 3);
        var shard = Sys.ActorOf(MemoryBankShardActor.Props("recover/v1/0", CPU, maxSnapshotBytes));
        StoreSlice(shard, "recover/v1/0", slice, rows, dims, offset: 0, chunkRows: 64);
        // A chunk sent again (a retry) is acknowledged, not stored twice.
        shard.Tell(new StoreBankSlice("recover/v1/0", 1, 4, 64, FeatureBlock.FromFloats(slice.AsSpan(64 * dims, 64 * dims), 64, dims)));
        ExpectMsg<BankSliceStored>();
        var query = FeatureBlock.FromFloats(RandomRows(5, dims, 4), 5, dims);
        shard.Tell(new QueryNearest("recover/v1/0", 1, query, 2));
        var before = ExpectMsg<NearestAnswer>();

        Watch(shard);
        Sys.Stop(shard);
        ExpectTerminated(shard);
        // 200 x 8 floats are 6,400 bytes: snapshotted under the default limit, kept as chunk events under 1 KB.
        Assert.Equal(maxSnapshotBytes >= 6400 ? 1 : 0, SnapshotRows());
        var revived = Sys.ActorOf(MemoryBankShardActor.Props("recover/v1/0", CPU, maxSnapshotBytes));
        revived.Tell(new GetShardState("recover/v1/0"));
        var state = ExpectMsg<ShardState>(TimeSpan.FromSeconds(20));
        Assert.Equal((4, 4, 200L), (state.ChunksStored, state.ChunkCount, state.Rows));
        revived.Tell(new QueryNearest("recover/v1/0", 2, query, 2));
        var after = ExpectMsg<NearestAnswer>();
        Assert.Equal(before.Indices, after.Indices);
        Assert.All(before.Distances.Zip(after.Distances), p => Assert.Equal(p.Item1, p.Item2, 4));
    }

    [Fact]
    public void Queries_in_reduced_precision_find_the_float32_neighbours_again_and_again()
    {
        const int dims = 64;
        var rows = RandomRows(300, dims, seed: 8);
        var shard = Sys.ActorOf(MemoryBankShardActor.Props("half/v1/0", CPU));
        StoreSlice(shard, "half/v1/0", rows, 300, dims, offset: 0, chunkRows: 128);
        // Queries near rows 0..19, so every nearest neighbour is clear.
        var queries = FeatureBlock.FromFloats(rows.AsSpan(0, 20 * dims).ToArray().Select((v, i) => v + 0.01f * ((i % 7) - 3)).ToArray(), 20, dims);
        shard.Tell(new QueryNearest("half/v1/0", 1, queries, 1));
        var exact = ExpectMsg<NearestAnswer>();
        Assert.Equal(Enumerable.Range(0, 20).Select(i => (long)i), exact.Indices);
        // Twice per format: the converted bank is made once and must survive the first query.
        long id = 1;
        foreach (var precision in new[] { ComputePrecision.BFloat16, ComputePrecision.BFloat16, ComputePrecision.Float16, ComputePrecision.Float16 })
        {
            shard.Tell(new QueryNearest("half/v1/0", ++id, queries, 1, precision)); // ids are unique per asker (a repeat is skipped)
            var reduced = ExpectMsg<NearestAnswer>();
            Assert.Equal(exact.Indices, reduced.Indices);
            Assert.All(exact.Distances.Zip(reduced.Distances), p => Assert.Equal(p.Item1, p.Item2, 3));
        }
    }

    [Fact]
    public void Row_queries_answer_the_owned_rows_only()
    {
        const int dims = 2;
        var slice = new float[] { 0, 0, 3, 4 }; // global rows 10 and 11
        var shard = Sys.ActorOf(MemoryBankShardActor.Props("rows/v1/0", CPU));
        StoreSlice(shard, "rows/v1/0", slice, 2, dims, offset: 10, chunkRows: 2);
        shard.Tell(new QueryRows("rows/v1/0", 3, [11, 5, 10]));
        var answer = ExpectMsg<RowsAnswer>();
        Assert.Equal(new long[] { 11, 10 }, answer.Indices);
        Assert.Equal(new float[] { 3, 4, 0, 0 }, answer.Rows.ToFloats());
        shard.Tell(new QueryRows("rows/v1/0", 4, [3, 12])); // owns none of them: an empty answer, not silence
        var none = ExpectMsg<RowsAnswer>();
        Assert.Empty(none.Indices);
        Assert.Equal((0, dims), (none.Rows.Rows, none.Rows.Columns));
    }

    [Fact]
    public void Support_queries_give_the_neighbours_of_the_center_and_their_distances_to_the_patch()
    {
        const int dims = 2;
        // Global rows 10..13 at x = 0, 1, 5, 9 on a line.
        var slice = new float[] { 0, 0, 1, 0, 5, 0, 9, 0 };
        var shard = Sys.ActorOf(MemoryBankShardActor.Props("support/v1/0", CPU));
        StoreSlice(shard, "support/v1/0", slice, 4, dims, offset: 10, chunkRows: 4);
        // Center at row 12 (x = 5): distances 5, 4, 0, 4 to rows 10..13, so k = 3 gives 12, then 11 and 13.
        // Patch at (5, 3): distances to rows 12, 11, 13 are 3, 5, 5.
        shard.Tell(new QuerySupport("support/v1/0", 4, FeatureBlock.FromFloats(new float[] { 5, 0 }, 1, dims),
            FeatureBlock.FromFloats(new float[] { 5, 3 }, 1, dims), 3));
        var answer = ExpectMsg<SupportAnswer>();
        Assert.Equal(3, answer.K);
        Assert.Equal(12, answer.Indices[0]);
        Assert.Equal(new long[] { 11, 13 }, answer.Indices[1..].Order().ToArray());
        Assert.Equal(new[] { 0f, 4f, 4f }, answer.CenterDistances.Select(d => MathF.Round(d, 3)).ToArray());
        Assert.Equal(new[] { 3f, 5f, 5f }, answer.PatchDistances.Select(d => MathF.Round(d, 3)).ToArray());
        // More neighbours than rows: the whole slice.
        shard.Tell(new QuerySupport("support/v1/0", 5, FeatureBlock.FromFloats(new float[] { 5, 0 }, 1, dims),
            FeatureBlock.FromFloats(new float[] { 5, 3 }, 1, dims), 9));
        Assert.Equal(4, ExpectMsg<SupportAnswer>().K);
    }

    void IDisposable.Dispose()
    {
        Shutdown();
        try { File.Delete(_database); } catch (IOException) { }
    }
}
