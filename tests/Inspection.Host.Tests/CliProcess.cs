using System.Diagnostics;
using System.Runtime.InteropServices;
using Xunit.Abstractions;

namespace Inspection.Host.Tests;

/// <summary>
/// The <c>inspection</c> command as a child process, as operators run it: its output lines are collected as they
/// arrive, a test waits for a line (an event, not a sleep) and can send it SIGTERM, as containers and service managers do.
/// </summary>
public sealed class CliProcess : IDisposable
{
    private readonly List<string> _out = [], _err = [];
    private readonly ITestOutputHelper _log;
    private TaskCompletionSource _line = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public Process Process { get; }

    private CliProcess(Process process, ITestOutputHelper log)
    {
        Process = process;
        _log = log;
    }

    public static CliProcess Start(ITestOutputHelper log, params string[] args) => StartIn(log, null, null, args);

    /// <summary>Starts it in <paramref name="workingDirectory"/> (null: the test's) with extra environment variables.</summary>
    public static CliProcess StartIn(ITestOutputHelper log, string? workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory != null) info.WorkingDirectory = workingDirectory;
        // A child sees only the settings its test gives: the test run's own (the test database, the broker) would
        // otherwise become the child's (INSPECTION_POSTGRES is serve's journal setting).
        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("INSPECTION_", StringComparison.Ordinal) && !InheritedSettings.Contains(k)).ToList())
            info.Environment.Remove(name);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "inspection.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        var child = new CliProcess(new Process { StartInfo = info }, log);
        child.Process.OutputDataReceived += (_, e) => child.Add(child._out, e.Data);
        child.Process.ErrorDataReceived += (_, e) => child.Add(child._err, e.Data);
        child.Process.Start();
        child.Process.BeginOutputReadLine();
        child.Process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Variables of the test run a child keeps: caches, data and native library locations, debugging.</summary>
    private static readonly string[] InheritedSettings = ["INSPECTION_CACHE", "INSPECTION_DATASETS", "INSPECTION_LIBTORCH", "INSPECTION_DEBUG"];

    public string Output { get { lock (_out) return string.Join('\n', _out); } }
    public IReadOnlyList<string> Errors { get { lock (_out) return _err.ToList(); } }

    /// <summary>Sends SIGTERM.</summary>
    public void Terminate()
    {
        if (kill(Process.Id, SIGTERM) != 0) throw new InvalidOperationException($"kill({Process.Id}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    private void Add(List<string> lines, string? line)
    {
        if (line is null) return;
        TaskCompletionSource signal;
        lock (_out)
        {
            lines.Add(line);
            signal = _line;
            _line = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        try { _log.WriteLine($"[{Process.Id}] {line}"); } catch (InvalidOperationException) { } // after the test ended
        signal.TrySetResult();
    }

    /// <summary>Waits until a line of stdout matches, failing if the process exits first or the time runs out.</summary>
    public async Task WaitForLine(Func<string, bool> match, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        while (true)
        {
            Task next;
            lock (_out)
            {
                if (_out.Any(match)) return;
                next = _line.Task;
            }
            var exited = Process.WaitForExitAsync(cancel.Token);
            if (await Task.WhenAny(next, exited).WaitAsync(cancel.Token) == exited)
                throw new Xunit.Sdk.XunitException($"the process exited with {Process.ExitCode} before the expected line:\n{Output}\n{string.Join('\n', Errors)}");
        }
    }

    public void Dispose()
    {
        if (!Process.HasExited) Process.Kill(entireProcessTree: true);
        Process.Dispose();
    }

    private const int SIGTERM = 15;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
