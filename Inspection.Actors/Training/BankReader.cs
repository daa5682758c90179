using Akka.Actor;
using Inspection.Actors.Messages;
using Inspection.Engine.PatchCore;

namespace Inspection.Actors.Training;

/// <summary>
/// Reads a deployed line's whole bank back from its shards, a chunk at a time (a slice can be larger than one remote
/// message may be), from whichever replica of each shard answers: a replica that fails mid-slice is replaced by the
/// next, which continues from the row reached.
/// </summary>
public static class BankReader
{
    /// <returns>The bank, [BankSize * Dimensions] row-major in global row order.</returns>
    public static async Task<float[]> Read(IActorRef shards, ModelDeployment d, CancellationToken cancel)
    {
        // A replica that does not answer is given up sooner when another can take over.
        var timeout = TimeSpan.FromSeconds(d.Replicas > 1 ? 20 : 60);
        var bank = new float[checked(d.BankSize * d.Dimensions)];
        for (int s = 0; s < d.ShardCount; s++)
        {
            long start = SliceBounds.Start(d.BankSize, d.ShardCount, s), rows = SliceBounds.Length(d.BankSize, d.ShardCount, s);
            long read = 0;
            string? failure = null;
            for (int replica = 0; read < rows; )
            {
                cancel.ThrowIfCancellationRequested();
                object? reply;
                try { reply = await shards.Ask<object>(new ReadSlice(d.ShardEntity(s, replica), read), timeout, cancel); }
                catch (AskTimeoutException) { reply = null; }
                if (reply is SliceContents chunk && chunk.GlobalOffset == start + read && chunk.Rows.Rows > 0 && read + chunk.Rows.Rows <= rows)
                {
                    chunk.Rows.CopyTo(bank.AsSpan(checked((int)((start + read) * d.Dimensions)), chunk.Rows.Rows * d.Dimensions));
                    read += chunk.Rows.Rows;
                    continue;
                }
                failure = reply switch
                {
                    ShardUnavailable u => u.Reason,
                    SliceContents c => $"shard {c.EntityId} answered rows from {c.GlobalOffset} ({c.Rows.Rows} rows) for row {start + read} of a {rows}-row slice",
                    null => $"shard {d.ShardEntity(s, replica)} did not answer within {timeout.TotalSeconds:0} s",
                    _ => $"shard {d.ShardEntity(s, replica)} answered {reply.GetType().Name}",
                };
                if (++replica == d.Replicas) throw new InvalidOperationException($"the bank of {d.Line} {d.Version} could not be read: {failure}");
            }
        }
        return bank;
    }
}
