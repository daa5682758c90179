namespace Inspection.Host.Api;

/// <summary>
/// Frames this node answered 202 (wait=false) whose result could not be stored (<see cref="FrameLostException"/>): a
/// client asking for such a result hears that it will never come, and why, instead of a 404 it could mistake for
/// "not yet". Kept in memory, the newest <see cref="Capacity"/> of them: the database is what failed, so they cannot
/// be written there; a client sends the frame again with its frameId or Idempotency-Key.
/// </summary>
public sealed class LostFrames
{
    public const int Capacity = 10_000;
    private readonly Dictionary<string, Lost> _byId = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    /// <summary>A lost frame: why its result was not stored, and when that was known.</summary>
    public sealed record Lost(string ResultId, string Reason, DateTimeOffset At);

    public void Add(string resultId, string reason)
    {
        lock (_byId)
        {
            if (!_byId.TryAdd(resultId, new Lost(resultId, reason, DateTimeOffset.UtcNow))) return;
            _order.Enqueue(resultId);
            if (_order.Count > Capacity) _byId.Remove(_order.Dequeue());
        }
    }

    public Lost? Find(string resultId)
    {
        lock (_byId) return _byId.GetValueOrDefault(resultId);
    }

    /// <summary>
    /// Remembers the frame of <paramref name="result"/> as lost when it ends in <see cref="FrameLostException"/>; the
    /// task returned ends once that is decided.
    /// </summary>
    public Task Watch(string resultId, Task result) => result.ContinueWith(t =>
    {
        if (t.Exception?.InnerException is FrameLostException lost) Add(resultId, lost.Message);
    }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}
