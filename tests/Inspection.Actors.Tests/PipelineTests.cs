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

/// <summary>
/// The whole pipeline on one node with every role: train a synthetic line through the cluster, replay its test parts
/// through a simulated camera, and account for every frame.
/// </summary>
public sealed class PipelineTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly TempFolder _folder = new();
    private ClusterNode _node = null!;
    private InspectionPipeline _pipeline = null!;
    private string _data = "";

    public async Task InitializeAsync()
    {
        _data = Path.Combine(_folder.Path, "line");
        SyntheticProductLine.Generate(_data, new SyntheticLineOptions(Seed: 5, TrainGood: 12, TestGood: 4, DefectsPerType: 2, Size: 128));
        int port = TestSupport.FreePort();
        _node = await ClusterNode.Start(port, port, _folder.File("inspection.db"), o => o with
        {
            Training = new PatchCoreSettings { ImageSize = 128, Seed = 1 },
            ResultImagesFolder = _folder.File("heatmaps"),
            BatchSize = 4,
            BatchDeadline = TimeSpan.FromMilliseconds(100),
        });
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (_node.UpMembers < 1 && DateTime.UtcNow < deadline) await Task.Delay(100);
        _pipeline = await InspectionPipeline.For(_node.System);
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        _folder.Dispose();
    }

    /// <summary>A camera observer's messages: every result, until the camera's final statistics.</summary>
    private static async Task<(List<StoredResult> Results, CameraStats Stats)> Collect(Inbox inbox)
    {
        var results = new List<StoredResult>();
        while (true)
        {
            var message = await inbox.ReceiveAsync(TimeSpan.FromSeconds(60));
            if (message is StoredResult r) results.Add(r);
            else if (message is CameraStats stats) return (results, stats);
        }
    }

    private static List<string> TestFiles(string data) =>
        Directory.GetFiles(Path.Combine(data, "test"), "*.png", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();

    [Fact]
    public async Task Trained_line_scores_every_replayed_frame_and_defects_score_higher()
    {
        var trained = await _pipeline.Train("synthetic", _data, shards: 2, TimeSpan.FromMinutes(3));
        Assert.Equal("v1", trained.Version);
        var line = _pipeline.StartLine("synthetic", new LineOptions { Images = ImagePolicy.Drawn });
        var files = TestFiles(_data);
        var inbox = Inbox.Create(_node.System);
        using var metrics = new RecordedMetrics("synthetic");
        // Every frame must be scored however loaded the machine is: the replay waits for the line rather than drop.
        _pipeline.StartReplayCamera("synthetic", "cam-1", line, files, framesPerSecond: 20, observer: inbox.Receiver, policy: DropPolicy.Wait);
        var (results, stats) = await Collect(inbox);
        output.WriteLine($"{stats}");
        Assert.Equal(files.Count, stats.Captured);
        Assert.Equal(stats.Captured, stats.Accepted + stats.Dropped);
        Assert.Equal(stats.Accepted, results.Count);
        Assert.Equal(0, stats.Dropped);
        Assert.All(results, r => Assert.Null(r.Error));
        Assert.All(results, r => Assert.True(File.Exists(r.HeatmapPath)));
        double Mean(Func<StoredResult, bool> which) => results.Where(which).Average(r => r.Score);
        bool IsGood(StoredResult r) => r.Source.Contains($"{Path.DirectorySeparatorChar}good{Path.DirectorySeparatorChar}");
        Assert.True(Mean(r => !IsGood(r)) > Mean(IsGood), "defective parts must score higher on average");

        var lineStats = await line.Ask<LineStats>(new GetLineStats("synthetic"), TimeSpan.FromSeconds(5));
        Assert.Equal((files.Count, 0L, "v1"), (lineStats.Scored, lineStats.Failed, lineStats.Version!));

        // Each stage reported its own time for this line: one decode and one stored result per frame, every frame in
        // exactly one extraction batch, each batch's nearest and support requests answered by both shards, and its
        // request for m* by the shards that own its frames' m* only.
        Assert.Equal(files.Count, metrics.Of("inspection.decode.duration").Count);
        Assert.Equal(files.Count, metrics.Of("inspection.persist.duration").Count);
        var batches = metrics.Of("inspection.extraction.duration");
        Assert.Equal(files.Count, batches.Sum(b => (int)b.Tags["frames"]!));
        foreach (var request in new[] { "nearest", "support" })
            Assert.Equal(2 * batches.Count, metrics.Of("inspection.shard.duration").Count(m => Equals(m.Tags["request"], request)));
        Assert.InRange(metrics.Of("inspection.shard.duration").Count(m => Equals(m.Tags["request"], "rows")), batches.Count, 2 * batches.Count);
        foreach (var step in new[] { "merge", "support", "results" })
            Assert.Equal(batches.Count, metrics.Of("inspection.scoring.duration").Count(m => Equals(m.Tags["step"], step)));
        var gathers = metrics.Of("inspection.scoring.gather");
        Assert.Equal(batches.Count, gathers.Count);
        // A batch's gather spans its shards' nearest-neighbour searches, so it cannot be shorter than the slower of them.
        Assert.True(gathers.Max(g => g.Value) >= metrics.Of("inspection.shard.duration").Max(m => m.Value));
        Assert.All(batches, b => Assert.True(b.Value > 0));
    }

    [Fact]
    public async Task A_one_shard_lines_batches_take_one_shard_round_and_score_as_the_engine()
    {
        var settings = new PatchCoreSettings { ImageSize = 128, Seed = 1 };
        await _pipeline.Train("whole", _data, shards: 1, TimeSpan.FromMinutes(3));
        using var engine = new PatchCoreTrainer(settings, TorchSharp.torch.CPU).Train(TrainingSplit.Of(MvtecCategory.Open(_data), settings));
        var files = TestFiles(_data);
        var expected = engine.Inspect(Engine.Imaging.PreparedImage.FromFiles(files, 128)).ImageScores;

        using var metrics = new RecordedMetrics("whole");
        var line = _pipeline.StartLine("whole", new LineOptions());
        var inbox = Inbox.Create(_node.System);
        _pipeline.StartReplayCamera("whole", "cam", line, files, framesPerSecond: 20, observer: inbox.Receiver, policy: DropPolicy.Wait);
        var (results, _) = await Collect(inbox);
        Assert.Equal(files.Count, results.Count);
        foreach (var r in results)
        {
            float want = expected[files.IndexOf(r.Source)];
            Assert.True(Math.Abs(r.Score - want) <= 1e-4 * Math.Abs(want), $"{r.Source}: pipeline {r.Score}, engine {want}");
        }
        // Each batch asked its one shard once: Eq. 7's support came with the nearest rows.
        var batches = metrics.Of("inspection.extraction.duration").Count;
        var requests = metrics.Of("inspection.shard.duration").GroupBy(m => (string)m.Tags["request"]!).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(batches, requests.GetValueOrDefault("nearest"));
        Assert.Equal((0, 0), (requests.GetValueOrDefault("rows"), requests.GetValueOrDefault("support")));
    }

    /// <summary>
    /// A camera reading a video through FFmpeg (the seam's stream source): the test parts encoded losslessly (FFV1) by
    /// the real ffmpeg, played at their frame rate; every frame is scored, in order, exactly as the engine scores the
    /// image files themselves.
    /// </summary>
    [SkippableFact]
    public async Task A_video_file_camera_scores_every_frame_as_the_engine_scores_the_images()
    {
        Skip.If(!File.Exists("/usr/bin/ffmpeg"), "Debian's ffmpeg is not installed (apt-get install -y ffmpeg)");
        var settings = new PatchCoreSettings { ImageSize = 128, Seed = 1 };
        await _pipeline.Train("video", _data, shards: 1, TimeSpan.FromMinutes(3));
        var files = TestFiles(_data);
        using var engine = new PatchCoreTrainer(settings, TorchSharp.torch.CPU).Train(TrainingSplit.Of(MvtecCategory.Open(_data), settings));
        var expected = engine.Inspect(Engine.Imaging.PreparedImage.FromFiles(files, 128)).ImageScores;
        string frames = Directory.CreateDirectory(_folder.File("frames")).FullName, video = _folder.File("line.mkv");
        for (int i = 0; i < files.Count; i++) File.Copy(files[i], Path.Combine(frames, $"frame{i:D3}.png"));
        using (var ffmpeg = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("/usr/bin/ffmpeg",
                   $"-hide_banner -loglevel error -framerate 20 -i {frames}/frame%03d.png -c:v ffv1 -pix_fmt bgr0 {video}") { RedirectStandardError = true })!)
        {
            string errors = await ffmpeg.StandardError.ReadToEndAsync();
            await ffmpeg.WaitForExitAsync();
            Assert.True(ffmpeg.ExitCode == 0, errors);
        }

        var line = _pipeline.StartLine("video", new LineOptions());
        var inbox = Inbox.Create(_node.System);
        _pipeline.StartCamera("video", "cam", line, () => new Engine.Cameras.StreamSource(video), new Cameras.CameraOptions { Policy = Cameras.DropPolicy.Wait },
            inbox.Receiver);
        var (results, stats) = await Collect(inbox);
        Assert.Equal((files.Count, files.Count, 0L, true), (stats.Captured, stats.Accepted, stats.Dropped, stats.Finished));
        var ordered = results.OrderBy(r => r.Frame.Sequence).ToList();
        for (int i = 0; i < files.Count; i++)
        {
            Assert.Null(ordered[i].Error);
            Assert.True(Math.Abs(ordered[i].Score - expected[i]) <= 1e-4 * Math.Abs(expected[i]), $"frame {i} ({files[i]}): camera {ordered[i].Score}, engine {expected[i]}");
        }
    }

    [Fact]
    public async Task A_bf16_line_is_served_in_bf16_and_scores_like_the_bf16_engine()
    {
        var settings = new PatchCoreSettings { ImageSize = 128, Seed = 1, Precision = ComputePrecision.BFloat16 };
        int port = TestSupport.FreePort();
        await using var node = await ClusterNode.Start(port, port, _folder.File("bf16.db"), o => o with { Training = settings, BatchSize = 4 });
        var pipeline = await InspectionPipeline.For(node.System);
        await pipeline.Train("half", _data, shards: 2, TimeSpan.FromMinutes(3));
        var deployment = await pipeline.Registry.Ask<ModelDeployment>(new GetDeployment("half"), TimeSpan.FromSeconds(10));
        Assert.Equal(ComputePrecision.BFloat16, deployment.Precision);

        var category = Engine.Data.MvtecCategory.Open(_data);
        var split = TrainingSplit.Of(category, settings);
        using var engine = new PatchCoreTrainer(settings, TorchSharp.torch.CPU).Train(split);
        var files = TestFiles(_data);
        var expected = engine.Inspect(Engine.Imaging.PreparedImage.FromFiles(files, 128)).ImageScores;

        var line = pipeline.StartLine("half", new LineOptions());
        var inbox = Inbox.Create(node.System);
        pipeline.StartReplayCamera("half", "cam", line, files, framesPerSecond: 20, observer: inbox.Receiver, policy: DropPolicy.Wait);
        var (results, _) = await Collect(inbox);
        foreach (var r in results)
        {
            float want = expected[files.IndexOf(r.Source)];
            Assert.True(Math.Abs(r.Score - want) <= 1e-3 * Math.Abs(want), $"{r.Source}: pipeline {r.Score}, engine {want}");
        }
    }

    [Fact]
    public async Task Good_images_added_later_extend_the_bank_as_a_new_version_without_retraining()
    {
        var first = await _pipeline.Train("growing", _data, shards: 2, TimeSpan.FromMinutes(3));
        string more = Path.Combine(_folder.Path, "more");
        SyntheticProductLine.Generate(more, new SyntheticLineOptions(Seed: 6, TrainGood: 4, TestGood: 0, DefectsPerType: 0, Size: 128));
        var added = Directory.GetFiles(Path.Combine(more, "train", "good"), "*.png").Order(StringComparer.Ordinal).ToList();

        var line = _pipeline.StartLine("growing", new LineOptions());
        var files = TestFiles(_data);
        var inbox = Inbox.Create(_node.System);
        _pipeline.StartReplayCamera("growing", "before", line, files, framesPerSecond: 20, observer: inbox.Receiver, policy: DropPolicy.Wait);
        var (before, _) = await Collect(inbox);

        var second = await _pipeline.AddGoodImages("growing", added, TimeSpan.FromMinutes(3));
        // 4 images of 16x16 patches at a 10% coreset: 102 new bank vectors.
        Assert.Equal(("v1", "v2"), (first.Version, second.Version));
        Assert.Equal(first.BankSize + (long)(4 * 16 * 16 * 0.1), second.BankSize);
        var deployment = await _pipeline.Registry.Ask<ModelDeployment>(new GetDeployment("growing"), TimeSpan.FromSeconds(10));
        Assert.Equal(("v2", second.BankSize), (deployment.Version, deployment.BankSize));

        _pipeline.StartReplayCamera("growing", "after", line, files, framesPerSecond: 20, observer: inbox.Receiver, policy: DropPolicy.Wait);
        var (after, stats) = await Collect(inbox);
        output.WriteLine($"{stats}; bank {first.BankSize} -> {second.BankSize}");
        Assert.All(after, r => Assert.Equal(("v2", (string?)null), (r.ModelVersion, r.Error)));
        bool IsGood(StoredResult r) => r.Source.Contains($"{Path.DirectorySeparatorChar}good{Path.DirectorySeparatorChar}");
        // More good patches in the bank can only bring nearest neighbours closer: good parts do not score higher.
        Assert.True(after.Where(IsGood).Average(r => r.Score) <= before.Where(IsGood).Average(r => r.Score) * 1.0001);
    }

    [Fact]
    public async Task Unknown_line_untrained_line_and_corrupt_frames_each_get_an_explicit_failed_result()
    {
        var unknown = _pipeline.StartLine("nowhere", new LineOptions());
        var inbox = Inbox.Create(_node.System);
        var png = await File.ReadAllBytesAsync(TestFiles(_data)[0]);
        inbox.Send(unknown, new CapturedFrame(new FrameId("nowhere", "c", 1), png, "a.png"));
        Assert.IsType<FrameAccepted>(await inbox.ReceiveAsync(TimeSpan.FromSeconds(10)));
        var unknownResult = Assert.IsType<StoredResult>(await inbox.ReceiveAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("unknown line", unknownResult.Error);

        await _pipeline.Registry.Ask<LineRegistered>(new RegisterLine("untrained"), TimeSpan.FromSeconds(10));
        var untrained = _pipeline.StartLine("untrained", new LineOptions());
        inbox.Send(untrained, new CapturedFrame(new FrameId("untrained", "c", 1), png, "a.png"));
        Assert.IsType<FrameAccepted>(await inbox.ReceiveAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("no trained model", Assert.IsType<StoredResult>(await inbox.ReceiveAsync(TimeSpan.FromSeconds(10))).Error);

        await _pipeline.Train("corrupt-check", _data, shards: 1, TimeSpan.FromMinutes(3));
        var line = _pipeline.StartLine("corrupt-check", new LineOptions());
        inbox.Send(line, new CapturedFrame(new FrameId("corrupt-check", "c", 1), png[..(png.Length / 2)], "half.png"));
        inbox.Send(line, new CapturedFrame(new FrameId("corrupt-check", "c", 2), png, "whole.png"));
        var replies = new List<object>();
        for (int i = 0; i < 4; i++) replies.Add(await inbox.ReceiveAsync(TimeSpan.FromSeconds(30)));
        var stored = replies.OfType<StoredResult>().OrderBy(r => r.Frame.Sequence).ToList();
        Assert.Equal(2, replies.OfType<FrameAccepted>().Count());
        Assert.Contains("truncated", stored[0].Error);
        Assert.Null(stored[1].Error);
    }

    [Fact]
    public async Task A_camera_faster_than_the_line_drops_and_counts_frames_and_loses_none()
    {
        await _pipeline.Train("busy", _data, shards: 1, TimeSpan.FromMinutes(3));
        var line = _pipeline.StartLine("busy", new LineOptions { MaxInFlight = 2 });
        var files = Enumerable.Repeat(TestFiles(_data), 4).SelectMany(f => f).ToList();
        var inbox = Inbox.Create(_node.System);
        _pipeline.StartReplayCamera("busy", "fast", line, files, framesPerSecond: 200, observer: inbox.Receiver);
        var (results, stats) = await Collect(inbox);
        output.WriteLine($"{stats}");
        Assert.Equal(files.Count, stats.Captured);
        Assert.True(stats.Dropped > 0, "a 200 fps camera must outrun a 2-frame window on this machine");
        Assert.Equal(stats.Captured, stats.Accepted + stats.Dropped);
        Assert.Equal(stats.Accepted, results.Count);
        Assert.Equal(results.Count, results.Select(r => r.Frame.Sequence).Distinct().Count());
    }
}
