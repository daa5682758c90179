using System.Diagnostics;
using Inspection.Engine.Backbones;
using Inspection.Engine.Imaging;
using Inspection.Engine.PatchCore;
using static TorchSharp.torch;

namespace Inspection.Host.Cli;

/// <summary>
/// Whole inference (backbone, embedding, kNN, Eq. 7, maps) against bank size, for the engine alone and through the actor
/// pipeline on one node: the trained model's backbone and calibration with a random bank of each size (search cost does
/// not depend on the values). Each measurement runs for a time budget (at least one timed batch), so the large banks of a
/// CPU finish while a GPU still times every image given.
/// </summary>
public static class BankSweepBench
{
    public sealed record Row(long BankSize, int Batch, int EngineImages, double EngineImagesPerSecond, double EngineP50BatchMs, double EngineP99BatchMs,
        PipelineBench.Figures? Pipeline)
    {
        public double? PipelineShare => Pipeline is null ? null : Pipeline.FramesPerSecond / EngineImagesPerSecond;
    }

    public static List<Row> Run(PatchCoreModel trained, PatchCoreSettings settings, Device device, string deviceOption,
        IReadOnlyList<PreparedImage> prepared, IReadOnlyList<string> files, IReadOnlyList<long> bankSizes, int shards, TimeSpan budget,
        Action<string> report)
    {
        var rows = new List<Row>();
        int batch = settings.BatchSize, dims = trained.Metadata.EmbeddingDimensions;
        foreach (long size in bankSizes)
        {
            report($"bank sweep: {size:N0} vectors");
            var model = WithRandomBank(trained, settings, device, (int)size, dims);
            try
            {
                var (images, perSecond, p50, p99) = TimeEngine(model, prepared, batch, budget);
                PipelineBench.Figures? pipeline = null;
                if (shards > 0)
                {
                    // As many frames as the engine did in the budget, so both paths are timed over similar spans.
                    int frames = Math.Clamp((int)Math.Round(perSecond * budget.TotalSeconds), batch, Math.Max(batch, files.Count));
                    pipeline = PipelineBench.Run(model, files, deviceOption, batch, Math.Min(shards, (int)size), window: 4 * batch, frames)
                        .GetAwaiter().GetResult();
                }
                rows.Add(new Row(size, batch, images, perSecond, p50, p99, pipeline));
            }
            finally
            {
                model.Dispose();
                GC.Collect(); // the host copies of a large bank (model input, shard messages) go before the next size
            }
        }
        return rows;
    }

    private static PatchCoreModel WithRandomBank(PatchCoreModel trained, PatchCoreSettings settings, Device device, int size, int dims)
    {
        Tensor bank;
        using (var generator = new Generator(7))
            bank = randn([size, dims], generator: generator); // the model takes it over: no host array copy
        var backbone = BackboneFactory.Create(settings.Backbone, settings.Layers, device, settings.BackboneWeights, null, settings.Precision);
        var metadata = trained.Metadata with { Training = trained.Metadata.Training with { BankSize = size } };
        return new PatchCoreModel(metadata, backbone, bank, settings.KnnBudgetBytes);
    }

    /// <summary>Batches over the prepared images (repeated as needed) until all were timed or the budget is spent.</summary>
    private static (int Images, double PerSecond, double P50, double P99) TimeEngine(PatchCoreModel model, IReadOnlyList<PreparedImage> prepared,
        int batch, TimeSpan budget)
    {
        model.Inspect(prepared.Take(1).ToList()); // warm-up: allocator, kernels
        var latencies = new List<double>();
        var wall = Stopwatch.StartNew();
        int done = 0;
        while (done == 0 || (done + batch <= prepared.Count && wall.Elapsed < budget))
        {
            var images = Enumerable.Range(done, batch).Select(i => prepared[i % prepared.Count]).ToList();
            latencies.Add(model.Inspect(images).Timings.Total);
            done += batch;
        }
        double seconds = wall.Elapsed.TotalSeconds;
        var (p50, p99) = Latencies.Percentiles(latencies);
        return (done, done / seconds, p50, p99);
    }
}
