using Inspection.Actors.Messages;

namespace Inspection.Actors.Sinks;

/// <summary>Somewhere results (and parts' timeout verdicts) are delivered to. Deliver throws when the receiver did not take the document (it is retried).</summary>
public interface IResultSink : IDisposable
{
    /// <summary>webhook or mqtt: names the sink in metrics, logs and its persistence id.</summary>
    string Kind { get; }

    Task Deliver(ResultDocument document, CancellationToken cancel);
}
