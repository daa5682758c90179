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
        {
            // Logs and CI: a line per stage at every tenth, so a long coreset shows that it moves.
            var printed = new Dictionary<string, long>();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            return work(new SynchronousProgress(p =>
            {
                long tenth = p.Total == 0 ? 10 : p.Done * 10 / p.Total;
                if (printed.TryGetValue(p.Stage, out var last) && last >= tenth) return;
                printed[p.Stage] = tenth;
                Console.Error.WriteLine($"[{clock.Elapsed:hh\\:mm\\:ss}] {p.Stage}: {p.Done}/{p.Total}");
            }));
        }
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
