using Akka.Actor;
using Akka.TestKit.Xunit2;
using Inspection.Actors.Messages;
using Inspection.Actors.Shards;
using Inspection.Engine.PatchCore;
using Xunit;
using static TorchSharp.torch;

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
    public void A_shard_without_a_slice_says_so_instead_of_answering()
    {
        var shard = Sys.ActorOf(MemoryBankShardActor.Props("untrained/v1/0", CPU));
        shard.Tell(new QueryNearest("untrained/v1/0", 1, FeatureBlock.FromFloats(new float[4], 1, 4), 1));
        Assert.Contains("holds no bank slice", ExpectMsg<ShardUnavailable>().Reason);
    }

    [Fact]
    public void Recovers_its_slice_from_the_database_after_a_restart_and_ignores_repeated_chunks()
    {
        const int rows = 200, dims = 8;
        var slice = RandomRows(rows, dims, 3);
        var shard = Sys.ActorOf(MemoryBankShardActor.Props("recover/v1/0", CPU));
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
        var revived = Sys.ActorOf(MemoryBankShardActor.Props("recover/v1/0", CPU));
        revived.Tell(new GetShardState("recover/v1/0"));
        var state = ExpectMsg<ShardState>(TimeSpan.FromSeconds(20));
        Assert.Equal((4, 4, 200L), (state.ChunksStored, state.ChunkCount, state.Rows));
        revived.Tell(new QueryNearest("recover/v1/0", 2, query, 2));
        var after = ExpectMsg<NearestAnswer>();
        Assert.Equal(before.Indices, after.Indices);
        Assert.All(before.Distances.Zip(after.Distances), p => Assert.Equal(p.Item1, p.Item2, 4));
    }

    [Fact]
    public void Distance_queries_answer_owned_indices_and_leave_the_rest_NaN()
    {
        const int dims = 2;
        var slice = new float[] { 0, 0, 3, 4 }; // global rows 10 and 11
        var shard = Sys.ActorOf(MemoryBankShardActor.Props("dist/v1/0", CPU));
        StoreSlice(shard, "dist/v1/0", slice, 2, dims, offset: 10, chunkRows: 2);
        shard.Tell(new QueryDistances("dist/v1/0", 3, FeatureBlock.FromFloats(new float[] { 0, 0 }, 1, dims), 3, [11, 5, 10]));
        var answer = ExpectMsg<DistancesAnswer>();
        Assert.Equal(5f, answer.Distances[0], 4);
        Assert.True(float.IsNaN(answer.Distances[1]));
        Assert.Equal(0f, answer.Distances[2]);
    }

    void IDisposable.Dispose()
    {
        Shutdown();
        try { File.Delete(_database); } catch (IOException) { }
    }
}
