using System.Runtime.CompilerServices;
using Inspection.Host.Cli;
using Inspection.Host.Simulation;
using Xunit;
using Xunit.Abstractions;

namespace Inspection.Host.Tests;

/// <summary>
/// The factory simulator: CI's scenario (tests/scenarios/ci-short.json: two lines, three cameras, three gpu nodes, a
/// slow shard, a throttled link, a gpu node killed and restarted, a cut link) runs on real actor systems over TCP and
/// must lose no frame and fail none; and every bad scenario is refused with what is wrong in it.
/// </summary>
[Collection("cli")]
public sealed class SimulationTests(ITestOutputHelper output)
{
    private static string Scenarios([CallerFilePath] string here = "") => Path.Combine(Path.GetDirectoryName(here)!, "..", "scenarios");

    [Fact]
    public async Task The_ci_scenario_loses_and_fails_no_frame_through_its_faults()
    {
        var scenario = Scenario.Load(Path.Combine(Scenarios(), "ci-short.json"));
        var report = await FactorySimulation.Run(scenario, output.WriteLine);
        output.WriteLine(report.ToText());
        Assert.Equal(scenario.Lines.Select(l => l.Name), report.Lines.Select(l => l.Line));
        foreach (var line in report.Lines)
        {
            var planned = scenario.Lines.Single(l => l.Name == line.Line);
            Assert.Equal(planned.Cameras * (long)Math.Round(planned.FramesPerSecond * scenario.Seconds), line.Captured);
            Assert.Equal(line.Captured, line.Accepted + line.Dropped);
            Assert.Equal(line.Accepted, line.Scored + line.Failed + line.Lost);
            Assert.Equal(0, line.Lost);
            Assert.Equal(0, line.Failed); // two replicas of every shard: the killed node's frames are answered elsewhere
            Assert.True(line.Scored > 0);
            Assert.True(line.P50Ms <= line.P99Ms && line.P99Ms <= line.MaxMs);
        }
        // Every fault and the end of each lasting one, in order, none refused.
        int lasting = scenario.Faults.Count(f => f.For > 0);
        Assert.Equal(scenario.Faults.Count + lasting, report.Faults.Count);
        Assert.All(report.Faults, f => Assert.Null(f.Error));
        Assert.Equal(report.Faults.Select(f => f.Seconds).Order(), report.Faults.Select(f => f.Seconds));
        Assert.Contains(report.Faults, f => f.Fault == "kill node 2");
        Assert.Contains(report.Faults, f => f.Fault == "restart node 2");
        Assert.True(report.Passed);
    }

    [Theory]
    [InlineData("""{ "lines": [] }""", "a scenario needs at least one line")]
    [InlineData("""{ "lines": [ { "name": "a" } ], "gpuNodes": 0 }""", "gpuNodes 0 is out of range: 1 to 16")]
    [InlineData("""{ "lines": [ { "name": "a", "framesPerSecond": 0 } ] }""", "lines[0].framesPerSecond 0 is out of range")]
    [InlineData("""{ "lines": [ { "name": "a" }, { "name": "a" } ] }""", "line 'a' is named twice")]
    [InlineData("""{ "lines": [ { "name": "a", "replicas": 3 } ], "gpuNodes": 2 }""", "lines[0].replicas 3 is out of range")]
    [InlineData("""{ "lines": [ { "name": "a" } ], "faults": [ { "at": 1, "kind": "explode" } ] }""", "faults[0].kind 'explode' is not one of kill, restart, slow-shard, cut, throttle")]
    [InlineData("""{ "lines": [ { "name": "a" } ], "faults": [ { "at": 1, "kind": "kill", "node": 0 } ] }""", "faults[0]: kill of node 0: name a gpu node, 1 to 2 (node 0 carries the lines and cameras)")]
    [InlineData("""{ "lines": [ { "name": "a" } ], "faults": [ { "at": 99, "kind": "kill", "node": 1 } ] }""", "faults[0].at 99 is outside the run")]
    [InlineData("""{ "lines": [ { "name": "a" } ], "faults": [ { "at": 5, "kind": "restart", "node": 1 } ] }""", "faults[0]: restart of node 1 at 5 s, which no earlier fault kills")]
    [InlineData("""{ "lines": [ { "name": "a" } ], "faults": [ { "at": 5, "kind": "slow-shard", "line": "b", "milliseconds": 10 } ] }""", "faults[0].line 'b' is not a line of the scenario")]
    [InlineData("""{ "lines": [ { "name": "a" } ], "faults": [ { "at": 5, "kind": "cut", "node": 1, "peer": 1 } ] }""", "faults[0]: a link joins two different nodes, 0 to 2; got 1 and 1")]
    [InlineData("""{ "lines": [ { "name": "a", "shards": 2 } ], "faults": [ { "at": 5, "kind": "slow-shard", "line": "a", "shard": 2, "milliseconds": 10 } ] }""", "faults[0].shard 2 is not a shard of line 'a' (0 to 1)")]
    [InlineData("""{ "lines": [ { "name": "a" } ], "faults": [ { "at": 5, "kind": "throttle", "node": 0, "peer": 1 } ] }""", "faults[0].bytesPerSecond 0 must be at least 1")]
    [InlineData("""{ "lines": [ { "name": "a" } ], "colour": "blue" }""", "is not a scenario")]
    [InlineData("""{ "lines": [ { "name": "a" ] }""", "is not a scenario")]
    public void A_bad_scenario_is_refused_in_one_line_naming_what_is_wrong(string json, string expected)
    {
        using var folder = new TempFolder();
        string file = folder.File("scenario.json");
        File.WriteAllText(file, json);
        var run = CliRun.Invoke("simulate", "--scenario", file);
        CliAssert.OneErrorLine(run, ExitCodes.BadInput, expected);
    }

    [Fact]
    public void A_missing_scenario_file_is_named()
    {
        var run = CliRun.Invoke("simulate", "--scenario", "/no/such/scenario.json");
        CliAssert.OneErrorLine(run, ExitCodes.BadInput, "scenario file '/no/such/scenario.json' does not exist");
    }

    [Fact]
    public void Every_scenario_in_the_repository_is_valid()
    {
        var files = Directory.GetFiles(Scenarios(), "*.json");
        Assert.NotEmpty(files);
        foreach (var file in files) Scenario.Load(file);
    }
}
