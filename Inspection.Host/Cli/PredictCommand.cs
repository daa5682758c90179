using System.CommandLine;
using System.Text.Json;
using Inspection.Engine.Imaging;
using Inspection.Engine.Models;
using Inspection.Engine.PatchCore;
using Microsoft.Extensions.Logging;
using SkiaSharp;
using Inspection.Engine.Tiling;

namespace Inspection.Host.Cli;

/// <summary>
/// <c>inspection predict --model &lt;file&gt; &lt;image|dir&gt;... --out &lt;dir&gt;</c>: one JSON line per image on stdout (and in
/// out/results.jsonl) and a heatmap overlay PNG per image. An unusable image gets an error line; the others are still scored.
/// </summary>
public static class PredictCommand
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static Command Create()
    {
        var engine = new EngineOptions();
        var model = new Option<string>("--model") { Description = "Model file written by train.", Required = true };
        var output = new Option<string>("--out") { Description = "Folder for heatmaps and results.jsonl.", Required = true }.OutputFolder();
        var inputs = new Argument<string[]>("inputs") { Description = "Image files, or folders whose images (subfolders included) are scored.", Arity = ArgumentArity.OneOrMore };
        var command = new Command("predict", "Score images with a trained model.") { model, output, inputs };
        engine.AddTo(command, training: false);
        command.SetAction(result => CommandRunner.Run(() =>
        {
            using var logging = engine.Logging(result);
            var logger = logging.CreateLogger("predict");
            string outFolder = result.GetValue(output)!;
            var files = PredictInputs.Expand(result.GetValue(inputs)!, exclude: outFolder, warn: Console.Error.WriteLine);
            var device = engine.ResolveDevice(result, logger);
            using var patchCore = PatchCoreModel.Load(result.GetValue(model)!, device, logger, (long)result.GetValue(engine.KnnBudgetMb) << 20);
            Directory.CreateDirectory(outFolder);
            var lines = new List<string>();
            int failed = 0;
            int batchSize = result.GetValue(engine.BatchSize);
            var size = patchCore.Metadata.ImageSize;
            var calibration = patchCore.Metadata.Calibration;
            void Report(string path, SKBitmap original, float score, float[] map, Extent mapSize, StageTimings timings, int images, int? tiles)
            {
                string heatmap = Unique(Path.Combine(outFolder, Path.GetFileNameWithoutExtension(path) + "_heatmap.png"));
                HeatmapRenderer.WriteOverlay(original, map.Select(calibration.NormalisePixel).ToArray(), mapSize.Width, mapSize.Height, 0f, 1f, heatmap);
                Emit(lines, new
                {
                    path,
                    score,
                    normalisedScore = calibration.NormaliseImage(score),
                    verdict = score > calibration.ImageThreshold ? "fail" : "pass",
                    heatmap,
                    tiles,
                    warning = tiles == null && patchCore.Metadata.Training.Aspect is double aspect && !AutoImageSize.Matches(aspect, original.Width, original.Height)
                        ? $"the image is {original.Width}x{original.Height}, far from the training images' aspect (width {aspect:0.###} of the height): its score is less reliable"
                        : null,
                    timingMs = new { total = timings.Total / images, backbone = timings.Backbone / images, embedding = timings.Embedding / images, knn = timings.Knn / images, map = timings.Map / images },
                });
            }

            if (patchCore.Metadata.TileOverlap is int overlap)
            {
                // Tiled model: each image tile by tile, a batch of tiles at a time.
                foreach (var file in files)
                {
                    SKBitmap original;
                    try { original = ImageDecoder.Decode(file); }
                    catch (ImageReadException e)
                    {
                        failed++;
                        Emit(lines, new { path = file, error = e.Message });
                        continue;
                    }
                    using (original)
                    {
                        var tiled = TiledInspection.Inspect(patchCore, original, overlap, batchSize);
                        Report(file, original, tiled.Score, tiled.Map, tiled.MapSize, tiled.Timings, 1, tiled.Tiles);
                    }
                }
            }
            else
                for (int start = 0; start < files.Count; start += batchSize)
                {
                    var prepared = new List<PreparedImage>();
                    foreach (var file in files.Skip(start).Take(batchSize))
                    {
                        try
                        {
                            prepared.Add(PreparedImage.FromFile(file, size));
                        }
                        catch (ImageReadException e)
                        {
                            failed++;
                            Emit(lines, new { path = file, error = e.Message });
                        }
                    }
                    if (prepared.Count == 0) continue;
                    var scored = patchCore.Inspect(prepared);
                    for (int i = 0; i < prepared.Count; i++)
                    {
                        using var original = ImageDecoder.Decode(prepared[i].Name);
                        Report(prepared[i].Name, original, scored.ImageScores[i], scored.AnomalyMaps[i], size, scored.Timings, prepared.Count, null);
                    }
                }
            // Whole or not at all, like the model file: a results.jsonl is never a cut-off list.
            AtomicFile.WriteLines(Path.Combine(outFolder, "results.jsonl"), lines);
            if (failed == files.Count)
            {
                Console.Error.WriteLine($"error: none of the {files.Count} image(s) could be scored (each has a JSON line with its error)");
                return ExitCodes.BadInput;
            }
            if (failed > 0) Console.Error.WriteLine($"error: {failed} of {files.Count} images could not be scored (see their error lines)");
            return failed > 0 ? ExitCodes.SomeImagesFailed : ExitCodes.Success;
        }));
        return command;
    }

    private static void Emit(List<string> lines, object line)
    {
        string json = JsonSerializer.Serialize(line, Json);
        Console.WriteLine(json);
        lines.Add(json);
    }

    private static string Unique(string path)
    {
        string candidate = path;
        for (int i = 2; File.Exists(candidate); i++)
            candidate = Path.Combine(Path.GetDirectoryName(path)!, $"{Path.GetFileNameWithoutExtension(path)}_{i}.png");
        return candidate;
    }
}
