using Inspection.Actors.Messages;

namespace Inspection.Actors.Sinks;

/// <summary>Somewhere results are delivered to. Deliver throws when the receiver did not take the result (it is retried).</summary>
public interface IResultSink : IDisposable
{
    /// <summary>webhook or mqtt: names the sink in metrics, logs and its persistence id.</summary>
    string Kind { get; }

    Task Deliver(StoredResult result, CancellationToken cancel);
}
