namespace Inspection.Engine.PatchCore;

/// <summary>
/// The math that turns the answers of a memory bank's shards (contiguous slices, rows named by global index) into
/// what one search of the whole bank gives: the nearest bank vector of every patch, each frame's worst patch and its
/// nearest vector m*, and N_b(m*) with the worst patch's distances to it for Eq. 7's reweighting. Ties go to the lowest
/// global index, as in one search. Plain arrays in and out, so the cluster's scorer only moves messages.
/// </summary>
public static class ShardedSearchMerge
{
    /// <summary>One shard's nearest answer: per query row, its k distances (ascending) and their global indices.</summary>
    public sealed record Nearest(int K, float[] Distances, long[] Indices);

    /// <summary>
    /// One shard's support answer: per frame, the k vectors nearest to m* in the slice (ascending by that distance),
    /// their global indices, and their distances to the frame's worst patch.
    /// </summary>
    public sealed record Support(int K, float[] CenterDistances, long[] Indices, float[] PatchDistances);

    /// <summary>
    /// The global nearest vector of each of <paramref name="rows"/> query rows over every shard's k = 1 answer:
    /// its distance (the patch score) and its global index.
    /// </summary>
    public static (float[] Scores, long[] Locations) MergeNearest(IReadOnlyList<Nearest> shards, int rows)
    {
        var scores = new float[rows];
        var locations = new long[rows];
        Array.Fill(scores, float.PositiveInfinity);
        foreach (var answer in shards)
        {
            if (answer.Distances.Length != rows * answer.K || answer.Indices.Length != rows * answer.K)
                throw new ArgumentException($"a shard answered {answer.Distances.Length} distances for {rows} rows x k = {answer.K}");
            for (int i = 0; i < rows; i++)
            {
                float d = answer.Distances[i * answer.K];
                long index = answer.Indices[i * answer.K];
                if (d < scores[i] || (d == scores[i] && index < locations[i])) { scores[i] = d; locations[i] = index; }
            }
        }
        return (scores, locations);
    }

    /// <summary>Per frame, the row (into <paramref name="scores"/>) of its highest patch score; the first on ties.</summary>
    public static int[] WorstPatches(float[] scores, int frames)
    {
        if (frames < 1 || scores.Length % frames != 0) throw new ArgumentException($"{scores.Length} patch scores do not split into {frames} frames");
        int perFrame = scores.Length / frames;
        var worst = new int[frames];
        for (int f = 0; f < frames; f++)
        {
            int best = f * perFrame;
            for (int i = best + 1; i < (f + 1) * perFrame; i++) if (scores[i] > scores[best]) best = i;
            worst[f] = best;
        }
        return worst;
    }

    /// <summary>
    /// Distances of frame <paramref name="frame"/>'s worst patch to N_b(m*): the <paramref name="k"/> candidates nearest
    /// to m* over all shards (ties to the lower global index, as one search), m* first. These go to
    /// <see cref="ImageScoreReweighting.Weighted"/> with the frame's worst patch score.
    /// </summary>
    public static float[] SupportDistances(IReadOnlyList<Support> shards, int frame, int k)
    {
        var candidates = new List<(float Center, long Index, float Patch)>();
        foreach (var a in shards)
            for (int j = frame * a.K; j < (frame + 1) * a.K; j++) candidates.Add((a.CenterDistances[j], a.Indices[j], a.PatchDistances[j]));
        return candidates.OrderBy(c => c.Center).ThenBy(c => c.Index).Take(k).Select(c => c.Patch).ToArray();
    }
}
