using Akka.Actor;
using Akka.Hosting;
using Inspection.Actors.Hosting;
using Inspection.Actors.Lines;
using Inspection.Actors.Messages;
using Inspection.Actors.Results;
using Inspection.Actors.Training;
using Inspection.Engine.Data;
using Inspection.Engine.PatchCore;
using SkiaSharp;
using Xunit;
using Xunit.Abstractions;

namespace Inspection.Actors.Tests;

/// <summary>
/// A line on a node without a gpu (ingest only) and the gpu node that scores its frames, over TCP on 127.0.0.1: the
/// frames' images are written by the gpu node, in its own results folder, and the results reach the line without their
/// maps (the serializer's count of InspectionResult bytes shows it). The line's node gets each image from the gpu node,
/// drawn there when first asked for, and says why when that node is gone.
/// </summary>
public sealed class ResultImagesOnScoringNodeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Images_stay_on_the_gpu_node_and_the_lines_node_gets_them_from_there()
    {
        using var folder = new TempFolder();
        string data = folder.File("line");
        SyntheticProductLine.Generate(data, new SyntheticLineOptions(Seed: 13, TrainGood: 10, TestGood: 3, DefectsPerType: 2, Size: 128));
        var files = MvtecCategory.Open(data).Test.Select(t => t.Path).ToList();
        string ingestFolder = folder.File("ingest-results"), gpuFolder = folder.File("gpu-results");
        int seed = TestSupport.FreePort();
        await using var ingest = await ClusterNode.Start(seed, seed, folder.File("inspection.db"),
            o => ClusterNode.SmallLines(o) with { Roles = ["ingest", "api"], ResultImagesFolder = ingestFolder });
        var gpu = await ClusterNode.Start(TestSupport.FreePort(), seed, folder.File("inspection.db"),
            o => ClusterNode.SmallLines(o) with { Roles = ["gpu"], ResultImagesFolder = gpuFolder });
        try
        {
            await ClusterNode.AllUp([ingest, gpu], TimeSpan.FromSeconds(30));
            var bytes = SerializedBytes.Count([ingest.Address, gpu.Address], out var listener);
            using var _ = listener;
            var trainer = await ActorRegistry.For(gpu.System).GetAsync<TrainingCoordinator>();
            var settings = LineSettings.Default with { ImageSize = 128, CoresetRatio = 0.1, Shards = 1, Replicas = 1 };
            Assert.IsType<TrainingCompleted>(await trainer.Ask<object>(new TrainLine("kept", data, 1, settings), TimeSpan.FromMinutes(3)));

            var pipeline = await InspectionPipeline.For(ingest.System);
            var line = pipeline.StartLine("kept", new LineOptions { Images = ImagePolicy.OnRequest });
            var inbox = Inbox.Create(ingest.System);
            for (int i = 0; i < files.Count; i++) inbox.Send(line, new CapturedFrame(new FrameId("kept", "cam", i), File.ReadAllBytes(files[i]), files[i]));
            var results = new List<StoredResult>();
            while (results.Count < files.Count)
                if (await inbox.ReceiveAsync(TimeSpan.FromSeconds(60)) is StoredResult r) results.Add(r);

            Assert.All(results, r => Assert.Null(r.Error));
            Assert.All(results, r => Assert.True(ResultFiles.Within(gpuFolder, r.HeatmapPath!), $"{r.HeatmapPath} is not in the gpu node's folder"));
            Assert.False(Directory.Exists(ingestFolder), "the line's node writes no images");
            // A 128 x 128 map in half precision is 32 KB; the results crossed without one.
            long resultBytes = bytes.GetValueOrDefault(nameof(InspectionResult));
            output.WriteLine($"InspectionResult: {resultBytes} bytes for {results.Count} frames");
            Assert.InRange(resultBytes, 1, results.Count * 1024L);

            // The line's node asks the gpu node, which draws the overlay and mask now (they were kept as frame and map).
            var source = new ResultImageSource(ingest.System, ingestFolder, TimeSpan.FromSeconds(5));
            var first = results[0];
            Assert.False(File.Exists(first.HeatmapPath), "the overlay is drawn when first asked for");
            var overlay = await source.Get(first.HeatmapPath!, ResultImageKind.Overlay, CancellationToken.None);
            Assert.True(overlay.Held, overlay.Problem);
            Assert.Equal(File.ReadAllBytes(first.HeatmapPath!), overlay.Bytes);
            using (var png = SKBitmap.Decode(overlay.Bytes)) Assert.Equal((128, 128), (png.Width, png.Height));
            var frame = await source.Get(first.HeatmapPath!, ResultImageKind.Image, CancellationToken.None);
            Assert.Equal(File.ReadAllBytes(first.Source), frame.Bytes);
            var mask = await source.Get(first.HeatmapPath!, ResultImageKind.Mask, CancellationToken.None);
            Assert.NotNull(mask.Bytes);

            // A path the gpu node does not keep: no node has it, and the answer says so.
            var unknown = await source.Get(Path.Combine(gpuFolder, "kept", "none-overlay.png"), ResultImageKind.Overlay, CancellationToken.None);
            Assert.Null(unknown.Bytes);
            Assert.Contains("none of the 1 other gpu node(s) up keeps it", unknown.Problem);

            // The gpu node gone: its images cannot be had, and the answer says why instead of hanging.
            await gpu.DisposeAsync();
            var gone = await source.Get(results[1].HeatmapPath!, ResultImageKind.Overlay, CancellationToken.None);
            Assert.Null(gone.Bytes);
            Assert.Contains("gpu node", gone.Problem);
            output.WriteLine(gone.Problem);
        }
        finally
        {
            await gpu.DisposeAsync();
        }
    }
}
