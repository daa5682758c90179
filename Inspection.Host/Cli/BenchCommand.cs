using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Inspection.Engine.Data;
using Inspection.Engine.Evaluation;
using Inspection.Engine.Imaging;
using Inspection.Engine.Models;
using Inspection.Engine.Native;
using Inspection.Engine.PatchCore;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using Inspection.Engine.Sampling;

namespace Inspection.Host.Cli;

/// <summary>
/// <c>inspection bench --data &lt;category&gt;</c>: trains once, then times each stage (decode, backbone, embedding, kNN,
/// map) over the test images at several batch sizes; then kNN alone, and engine and actor pipeline side by side, against
/// bank size; reports coreset time, images/s, p50/p99 and peak memory as tables and JSON, with a plot.
/// </summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var engine = new EngineOptions();
        var data = new Option<string>("--data") { Description = "Category folder in MVTec layout.", Required = true };
        var output = new Option<string?>("--out") { Description = "Write bench.json here." }.OutputFolder();
        var batches = new Option<int[]>("--batch-sizes") { Description = "Batch sizes to time.", DefaultValueFactory = _ => [1, 8, 32], AllowMultipleArgumentsPerToken = true }
            .EachInRange(1, EngineOptions.MaxBatch);
        var repeats = new Option<int>("--images") { Description = "Images to time per batch size (test images, repeated as needed).", DefaultValueFactory = _ => 64 }
            .InRange(1, 100_000);
        var bankSizes = new Option<long[]>("--bank-sizes") { Description = "Bank sizes for the kNN scaling table (random banks; the option with no value skips it).", DefaultValueFactory = _ => [16_384, 163_840, 1_048_576], AllowMultipleArgumentsPerToken = true, Arity = ArgumentArity.ZeroOrMore }
            .EachInRange(1L, int.MaxValue);
        var mappedBank = new Option<long>("--mapped-bank") { Description = "Also search one image against a random bank of this many vectors, memory-mapped from a temporary file (0 skips; 10000000 needs 15 GB of disk).", DefaultValueFactory = _ => 0 }
            .InRange(0L, int.MaxValue);
        var pipelineShards = new Option<int>("--pipeline-shards") { Description = "Shards for the actor-pipeline measurements (0 skips them).", DefaultValueFactory = _ => 2 }
            .InRange(0, 64);
        var sweepSeconds = new Option<double>("--sweep-seconds") { Description = "Time budget per bank size and path in the engine/pipeline bank sweep (0 skips the sweep).", DefaultValueFactory = _ => 30 }
            .InRange(0.0, 3600.0);
        var coresetPoints = new Option<long>("--coreset-points") { Description = "Also time a 10% greedy coreset of this many random 128-d points, as in the issue's reference table (204800; minutes on a CPU; 0 skips it, else at least 10).", DefaultValueFactory = _ => 0 }
            .InRange(0L, 100_000_000L).Where(n => n is 0 or >= 10, "must be 0 (skip) or at least 10, so that a tenth of the points is at least one");
        var knnImages = new Option<int>("--knn-images") { Description = "Images of queries per kNN scaling measurement (64 gives the issue's 65,536-query reference; large batches suit GPUs).", DefaultValueFactory = _ => 1 }
            .InRange(1, EngineOptions.MaxBatch);
        var command = new Command("bench", "Time every stage of training and inference, engine alone and through the actor pipeline.") { data, output, batches, repeats, pipelineShards, bankSizes, mappedBank, sweepSeconds, coresetPoints, knnImages };
        engine.AddTo(command, training: true);
        command.SetAction(result => CommandRunner.Run(() =>
        {
            using var logging = engine.Logging(result);
            var logger = logging.CreateLogger("bench");
            var (settings, device) = engine.Prepare(result, logger);
            // A batch larger than the images timed would be skipped without a word.
            if (result.GetValue(batches)!.FirstOrDefault(b => b > result.GetValue(repeats)) is > 0 and var large)
                throw new ArgumentException($"{batches.Name} {large} is larger than {repeats.Name} {result.GetValue(repeats)}: no batch of {large} could be timed.");
            var category = MvtecCategory.Open(result.GetValue(data)!);
            var split = TrainingSplit.Of(category, settings);
            var trainClock = Stopwatch.StartNew();
            using var model = ConsoleProgress.Run(p => new PatchCoreTrainer(settings, device, logger, p).Train(split, null, category.Root));
            double trainSeconds = trainClock.Elapsed.TotalSeconds;

            var sources = (category.Test.Count > 0 ? category.Test.Select(t => t.Path) : category.TrainGood).ToList();
            int imageCount = result.GetValue(repeats);
            var files = Enumerable.Range(0, imageCount).Select(i => sources[i % sources.Count]).ToList();
            var decodeClock = Stopwatch.StartNew();
            var prepared = files.Select(f => PreparedImage.FromFile(f, model.Metadata.ImageSize)).ToList();
            double decodeMs = decodeClock.Elapsed.TotalMilliseconds / files.Count;
            var encoded = files.Select(File.ReadAllBytes).ToList();

            var backboneCheck = BackboneCheck.Run(settings, device, prepared.Take(settings.BatchSize).ToList(), logger);
            var rows = new List<object>();
            var stageRows = new List<(int Batch, double BackboneMs, double EmbeddingMs)>();
            var table = new Table().AddColumns("batch", "images/s", "backbone ms", "embedding ms", "kNN ms", "map ms", "total ms/img", "p50 batch ms", "p99 batch ms", "images/s, decode included");
            foreach (int batch in result.GetValue(batches)!)
            {
                model.Inspect(prepared.Take(batch).ToList()); // warm-up: allocator, kernels
                var latencies = new List<double>();
                var sum = new StageTimings(0, 0, 0, 0);
                var wall = Stopwatch.StartNew();
                for (int start = 0; start + batch <= prepared.Count; start += batch)
                {
                    var t = model.Inspect(prepared.Skip(start).Take(batch).ToList()).Timings;
                    latencies.Add(t.Total);
                    sum = new StageTimings(sum.Backbone + t.Backbone, sum.Embedding + t.Embedding, sum.Knn + t.Knn, sum.Map + t.Map);
                }
                int done = latencies.Count * batch;
                if (done == 0) continue;
                double perImage(double ms) => ms / done;
                var (p50, p99) = Latencies.Percentiles(latencies);
                double throughput = done / wall.Elapsed.TotalSeconds;
                // The same batches from their encoded bytes, decoded in parallel on the cores as a serving node does:
                // the engine's figure for a service that receives files, not prepared tensors.
                var endToEnd = Stopwatch.StartNew();
                for (int start = 0; start + batch <= prepared.Count; start += batch)
                {
                    var images = new PreparedImage[batch];
                    Parallel.For(0, batch, i => images[i] = PreparedImage.FromBytes(encoded[start + i], files[start + i], model.Metadata.ImageSize));
                    model.Inspect(images);
                }
                double withDecode = done / endToEnd.Elapsed.TotalSeconds;
                stageRows.Add((batch, perImage(sum.Backbone), perImage(sum.Embedding)));
                rows.Add(new { batch, imagesPerSecond = throughput, backboneMs = perImage(sum.Backbone), embeddingMs = perImage(sum.Embedding), knnMs = perImage(sum.Knn), mapMs = perImage(sum.Map), totalMsPerImage = perImage(sum.Total), p50BatchMs = p50, p99BatchMs = p99, imagesPerSecondWithDecode = withDecode });
                string F(double v) => v.ToString("F1", CultureInfo.InvariantCulture);
                table.AddRow(batch.ToString(), F(throughput), F(perImage(sum.Backbone)), F(perImage(sum.Embedding)), F(perImage(sum.Knn)), F(perImage(sum.Map)), F(perImage(sum.Total)), F(p50), F(p99), F(withDecode));
            }
            var scaling = KnnScalingBench.Run(BankSizes(result, bankSizes), model.Metadata.EmbeddingDimensions, (int)model.Metadata.PatchGrid.Area,
                images: result.GetValue(knnImages), device, settings.EffectiveKnnPrecision, settings.KnnBudgetBytes);
            long mappedRows = result.GetValue(mappedBank);
            var mapped = mappedRows > 0
                ? KnnScalingBench.RunMapped(mappedRows, model.Metadata.EmbeddingDimensions, (int)model.Metadata.PatchGrid.Area, settings.KnnBudgetBytes)
                : ((KnnScalingBench.Row, double)?)null;
            PipelineBench.Figures? pipeline = null;
            int shardCount = result.GetValue(pipelineShards);
            if (shardCount > 0)
            {
                int batch = settings.BatchSize;
                pipeline = PipelineBench.Run(model, sources, result.GetValue(engine.Device)!, batch, shardCount, window: 4 * batch, frames: imageCount)
                    .GetAwaiter().GetResult();
            }
            var sweep = result.GetValue(sweepSeconds) > 0
                ? BankSweepBench.Run(model, settings, device, result.GetValue(engine.Device)!, prepared, sources, BankSizes(result, bankSizes),
                    shardCount, TimeSpan.FromSeconds(result.GetValue(sweepSeconds)), line => Console.Error.WriteLine(line))
                : [];
            long coresetN = result.GetValue(coresetPoints);
            // 128-d random points unless --projection-dims says otherwise: the figure the GPU reference table states.
            int coresetDims = settings.ProjectionDimensions ?? 128;
            double? coresetRandomSeconds = coresetN > 0 ? TimeRandomCoreset(coresetN, coresetDims, device) : null;
            var peakMb = Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0);
            // The reference backbone figure: backbone to layer3 + pooling + upsampling + concatenation, at the
            // largest batch timed.
            var largest = stageRows.Count > 0 ? stageRows.MaxBy(r => r.Batch) : default;
            double? backboneImagesPerSecond = stageRows.Count > 0 ? 1000 / (largest.BackboneMs + largest.EmbeddingMs) : null;
            var report = new
            {
                dataset = category.Root,
                device = device.ToString(),
                libtorch = LibTorchLoader.Description,
                processors = Environment.ProcessorCount,
                trainImages = model.Metadata.Training.Images,
                trainSeconds,
                coresetSeconds = model.Metadata.Training.CoresetSeconds,
                patches = model.Metadata.Training.Patches,
                bankSize = model.BankSize,
                decodeMsPerImage = decodeMs,
                peakWorkingSetMb = peakMb,
                rows,
                backbone = backboneImagesPerSecond is { } bps ? new { batch = largest.Batch, imagesPerSecond = bps } : null,
                backboneCheck,
                knnScaling = scaling,
                mappedBank = mapped is { } m ? new { m.Item1.BankSize, m.Item1.MsPerBatch, m.Item1.TeraFlops, anonymousMemoryGb = m.Item2 } : null,
                pipeline,
                coresetRandom = coresetRandomSeconds is { } cs ? new { points = coresetN, selected = coresetN / 10, dimensions = coresetDims, seconds = cs } : null,
                bankSweep = sweep.Select(r => new { r.BankSize, r.Batch, r.EngineImages, r.EngineImagesPerSecond, r.EngineP50BatchMs, r.EngineP99BatchMs, r.Pipeline, r.PipelineShare }),
            };
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out), Interactive = InteractionSupport.No, ColorSystem = ColorSystemSupport.NoColors });
            console.Profile.Width = 160; // tables are read in logs and CI output, not only on narrow terminals
            Console.WriteLine($"device {device} ({LibTorchLoader.Description}), {Environment.ProcessorCount} cores");
            Console.WriteLine($"train: {model.Metadata.Training.Images} images, {model.Metadata.Training.Patches} patches -> bank {model.BankSize} in {trainSeconds:F1} s (coreset {model.Metadata.Training.CoresetSeconds:F1} s)");
            Console.WriteLine($"decode + resize: {decodeMs:F1} ms/image; peak working set {peakMb:F0} MB");
            Console.WriteLine($"backbone check ({settings.Precision}): folded network against module by module, largest difference " +
                $"{backboneCheck.MaxDifference:G3} for a largest feature of {backboneCheck.LargestFeature:G3}");
            console.Write(table);
            if (backboneImagesPerSecond is { } backboneRate)
                Console.WriteLine($"backbone + embedding at batch {largest.Batch}: {backboneRate:F0} images/s");
            if (coresetRandomSeconds is { } randomSeconds)
                Console.WriteLine($"coreset of random points: {coresetN:N0} -> {coresetN / 10:N0} ({coresetDims}-d) in {randomSeconds:F2} s on {device}");
            int knnBatch = result.GetValue(knnImages);
            var knnTable = new Table().AddColumns("bank vectors", knnBatch == 1 ? "ms per image" : $"ms per {knnBatch} images", "images/s", "TFLOP/s");
            foreach (var row in scaling)
                knnTable.AddRow(row.BankSize.ToString("N0"), row.MsPerBatch.ToString("F1"), row.ImagesPerSecond.ToString("F1"), row.TeraFlops.ToString("F3"));
            if (scaling.Count > 0)
            {
                int patches = (int)model.Metadata.PatchGrid.Area;
                Console.WriteLine($"exact 1-NN against bank size ({settings.EffectiveKnnPrecision}, random banks, {knnBatch} image(s) of {patches} patches, {(long)knnBatch * patches:N0} queries):");
                console.Write(knnTable);
            }
            if (mapped is { } mb)
                Console.WriteLine($"memory-mapped bank of {mb.Item1.BankSize:N0} vectors: {mb.Item1.MsPerBatch / 1000:F1} s per image ({mb.Item1.TeraFlops:F3} TFLOP/s), anonymous memory {mb.Item2:F2} GB");
            if (pipeline != null)
                Console.WriteLine($"actor pipeline (one node, {pipeline.Shards} shards, batch {settings.BatchSize}, {pipeline.Window} frames in flight): " +
                                  $"{pipeline.FramesPerSecond:F1} frames/s over {pipeline.Frames} frames (decode included), latency p50 {pipeline.P50Ms:F0} ms, p99 {pipeline.P99Ms:F0} ms, {pipeline.Failed} failed");
            if (pipeline is { Stages.Count: > 0 })
            {
                Console.WriteLine($"pipeline stages (each actor's own work; {1000 / pipeline.FramesPerSecond:F1} ms of wall clock per frame; stages on different threads overlap):");
                var stageTable = new Table().AddColumns("stage", "calls", "p50 ms", "p99 ms", "ms per frame");
                foreach (var stage in pipeline.Stages)
                    stageTable.AddRow(stage.Name, stage.Calls.ToString(), stage.P50Ms.ToString("F1"), stage.P99Ms.ToString("F1"), stage.MsPerFrame.ToString("F1"));
                console.Write(stageTable);
            }
            if (sweep.Count > 0)
            {
                Console.WriteLine($"whole inference against bank size (random banks, batch {settings.BatchSize}; pipeline: one node, {shardCount} shards, decode included):");
                var sweepTable = new Table().AddColumns("bank vectors", "engine images/s", "engine p50 / p99 batch ms", "pipeline frames/s", "pipeline p50 / p99 frame ms", "pipeline / engine");
                foreach (var row in sweep)
                    sweepTable.AddRow(row.BankSize.ToString("N0"), row.EngineImagesPerSecond.ToString("F2"), $"{row.EngineP50BatchMs:F0} / {row.EngineP99BatchMs:F0}",
                        row.Pipeline?.FramesPerSecond.ToString("F2") ?? "-", row.Pipeline is { } p ? $"{p.P50Ms:F0} / {p.P99Ms:F0}" : "-",
                        row.PipelineShare?.ToString("P0") ?? "-");
                console.Write(sweepTable);
            }
            string? outFolder = result.GetValue(output);
            if (outFolder != null)
            {
                Directory.CreateDirectory(outFolder);
                AtomicFile.WriteText(Path.Combine(outFolder, "bench.json"), JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
                var series = new List<(string Name, long[] BankSizes, double[] ImagesPerSecond)>();
                if (scaling.Count > 1) series.Add(("kNN only", scaling.Select(r => r.BankSize).ToArray(), scaling.Select(r => r.ImagesPerSecond).ToArray()));
                if (sweep.Count > 1)
                {
                    series.Add(("engine", sweep.Select(r => r.BankSize).ToArray(), sweep.Select(r => r.EngineImagesPerSecond).ToArray()));
                    var piped = sweep.Where(r => r.Pipeline != null).ToList();
                    if (piped.Count > 1) series.Add(("actor pipeline", piped.Select(r => r.BankSize).ToArray(), piped.Select(r => r.Pipeline!.FramesPerSecond).ToArray()));
                }
                if (series.Count > 0) Reports.Plots.ThroughputByBankSize(Path.Combine(outFolder, "bank-scaling.png"), series, device.ToString());
            }
            return ExitCodes.Success;
        }));
        return command;
    }

    /// <summary>The bank sizes asked for: none when the option is given without a value (its default only when it is absent).</summary>
    private static long[] BankSizes(ParseResult result, Option<long[]> option) =>
        result.GetResult(option) is { Implicit: false, Tokens.Count: 0 } ? [] : result.GetValue(option)!;

    /// <summary>
    /// Greedy k-center of N random Gaussian points (the reference operation). Random points have no principal
    /// axes to exploit, so this is the CPU selection's hard case; real patch features are selected faster per point.
    /// </summary>
    private static double TimeRandomCoreset(long points, int dimensions, TorchSharp.torch.Device device)
    {
        using var generator = new TorchSharp.torch.Generator(3);
        using var host = TorchSharp.torch.randn([points, dimensions], generator: generator);
        using var data = host.to(device);
        var clock = Stopwatch.StartNew();
        CoresetSampler.Select(data, points / 10, seed: 0);
        return clock.Elapsed.TotalSeconds;
    }
}
