using Akka.Actor;
using Inspection.Actors.Cameras;
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
        var lineActor = pipeline.StartLine(line, new LineOptions { SnapshotEvery = 3 });
        var inbox = Inbox.Create(pipeline.System);
        pipeline.StartReplayCamera(line, camera, lineActor, files, framesPerSecond: 20, observer: inbox.Receiver, policy: DropPolicy.Wait);
        var results = new List<StoredResult>();
        while (true)
        {
            var message = await inbox.ReceiveAsync(TimeSpan.FromSeconds(60));
            if (message is StoredResult r) results.Add(r);
            else if (message is CameraStats) return results.OrderBy(r => r.Frame.Sequence).ToList();
        }
    }

    /// <summary>Waits until the condition holds (a deletion the journal does after its reply), or fails after 20 s.</summary>
    private static async Task WaitFor(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the journal still holds the events its snapshot covers after 20 s");
            await Task.Delay(100);
        }
    }

    /// <summary>PostgreSQL connection string of the server .ci/run starts; without it the PostgreSQL case is skipped.</summary>
    private static readonly string? Postgres = Environment.GetEnvironmentVariable("INSPECTION_TEST_POSTGRES");

    [SkippableTheory]
    [InlineData(PersistenceBackend.Sqlite)]
    [InlineData(PersistenceBackend.PostgreSql)]
    public async Task A_restarted_cluster_serves_the_same_model_with_identical_scores(PersistenceBackend backend)
    {
        Skip.If(backend == PersistenceBackend.PostgreSql && string.IsNullOrEmpty(Postgres),
            "INSPECTION_TEST_POSTGRES is not set: .ci/run starts a PostgreSQL server and sets it (scripts/postgres.sh)");
        using var folder = new TempFolder();
        string data = folder.File("line");
        SyntheticProductLine.Generate(data, new SyntheticLineOptions(Seed: 9, TrainGood: 10, TestGood: 2, DefectsPerType: 1, Size: 96));
        var files = Directory.GetFiles(Path.Combine(data, "test"), "*.png", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        string database = backend == PersistenceBackend.Sqlite ? folder.File("inspection.db") : Postgres!;
        // Each run its own line name, so runs against a shared PostgreSQL database do not meet each other.
        string lineName = $"restart-{Guid.NewGuid():N}"[..16];
        InspectionNodeOptions Configure(InspectionNodeOptions o) => o with
        {
            Persistence = backend,
            Database = database,
            Training = new PatchCoreSettings { ImageSize = 96, Seed = 2 },
        };

        List<StoredResult> before;
        int port = TestSupport.FreePort();
        await using (var node = await ClusterNode.Start(port, port, database, Configure))
        {
            var pipeline = await InspectionPipeline.For(node.System);
            await pipeline.Train(lineName, data, shards: 2, TimeSpan.FromMinutes(3));
            before = await Replay(pipeline, lineName, files, "cam-a");
            // The events a snapshot covers leave the journal (the line has no result sink waiting for them); the journal
            // keeps the last of them, marked deleted, for the line's sequence number.
            long covered = files.Count / 3 * 3;
            await WaitFor(async () => await TestSupport.JournalRows(backend, database, LineActor.PersistenceIdOf(lineName)) <= files.Count - covered + 1);
        }

        port = TestSupport.FreePort();
        await using (var node = await ClusterNode.Start(port, port, database, Configure))
        {
            var pipeline = await InspectionPipeline.For(node.System);
            var lines = await pipeline.Registry.Ask<LineList>(new ListLines(), TimeSpan.FromSeconds(30));
            output.WriteLine(string.Join("; ", lines.Lines));
            var summary = Assert.Single(lines.Lines, l => l.Line == lineName);
            Assert.Equal(("v1", 2), (summary.Version, summary.ShardCount));
            var after = await Replay(pipeline, lineName, files, "cam-b");
            Assert.Equal(files.Count, after.Count);
            Assert.All(after, r => Assert.Null(r.Error));
            // Identical up to float noise: the camera timing decides how frames are micro-batched, and a convolution over a
            // batch of 2 rounds differently from one over a batch of 1 (seen: 6th significant digit).
            for (int i = 0; i < before.Count; i++)
                Assert.True(Math.Abs(before[i].Score - after[i].Score) <= 1e-5 * Math.Abs(before[i].Score), $"frame {i}: {before[i].Score} then {after[i].Score}");
            Assert.Equal(before.Select(r => r.Defective), after.Select(r => r.Defective));
            // The line's counters came back from its snapshot plus the results stored after it.
            var stats = await (await pipeline.System.ActorSelection("/user/line-" + Uri.EscapeDataString(lineName)).ResolveOne(TimeSpan.FromSeconds(5)))
                .Ask<LineStats>(new GetLineStats(lineName), TimeSpan.FromSeconds(5));
            Assert.Equal((2L * files.Count, 0L), (stats.Scored, stats.Failed));
        }
    }
}
