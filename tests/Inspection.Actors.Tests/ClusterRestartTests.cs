using Akka.Actor;
using Inspection.Actors.Hosting;
using Inspection.Actors.Lines;
using Inspection.Actors.Messages;
using Inspection.Engine.Data;
using Inspection.Engine.PatchCore;
using Xunit;
using Xunit.Abstractions;

namespace Inspection.Actors.Tests;

/// <summary>The whole cluster stops and starts again on the same SQLite file: lines, models and shards come back.</summary>
public class ClusterRestartTests(ITestOutputHelper output)
{
    private static async Task<List<StoredResult>> Replay(InspectionPipeline pipeline, string line, IReadOnlyList<string> files, string camera)
    {
        var lineActor = pipeline.StartLine(line, new LineOptions());
        var inbox = Inbox.Create(pipeline.System);
        pipeline.StartReplayCamera(line, camera, lineActor, files, framesPerSecond: 20, observer: inbox.Receiver);
        var results = new List<StoredResult>();
        while (true)
        {
            var message = await inbox.ReceiveAsync(TimeSpan.FromSeconds(60));
            if (message is StoredResult r) results.Add(r);
            else if (message is CameraStats) return results.OrderBy(r => r.Frame.Sequence).ToList();
        }
    }

    [Fact]
    public async Task A_restarted_cluster_serves_the_same_model_with_identical_scores()
    {
        using var folder = new TempFolder();
        string data = folder.File("line");
        SyntheticProductLine.Generate(data, new SyntheticLineOptions(Seed: 9, TrainGood: 10, TestGood: 2, DefectsPerType: 1, Size: 96));
        var files = Directory.GetFiles(Path.Combine(data, "test"), "*.png", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        string database = folder.File("inspection.db");
        InspectionNodeOptions Configure(InspectionNodeOptions o) => o with { Training = new PatchCoreSettings { ImageSize = 96, Seed = 2 } };

        List<StoredResult> before;
        int port = TestSupport.FreePort();
        await using (var node = await ClusterNode.Start(port, port, database, Configure))
        {
            var pipeline = await InspectionPipeline.For(node.System);
            await pipeline.Train("restart", data, shards: 2, TimeSpan.FromMinutes(3));
            before = await Replay(pipeline, "restart", files, "cam-a");
        }

        port = TestSupport.FreePort();
        await using (var node = await ClusterNode.Start(port, port, database, Configure))
        {
            var pipeline = await InspectionPipeline.For(node.System);
            var lines = await pipeline.Registry.Ask<LineList>(new ListLines(), TimeSpan.FromSeconds(30));
            output.WriteLine(string.Join("; ", lines.Lines));
            var summary = Assert.Single(lines.Lines);
            Assert.Equal(("restart", "v1", 2), (summary.Line, summary.Version, summary.ShardCount));
            var after = await Replay(pipeline, "restart", files, "cam-b");
            Assert.Equal(files.Count, after.Count);
            Assert.All(after, r => Assert.Null(r.Error));
            Assert.Equal(before.Select(r => r.Score), after.Select(r => r.Score));
            Assert.Equal(before.Select(r => r.Defective), after.Select(r => r.Defective));
        }
    }
}
