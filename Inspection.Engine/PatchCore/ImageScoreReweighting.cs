using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using Inspection.Engine.Search;

namespace Inspection.Engine.PatchCore;

/// <summary>
/// The image score of PatchCore's Eq. 7 as anomalib computes it: take the patch with the largest nearest-neighbour
/// distance s*, its nearest bank vector m*, and m*'s <c>k</c> nearest bank vectors N_b(m*); the score is
/// <c>s* (1 - softmax(|m_test - N_b(m*)|)[0])</c>, which lowers the score when m* lies in a dense region of the bank.
/// </summary>
public static class ImageScoreReweighting
{
    /// <param name="patchScores">[B, P] nearest-neighbour distance of every patch.</param>
    /// <param name="locations">[B, P] index of that nearest bank vector.</param>
    /// <param name="patches">[B, P, D] the query patches.</param>
    /// <returns>[B] image scores.</returns>
    public static Tensor Score(Tensor patchScores, Tensor locations, Tensor patches, NearestNeighbourSearch bank, int neighbours)
    {
        using var scope = NewDisposeScope();
        var (maxScore, maxPatch) = patchScores.max(1);
        if (neighbours <= 1) return maxScore.MoveToOuterDisposeScope();
        long batch = patchScores.shape[0];
        var rows = arange(batch, device: patchScores.device);
        var maxFeatures = patches.index(rows, maxPatch).to(ScalarType.Float32);     // [B, D]
        var nearestBankIndex = locations.index(rows, maxPatch);                     // [B]
        var nearestBankVector = bank.Bank.index_select(0, nearestBankIndex);         // [B, D], float32
        int k = (int)Math.Min(neighbours, bank.BankSize);
        var (_, support) = bank.Search(nearestBankVector, k);                        // [B, k]
        var supportVectors = bank.Bank.index_select(0, support.flatten()).reshape(batch, k, -1);
        var distances = SupportDistances(supportVectors, maxFeatures);               // [B, k]
        var weights = 1 - F.softmax(distances, 1).select(1, 0);
        return (weights * maxScore).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// |m_test - N_b(m*)| of Eq. 7: the distance of each image's worst patch to each of its support vectors. One formula
    /// for the single-process score and every slice of a sharded bank, so both give the same scores.
    /// </summary>
    /// <param name="support">[B, k, D] N_b(m*), m* first.</param>
    /// <param name="patches">[B, D] m_test, each image's worst patch.</param>
    /// <returns>[B, k]</returns>
    public static Tensor SupportDistances(Tensor support, Tensor patches) => (support - patches.unsqueeze(1)).pow(2).sum(2).sqrt();

    /// <summary>
    /// The same weight for one image when the pieces come from elsewhere (a sharded bank): <paramref name="supportDistances"/>
    /// are the distances of the test patch to N_b(m*), m* first.
    /// </summary>
    public static float Weighted(float maxScore, ReadOnlySpan<float> supportDistances)
    {
        if (supportDistances.Length <= 1) return maxScore;
        // softmax(d)[0] computed stably, in float like torch.
        float max = float.NegativeInfinity;
        foreach (var d in supportDistances) max = MathF.Max(max, d);
        float sum = 0;
        foreach (var d in supportDistances) sum += MathF.Exp(d - max);
        float first = MathF.Exp(supportDistances[0] - max) / sum;
        return (1 - first) * maxScore;
    }
}
