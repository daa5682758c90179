using static TorchSharp.torch;
using Inspection.Engine.Sampling;
using Inspection.Engine.Search;

namespace Inspection.Engine.PatchCore;

/// <summary>
/// Adds good images' patches to a trained memory bank as the greedy coreset would have, had the images been in the
/// training set: the new patches start at their distance to the bank (under the training's projection), and the
/// greedy k-center selection continues from there, so a new patch already covered by the bank is taken only after
/// every uncovered one. The trainer uses it for the images it held back to calibrate on; a line's "add good images"
/// uses it for new images. Only the new patches are read, never the original training set.
/// </summary>
public static class MemoryBankExtension
{
    /// <param name="projectedBank">[M, d] the bank's rows under the projection the bank was selected with.</param>
    /// <param name="projectedPatches">[n, d] the new patches under the same projection, on the same device.</param>
    /// <param name="count">How many new patches to keep (1..n).</param>
    /// <returns>Indices into the new patches, in selection order.</returns>
    public static long[] Select(Tensor projectedBank, Tensor projectedPatches, long count, long budgetBytes = NearestNeighbourSearch.DefaultBudgetBytes,
        Action<long>? progress = null)
    {
        if (projectedBank.dim() != 2 || projectedPatches.dim() != 2 || projectedBank.shape[1] != projectedPatches.shape[1])
            throw new ArgumentException($"Bank [{string.Join(", ", projectedBank.shape)}] and patches [{string.Join(", ", projectedPatches.shape)}] " +
                "must be projected to the same dimensions.");
        using var scope = NewDisposeScope();
        Tensor covered;
        // Exact 1-NN; on the CPU the pruned search, as the bank's patches keep their principal axes under the projection.
        using (var search = new NearestNeighbourSearch(projectedBank.to(ScalarType.Float32), budgetBytes))
        {
            var (distances, _) = search.Search(projectedPatches.to(ScalarType.Float32), 1);
            covered = distances.flatten().square();
        }
        return CoresetSampler.Select(projectedPatches, count, seed: 0, progress, covered);
    }

    /// <summary>
    /// The rows of <paramref name="patches"/> a line's "add good images" appends to <paramref name="bank"/>: both
    /// projected with one random projection (the training's own is not kept, and any one projection of old rows and
    /// new patches together keeps the greedy continuation consistent), then <see cref="Select"/> of
    /// <c>CoresetRatio</c> of the new patches (at least one).
    /// </summary>
    /// <param name="bank">[M, D] the trained bank.</param>
    /// <param name="patches">[n, D] the new images' patch features, on the bank's device.</param>
    /// <returns>The selected rows [k, D] (owned by the caller's dispose scope), and the projection's dimensions.</returns>
    public static (Tensor Rows, int ProjectionDimensions) Extend(Tensor bank, Tensor patches, PatchCoreSettings settings)
    {
        if (bank.dim() != 2 || patches.dim() != 2 || bank.shape[1] != patches.shape[1] || patches.shape[0] == 0)
            throw new ArgumentException($"Bank [{string.Join(", ", bank.shape)}] and patches [{string.Join(", ", patches.shape)}] must be non-empty matrices of one width.");
        int dims = (int)bank.shape[1];
        int projected = settings.ProjectionDimensionsFor(bank.shape[0] + patches.shape[0], dims);
        using var scope = NewDisposeScope();
        using var projection = new RandomProjection(dims, projected, settings.Seed, bank.device);
        long count = Math.Max(1, (long)(patches.shape[0] * settings.CoresetRatio));
        var selected = Select(projection.Apply(bank), projection.Apply(patches), count, settings.KnnBudgetBytes);
        return (patches.index_select(0, tensor(selected, device: patches.device)).MoveToOuterDisposeScope(), projected);
    }
}
