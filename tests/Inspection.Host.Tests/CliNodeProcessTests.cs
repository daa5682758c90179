using System.Diagnostics;
using System.Runtime.InteropServices;
using Inspection.Actors.Hosting;
using Inspection.Engine.Data;
using Inspection.Host.Cli;
using Xunit;
using Xunit.Abstractions;

namespace Inspection.Host.Tests;

/// <summary>
/// <c>inspection node</c> as operators run it, a separate process: SIGTERM (how containers and service managers stop
/// a process) stops it with exit 0, and a node that dies abruptly (a native fault, SIGKILL) takes its peer with it when
/// the peer is on the losing side of a two-node split, which then exits with one error line instead of running on
/// outside the cluster.
/// </summary>
[Collection("cli")]
public class CliNodeProcessTests(ITestOutputHelper log)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task SIGTERM_stops_a_running_node_with_exit_0()
    {
        using var folder = new TempFolder();
        using var node = NodeProcess.Start(log, "--port", InspectionNodeHost.FreePort().ToString(), "--db", folder.File("node.db"));
        await node.WaitForLine(l => l.StartsWith("joined the cluster"), Patience);

        Assert.Equal(0, kill(node.Process.Id, SIGTERM));
        await node.Process.WaitForExitAsync().WaitAsync(Patience);

        Assert.Equal(ExitCodes.Success, node.Process.ExitCode);
        Assert.Contains("node stopped", node.Output);
    }

    [Fact]
    public async Task A_training_node_whose_seed_is_not_up_waits_to_join_and_a_stop_then_exits_130()
    {
        using var folder = new TempFolder();
        string data = folder.File("line");
        SyntheticProductLine.Generate(data, new SyntheticLineOptions(Seed: 3, TrainGood: 4, TestGood: 1, DefectsPerType: 1, Size: 64));
        string seed = $"akka.tcp://inspection@127.0.0.1:{InspectionNodeHost.FreePort()}"; // nothing listens there
        using var node = NodeProcess.Start(log, "--port", InspectionNodeHost.FreePort().ToString(), "--seed-node", seed, "--db", folder.File("node.db"),
            "--image-size", "64", "--train", $"line-a={data}");
        await node.WaitForLine(l => l.StartsWith("training starts once this node has joined the cluster"), Patience);

        Assert.Equal(0, kill(node.Process.Id, SIGTERM));
        await node.Process.WaitForExitAsync().WaitAsync(Patience);

        Assert.Equal(ExitCodes.Interrupted, node.Process.ExitCode);
        var errors = node.Errors.Where(l => l.StartsWith("error: ")).ToList();
        Assert.Single(errors);
        Assert.Contains("before it had joined the cluster", errors[0]);
    }

    [Fact]
    public async Task A_node_whose_only_peer_dies_with_the_lower_address_is_downed_and_exits_with_one_error_line()
    {
        using var folder = new TempFolder();
        int other = InspectionNodeHost.FreePort(), port;
        while ((port = InspectionNodeHost.FreePort()) == other) { } // two distinct ports, whatever the OS hands out
        var ports = new[] { port, other }.Order().ToArray();
        string seed = $"akka.tcp://inspection@127.0.0.1:{ports[0]}";
        using var first = NodeProcess.Start(log, "--port", ports[0].ToString(), "--db", folder.File("a.db"));
        await first.WaitForLine(l => l.StartsWith("joined the cluster"), Patience);
        using var second = NodeProcess.Start(log, "--port", ports[1].ToString(), "--seed-node", seed, "--db", folder.File("b.db"));
        await second.WaitForLine(l => l.StartsWith("joined the cluster"), Patience);

        first.Process.Kill(); // SIGKILL: gone without leaving the cluster, as after a native fault
        await second.Process.WaitForExitAsync().WaitAsync(Patience);

        // Keep-majority on a tie keeps the side with the lowest address: the dead node's.
        Assert.Equal(ExitCodes.Failure, second.Process.ExitCode);
        var errors = second.Errors.Where(l => l.StartsWith("error: ")).ToList();
        Assert.Single(errors);
        Assert.Contains("this node was downed by the cluster", errors[0]);
    }

    private const int SIGTERM = 15;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    /// <summary>A child <c>inspection node</c> whose output lines are collected as they arrive.</summary>
    private sealed class NodeProcess : IDisposable
    {
        private readonly List<string> _out = [], _err = [];
        private readonly ITestOutputHelper _log;
        private TaskCompletionSource _line = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public Process Process { get; }

        private NodeProcess(Process process, ITestOutputHelper log)
        {
            Process = process;
            _log = log;
        }

        public static NodeProcess Start(ITestOutputHelper log, params string[] args)
        {
            var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "inspection.dll"));
            info.ArgumentList.Add("node");
            foreach (var a in args) info.ArgumentList.Add(a);
            var node = new NodeProcess(new Process { StartInfo = info }, log);
            node.Process.OutputDataReceived += (_, e) => node.Add(node._out, e.Data);
            node.Process.ErrorDataReceived += (_, e) => node.Add(node._err, e.Data);
            node.Process.Start();
            node.Process.BeginOutputReadLine();
            node.Process.BeginErrorReadLine();
            return node;
        }

        public string Output { get { lock (_out) return string.Join('\n', _out); } }
        public IReadOnlyList<string> Errors { get { lock (_out) return _err.ToList(); } }

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
                    throw new Xunit.Sdk.XunitException($"the node exited with {Process.ExitCode} before the expected line:\n{Output}\n{string.Join('\n', Errors)}");
            }
        }

        public void Dispose()
        {
            if (!Process.HasExited) Process.Kill(entireProcessTree: true);
            Process.Dispose();
        }
    }
}
