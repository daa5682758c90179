using Inspection.Engine.PatchCore;
using Spectre.Console;

namespace Inspection.Host.Cli;

/// <summary>Progress bars for long work (feature extraction, coreset, scoring), one bar per stage.</summary>
public static class ConsoleProgress
{
    /// <summary>Runs <paramref name="work"/> with live bars on stderr; plain when not attached to a terminal.</summary>
    public static T Run<T>(Func<IProgress<TrainingProgress>, T> work)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        if (!console.Profile.Capabilities.Interactive)
            return work(new SynchronousProgress(_ => { }));
        T result = default!;
        console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var tasks = new Dictionary<string, ProgressTask>();
                result = work(new SynchronousProgress(p =>
                {
                    if (!tasks.TryGetValue(p.Stage, out var task))
                        tasks[p.Stage] = task = context.AddTask(p.Stage, maxValue: p.Total);
                    task.Value = p.Done;
                }));
            });
        return result;
    }

    /// <summary>Reports on the calling thread, in order (System.Progress posts to the thread pool and may reorder).</summary>
    private sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
