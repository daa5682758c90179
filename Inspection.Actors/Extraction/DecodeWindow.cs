namespace Inspection.Actors.Extraction;

/// <summary>
/// At most <paramref name="size"/> items held decoded at once, the others waiting (encoded) in the order they came:
/// a decoded large frame is hundreds of MB, so frames arriving together must not all be decoded at once.
/// </summary>
public sealed class DecodeWindow<T>(int size)
{
    private readonly Queue<T> _waiting = new();

    /// <summary>Items started and not yet <see cref="Done"/>.</summary>
    public int Active { get; private set; }

    public int Waiting => _waiting.Count;

    public void Enqueue(T item) => _waiting.Enqueue(item);

    /// <summary>The waiting items that may be decoded now, oldest first; each counts as held until <see cref="Done"/>.</summary>
    public List<T> Start()
    {
        var started = new List<T>();
        while (Active < size && _waiting.TryDequeue(out var next))
        {
            Active++;
            started.Add(next);
        }
        return started;
    }

    /// <summary>An item is no longer held decoded: the next waiting one may start.</summary>
    public void Done() => Active--;
}
