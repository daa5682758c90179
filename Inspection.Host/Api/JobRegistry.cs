using System.Collections.Concurrent;
using Akka.Actor;

namespace Inspection.Host.Api;

/// <summary>
/// The jobs started through this API node (kept in memory: a job is followed by the node that started it; the model
/// it makes is persisted by the cluster). One job per line at a time.
/// </summary>
public sealed class JobRegistry
{
    private readonly ConcurrentDictionary<string, TrainingJob> _jobs = new(StringComparer.Ordinal);
    private readonly object _gate = new();

    public TrainingJob? Get(string id) => _jobs.GetValueOrDefault(id);

    public TrainingJob? ActiveFor(string line) => _jobs.Values.FirstOrDefault(j => j.Line == line && !j.Finished);

    /// <summary>
    /// Starts a job unless the line has one running: <paramref name="send"/> gets the job id and its watcher, and sends the
    /// command. Returns null when the line is busy.
    /// </summary>
    public TrainingJob? Start(ActorSystem system, IActorRef registry, string line, string kind, Action<string, IActorRef> send)
    {
        TrainingJob job;
        lock (_gate)
        {
            if (ActiveFor(line) != null) return null;
            job = new TrainingJob(Guid.CreateVersion7().ToString("N"), line, kind);
            _jobs[job.Id] = job;
        }
        var watcher = system.ActorOf(JobWatcher.Props(job, registry), "job-" + job.Id);
        send(job.Id, watcher);
        return job;
    }
}
