using Inspection.Engine.Backbones;
using Inspection.Engine.Models;
using Inspection.Engine.Native;
using static TorchSharp.torch;
using Inspection.Engine.Tiling;

namespace Inspection.Engine.PatchCore;

/// <summary>
/// A trained model with good images added: the served bank plus the new images' patches the greedy coreset would add
/// to it (<see cref="MemoryBankExtension"/>), with the served model's settings and calibration. Only the new images are
/// read; a tiled model's bank grows from their tiles, as it was trained.
/// </summary>
public static class ModelExtension
{
    /// <param name="served">The served model's metadata (backbone, input, grid, calibration, ...).</param>
    /// <param name="bank">Its bank, [rows * D] row-major, rows in global order.</param>
    /// <param name="settings">Coreset ratio, seed, batch size and kNN budget of the extension.</param>
    /// <param name="source">Where the new model came from, for its training record.</param>
    public static PatchCoreModel Extend(ModelMetadata served, float[] bank, IReadOnlyList<string> files, PatchCoreSettings settings, Device device, string source)
    {
        if (files.Count == 0) throw new ArgumentException("No images were given.", nameof(files));
        int dims = served.EmbeddingDimensions;
        if (bank.Length == 0 || bank.Length % dims != 0)
            throw new ArgumentException($"A bank of {bank.Length} floats is not a whole number of {dims}-wide rows.", nameof(bank));
        var backbone = BackboneFactory.Create(served.Backbone, served.Layers, device, served.BackboneWeights, precision: served.Precision);
        try
        {
            ITrainingPatchSource patches = served.TileOverlap is { } overlap ? new TiledPatchSource(backbone, overlap) : new LocalPatchSource(backbone);
            float[] added;
            int projected;
            using (var scope = NewDisposeScope())
            {
                var batches = patches.Batches(files, settings.BatchSize, served.ImageSize).Select(batch => batch.reshape(-1, dims)).ToList();
                var oldBank = tensor(bank, [bank.Length / dims, dims]).to(device);
                (var rows, projected) = MemoryBankExtension.Extend(oldBank, cat(batches, 0), settings);
                added = HostArrays.ToArray<float>(rows.cpu());
            }
            var extended = new float[bank.Length + added.Length];
            bank.CopyTo(extended, 0);
            added.CopyTo(extended, bank.Length);
            int total = extended.Length / dims;
            var metadata = served with
            {
                CoresetRatio = settings.CoresetRatio, ProjectionDimensions = projected, Seed = settings.Seed,
                Training = new TrainingSet
                {
                    Source = source, Images = files.Count, Patches = added.Length / dims, BankSize = total, TrainedAt = DateTimeOffset.UtcNow, Seconds = 0,
                    Aspect = served.Training.Aspect,
                },
            };
            return new PatchCoreModel(metadata, backbone, extended, total, dims);
        }
        catch
        {
            backbone.Dispose();
            throw;
        }
    }
}
