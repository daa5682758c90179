using Akka.Actor;
using Inspection.Actors.Messages;
using Inspection.Engine.Models;
using Inspection.Engine.PatchCore;

namespace Inspection.Actors.Training;

/// <summary>
/// Splits a trained model's memory bank into contiguous slices, stores each slice in its shard entity in bounded
/// chunks (every chunk persisted before it is acknowledged), and returns the deployment the scorers need. The
/// deployment is only returned once every chunk of every shard is stored, and every further replica of each shard
/// has read its slice from that shared journal, so a line can switch to it atomically.
/// </summary>
public static class ModelPublisher
{
    /// <summary>Rows per stored chunk, and per chunk a slice is read back in: 2048 x 384 fp32 is 3 MB, well inside frame and row-size limits.</summary>
    public const int DefaultChunkRows = 2048;

    /// <summary>Chunks sent and not yet acknowledged: 32 x 3 MB.</summary>
    private const int MaxChunksInFlight = 32;

    public static Task<ModelDeployment> Publish(IActorRef shardRegion, PatchCoreModel model, string line, string version, int shards,
        TimeSpan timeout, int chunkRows = DefaultChunkRows, int replicas = 1) =>
        Publish(shardRegion, model.Metadata, model.BankSize, model.BankRows, line, version, shards, timeout, chunkRows, replicas);

    /// <summary>A bank given as its metadata and a reader of its rows (<paramref name="bankRows"/>: from, count): a model file's, without a backbone.</summary>
    public static async Task<ModelDeployment> Publish(IActorRef shardRegion, ModelMetadata metadata, int bankSize, Func<long, int, float[]> bankRows,
        string line, string version, int shards, TimeSpan timeout, int chunkRows = DefaultChunkRows, int replicas = 1)
    {
        if (replicas < 1) throw new ArgumentOutOfRangeException(nameof(replicas), $"Replica count {replicas} is below 1.");
        int dims = metadata.EmbeddingDimensions;
        if (shards < 1 || shards > bankSize) throw new ArgumentOutOfRangeException(nameof(shards), $"Shard count {shards} is outside 1..{bankSize}.");
        // Chunks go out round-robin over the shards (their journals write in parallel) with a bounded number awaiting
        // acknowledgement, so a large bank is never copied into messages all at once (a 1M x 384 bank is 1.5 GB).
        var slices = Enumerable.Range(0, shards).Select(s =>
        {
            long start = SliceBounds.Start(bankSize, shards, s), end = SliceBounds.Start(bankSize, shards, s + 1);
            return (Start: start, End: end, Chunks: (int)Math.Max(1, (end - start + chunkRows - 1) / chunkRows));
        }).ToArray();
        var inFlight = new Queue<Task<BankSliceStored>>();
        int rounds = slices.Max(x => x.Chunks);
        for (int c = 0; c < rounds; c++)
            for (int s = 0; s < shards; s++)
            {
                var (start, end, chunkCount) = slices[s];
                if (c >= chunkCount) continue;
                if (inFlight.Count >= MaxChunksInFlight) await inFlight.Dequeue();
                long from = start + (long)c * chunkRows;
                int rows = (int)Math.Min(chunkRows, end - from);
                var block = FeatureBlock.FromFloats(bankRows(from, rows), rows, dims);
                inFlight.Enqueue(shardRegion.Ask<BankSliceStored>(new StoreBankSlice(ShardKey.Of(line, version, s), c, chunkCount, from, block), timeout));
            }
        await Task.WhenAll(inFlight);
        await Task.WhenAll(Enumerable.Range(0, shards).SelectMany(s => Enumerable.Range(1, replicas - 1).Select(r =>
            Loaded(shardRegion, ShardKey.Of(line, version, s, r), timeout))));
        return ModelDeployments.Of(metadata, bankSize, line, version, shards, replicas);
    }

    /// <summary>
    /// Waits until every replica of every shard of <paramref name="d"/> holds its slice (a retired one is started by
    /// the asking and recovers from its journal); <paramref name="loaded"/> hears each one done.
    /// </summary>
    public static Task AllLoaded(IActorRef shardRegion, ModelDeployment d, TimeSpan timeout, Action? loaded = null) =>
        Task.WhenAll(Enumerable.Range(0, d.ShardCount).SelectMany(s => Enumerable.Range(0, d.Replicas).Select(async r =>
        {
            await Loaded(shardRegion, d.ShardEntity(s, r), timeout);
            loaded?.Invoke();
        })));

    /// <summary>Waits until a replica holds its whole slice (one that read the journal too early reads it again when asked).</summary>
    public static async Task Loaded(IActorRef shardRegion, string entity, TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var state = await shardRegion.Ask<ShardState>(new GetShardState(entity), timeout);
            if (state.ChunkCount > 0 && state.ChunksStored == state.ChunkCount && state.Rows > 0) return;
            if (clock.Elapsed > timeout) throw new TimeoutException($"replica {entity} did not load its slice within {timeout.TotalSeconds:0} s ({state.ChunksStored} of {state.ChunkCount} chunks)");
            await Task.Delay(200);
        }
    }
}
