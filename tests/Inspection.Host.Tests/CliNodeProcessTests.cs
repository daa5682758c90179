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
        using var node = CliProcess.Start(log, "node", "--port", InspectionNodeHost.FreePort().ToString(), "--db", folder.File("node.db"));
        await node.WaitForLine(l => l.StartsWith("joined the cluster"), Patience);

        node.Terminate();
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
        using var node = CliProcess.Start(log, "node", "--port", InspectionNodeHost.FreePort().ToString(), "--seed-node", seed, "--db", folder.File("node.db"),
            "--image-size", "64", "--train", $"line-a={data}");
        await node.WaitForLine(l => l.StartsWith("training starts once this node has joined the cluster"), Patience);

        node.Terminate();
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
        using var first = CliProcess.Start(log, "node", "--port", ports[0].ToString(), "--db", folder.File("a.db"));
        await first.WaitForLine(l => l.StartsWith("joined the cluster"), Patience);
        using var second = CliProcess.Start(log, "node", "--port", ports[1].ToString(), "--seed-node", seed, "--db", folder.File("b.db"));
        await second.WaitForLine(l => l.StartsWith("joined the cluster"), Patience);

        first.Process.Kill(); // SIGKILL: gone without leaving the cluster, as after a native fault
        await second.Process.WaitForExitAsync().WaitAsync(Patience);

        // Keep-majority on a tie keeps the side with the lowest address: the dead node's.
        Assert.Equal(ExitCodes.Failure, second.Process.ExitCode);
        var errors = second.Errors.Where(l => l.StartsWith("error: ")).ToList();
        Assert.Single(errors);
        Assert.Contains("this node was downed by the cluster", errors[0]);
    }
}
