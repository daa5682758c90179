using Inspection.Engine.Metrics;
using Xunit;

namespace Inspection.Engine.Tests.Metrics;

public class AuproTests
{
    [Fact]
    public void PerfectMapsScoreOne()
    {
        bool[] mask = [true, true, false, false, false, false, false, true, false];
        float[] map = mask.Select(m => m ? 1f : 0f).ToArray();
        Assert.Equal(1.0, Aupro.Compute([map], [mask], 3, 3), 12);
    }

    // Two 4x2 images, 16 pixels in total.
    //   Image A: region R1 = left 2x2 block (indices 0, 1, 4, 5), size 4; normals at 2, 3, 6, 7.
    //   Image B: region R2 = (2,1), (3,1) (indices 6, 7), size 2; normals at 0..5.
    // 10 normal pixels -> each adds 0.1 FPR. 2 regions -> an R1 pixel adds 1/(4*2) = 0.125 PRO,
    // an R2 pixel adds 1/(2*2) = 0.25 PRO.
    // Scores: R1 = 0.9, 0.9, 0.5, 0.2; R2 = 0.8, 0.3; normals = 0.7, 0.5, 0.4 and seven at 0.1.
    // Descending thresholds, (FPR, PRO):
    //   start (0, 0); 0.9: (0, 0.25); 0.8: (0, 0.5); 0.7: (0.1, 0.5);
    //   0.5 (one R1 and one normal pixel, tied -> one step): (0.2, 0.625); 0.4: (0.3, 0.625);
    //   0.3: (0.3, 0.875); 0.2: (0.3, 1); 0.1: (1, 1).
    private static readonly bool[] MaskA = [true, true, false, false, true, true, false, false];
    private static readonly float[] MapA = [0.9f, 0.9f, 0.7f, 0.1f, 0.5f, 0.2f, 0.5f, 0.1f];
    private static readonly bool[] MaskB = [false, false, false, false, false, false, true, true];
    private static readonly float[] MapB = [0.4f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.8f, 0.3f];

    [Fact]
    public void TwoRegionsOfDifferentSizesUpToThirtyPercent()
    {
        // Trapezoids up to FPR 0.3: 0 + 0 + 0.1 * 0.5 + 0.1 * (0.5 + 0.625) / 2 + 0.1 * 0.625
        //   = 0.05 + 0.05625 + 0.0625 = 0.16875; / 0.3 = 0.5625.
        double result = Aupro.Compute([MapA, MapB], [MaskA, MaskB], 4, 2, 0.3);
        Assert.Equal(0.5625, result, 12);
    }

    [Fact]
    public void InterpolatesAtTheLimit()
    {
        // Limit 0.15 falls between (0.1, 0.5) and (0.2, 0.625): PRO there = 0.5 + 0.5 * 0.125 = 0.5625.
        // Area = 0.05 + 0.05 * (0.5 + 0.5625) / 2 = 0.05 + 0.0265625 = 0.0765625; / 0.15 = 0.510416666...
        double result = Aupro.Compute([MapA, MapB], [MaskA, MaskB], 4, 2, 0.15);
        Assert.Equal(0.0765625 / 0.15, result, 12);
    }

    [Fact]
    public void FullRangeLimit()
    {
        // Limit 1: the 0.16875 above plus the flat segment from (0.3, 1) to (1, 1) = 0.7 -> 0.86875.
        double result = Aupro.Compute([MapA, MapB], [MaskA, MaskB], 4, 2, 1.0);
        Assert.Equal(0.86875, result, 12);
    }

    [Fact]
    public void DefectiveImageWithEmptyMaskCountsAsNormalPixels()
    {
        // Image C has no annotated pixels, so its 8 pixels are normal: 18 normal pixels in total.
        // Its scores are all 0.95, above everything else, so the first step is (8/18, 0) and already passes
        // the 0.3 limit: PRO is 0 up to the limit -> AUPRO 0. Were C ignored the result would be 0.5625.
        var emptyMask = new bool[8];
        float[] mapC = Enumerable.Repeat(0.95f, 8).ToArray();

        double result = Aupro.Compute([MapA, MapB, mapC], [MaskA, MaskB, emptyMask], 4, 2, 0.3);

        Assert.Equal(0.0, result, 12);
    }

    [Fact]
    public void EmptyMaskWithLowScoresLeavesPerfectDetectorPerfect()
    {
        bool[] mask = [true, false, false, false];
        float[] map = [1f, 0f, 0f, 0f];
        Assert.Equal(1.0, Aupro.Compute([map, new float[4]], [mask, new bool[4]], 2, 2), 12);
    }

    [Fact]
    public void AllNormalIsNaN()
    {
        float[] map = [0.1f, 0.2f, 0.3f, 0.4f];
        Assert.True(double.IsNaN(Aupro.Compute([map, map], [new bool[4], new bool[4]], 2, 2)));
    }

    [Fact]
    public void NoNormalPixelIsNaN()
    {
        bool[] mask = [true, true, true, true];
        Assert.True(double.IsNaN(Aupro.Compute([new float[4]], [mask], 2, 2)));
    }

    [Fact]
    public void MismatchedSizesThrow()
    {
        Assert.Throws<ArgumentException>(() => Aupro.Compute([new float[3]], [new bool[4]], 2, 2));
        Assert.Throws<ArgumentException>(() => Aupro.Compute([new float[4]], [], 2, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Aupro.Compute([new float[4]], [new bool[4]], 2, 2, 0.0));
    }

    [Fact]
    public void Maps_of_different_sizes_pool_their_regions_as_maps_of_one_size_do()
    {
        var random = new Random(3);
        (float[] Map, bool[] Mask) Image(int pixels)
        {
            var mask = new bool[pixels];
            for (int i = pixels / 3; i < pixels / 3 + pixels / 10; i++) mask[i] = true;
            return (Enumerable.Range(0, pixels).Select(i => (float)random.NextDouble() + (mask[i] ? 0.4f : 0f)).ToArray(), mask);
        }
        var a = Image(12 * 10);
        var b = Image(12 * 10);
        double same = Aupro.Compute([a.Map, b.Map], [a.Mask, b.Mask], 12, 10);
        Assert.Equal(same, Aupro.Compute([a.Map, b.Map], [a.Mask, b.Mask], [(12, 10), (12, 10)]), 12);
        // A 12 x 10 image and a 7 x 30 one pool into one curve, and a perfect map scores 1 whatever the sizes.
        var c = Image(7 * 30);
        double pooled = Aupro.Compute([a.Map, c.Map], [a.Mask, c.Mask], [(12, 10), (7, 30)]);
        Assert.InRange(pooled, 0, 1);
        Assert.Equal(1.0, Aupro.Compute([a.Mask.Select(m => m ? 1f : 0f).ToArray(), c.Mask.Select(m => m ? 1f : 0f).ToArray()],
            [a.Mask, c.Mask], [(12, 10), (7, 30)]), 9);
        Assert.Throws<ArgumentException>(() => Aupro.Compute([a.Map, c.Map], [a.Mask, c.Mask], [(12, 10), (12, 10)]));
        Assert.Throws<ArgumentException>(() => Aupro.Compute([a.Map], [a.Mask], [(12, 10), (7, 30)]));
    }
}
