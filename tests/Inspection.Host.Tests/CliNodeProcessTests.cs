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
/// outside the cluster. A camera node killed and started again inspects every file of its folder once.
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
        // One journal for both, as a cluster must have (a node with another one is refused once it has joined).
        using var first = CliProcess.Start(log, "node", "--port", ports[0].ToString(), "--db", folder.File("cluster.db"));
        await first.WaitForLine(l => l.StartsWith("ready:"), Patience);
        using var second = CliProcess.Start(log, "node", "--port", ports[1].ToString(), "--seed-node", seed, "--db", folder.File("cluster.db"));
        await second.WaitForLine(l => l.StartsWith("ready:"), Patience);

        first.Process.Kill(); // SIGKILL: gone without leaving the cluster, as after a native fault
        await second.Process.WaitForExitAsync().WaitAsync(Patience);

        // Keep-majority on a tie keeps the side with the lowest address: the dead node's.
        Assert.Equal(ExitCodes.Failure, second.Process.ExitCode);
        var errors = second.Errors.Where(l => l.StartsWith("error: ")).ToList();
        Assert.Single(errors);
        Assert.Contains("this node was downed by the cluster", errors[0]);
    }

    [Fact]
    public async Task A_camera_node_killed_and_started_again_inspects_every_file_once_under_unique_frame_ids()
    {
        using var folder = new TempFolder();
        string data = folder.File("line");
        SyntheticProductLine.Generate(data, new SyntheticLineOptions(Seed: 6, TrainGood: 6, TestGood: 6, DefectsPerType: 1, Size: 64));
        var images = Directory.EnumerateFiles(Path.Combine(data, "test", "good"), "*.png").Order(StringComparer.Ordinal).ToList();
        string camera = folder.File("camera"), db = folder.File("node.db");
        Directory.CreateDirectory(camera);
        void Drop(string name, int image) => File.Copy(images[image], Path.Combine(camera, name));
        Task Scored(CliProcess node, string name) => node.WaitForLine(l => l.StartsWith("result ") && l.Contains($": {name} "), Patience);
        foreach (var (name, i) in new[] { ("a0.png", 0), ("a1.png", 1), ("a2.png", 2) }) Drop(name, i);
        string firstOutput;

        using (var first = CliProcess.Start(log, "node", "--port", InspectionNodeHost.FreePort().ToString(), "--db", db, "--image-size", "64",
                   "--train", $"line-a={data}", "--camera", $"line-a={camera}"))
        {
            foreach (var name in new[] { "a0.png", "a1.png", "a2.png" }) await Scored(first, name);
            first.Process.Kill(); // SIGKILL: no shutdown, no last journal write
            await first.Process.WaitForExitAsync().WaitAsync(Patience);
            firstOutput = first.Output;
        }
        Drop("b0.png", 3);
        Drop("b1.png", 4);
        using var second = CliProcess.Start(log, "node", "--port", InspectionNodeHost.FreePort().ToString(), "--db", db, "--image-size", "64",
            "--camera", $"line-a={camera}");
        await Scored(second, "b0.png");
        await Scored(second, "b1.png");
        // A file dropped after both: by its result the camera has scanned the folder, old files included, again and again.
        Drop("c0.png", 5);
        await Scored(second, "c0.png");
        second.Terminate();
        await second.Process.WaitForExitAsync().WaitAsync(Patience);

        // Every result either run stored, as the node prints it: "result <frame id>: <file> ...".
        var stored = (firstOutput + "\n" + second.Output).Split('\n').Where(l => l.StartsWith("result "))
            .Select(l => (Frame: l["result ".Length..l.IndexOf(": ", StringComparison.Ordinal)], File: l.Split(": ")[1].Split(' ')[0])).ToList();
        Assert.Equal(["a0.png", "a1.png", "a2.png", "b0.png", "b1.png", "c0.png"], stored.Select(r => r.File).Order(StringComparer.Ordinal));
        Assert.Equal(stored.Count, stored.Select(r => r.Frame).Distinct().Count()); // no frame id reused after the restart
    }
}
