using Inspection.Engine.PatchCore;
using Xunit;
using static TorchSharp.torch;
using Inspection.Engine.Search;

namespace Inspection.Engine.Tests.PatchCore;

public class ImageScoreReweightingTests
{
    [Fact]
    public void One_neighbour_gives_the_largest_patch_distance()
    {
        using var bank = tensor(new float[] { 0, 0, 1, 0 }, [2, 2]);
        using var search = new NearestNeighbourSearch(bank);
        using var scores = tensor(new float[] { 0.5f, 2f, 1f }, [1, 3]);
        using var locations = zeros(new long[] { 1, 3 }, ScalarType.Int64);
        using var patches = zeros(1, 3, 2);
        using var s = ImageScoreReweighting.Score(scores, locations, patches, search, 1);
        Assert.Equal(2f, s.item<float>());
    }

    [Fact]
    public void Eq7_weight_follows_anomalib_by_hand()
    {
        // Bank: m0=(0,0), m1=(1,0), m2=(0,3). Test patch with the largest score: (0,-2), nearest m0 at distance 2.
        // Neighbours of m0 in the bank (k=2): m0 (0), m1 (1). Distances of the test patch to them: 2 and sqrt(5).
        // weight = 1 - softmax([2, sqrt 5])[0] = 1 - e^2/(e^2+e^sqrt5); score = 2 * weight.
        using var bank = tensor(new float[] { 0, 0, 1, 0, 0, 3 }, [3, 2]);
        using var search = new NearestNeighbourSearch(bank);
        using var scores = tensor(new float[] { 0.1f, 2f }, [1, 2]);
        using var locations = tensor(new long[] { 1, 0 }, [1, 2]);
        using var patches = tensor(new float[] { 1, 0.1f, 0, -2 }, [1, 2, 2]);
        using var s = ImageScoreReweighting.Score(scores, locations, patches, search, 2);
        double e2 = Math.Exp(2), e5 = Math.Exp(Math.Sqrt(5));
        Assert.Equal(2 * (1 - e2 / (e2 + e5)), s.item<float>(), 4);
    }
}
