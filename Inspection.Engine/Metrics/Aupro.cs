namespace Inspection.Engine.Metrics;

/// <summary>
/// Area under the per-region-overlap (PRO) curve, the MVTec AD segmentation metric. Unlike pixel AUROC it
/// weighs every ground-truth defect region equally, so a detector cannot score well by only covering the large
/// defects, and it integrates only up to a false-positive-rate limit because operating points that flag a large
/// fraction of good pixels are useless in practice.
/// </summary>
public static class Aupro
{
    /// <summary>
    /// Computes the normalised AUPRO as the MVTec AD evaluation code and anomalib do. Regions are the
    /// 8-connected components of each mask. For every distinct pixel score t (descending; tied scores are one
    /// step) FPR(t) is the fraction of all non-defect pixels, over all images, with score ≥ t, and PRO(t) is the
    /// mean over all regions of all images of the fraction of the region's pixels with score ≥ t. PRO is
    /// integrated over FPR with the trapezoid rule from (0, 0) up to <paramref name="fprLimit"/>, the point at
    /// exactly the limit being linearly interpolated, and divided by the limit so that a perfect detector
    /// scores 1.0. A single radix sort of all pixels keeps this linear in the pixel count.
    /// </summary>
    /// <param name="anomalyMaps">One row-major map of width × height scores per image. NaN is rejected.</param>
    /// <param name="masks">
    /// The matching ground-truth masks. An empty mask is allowed (a good image, or a defective image without
    /// annotated pixels): it contributes no region and all of its pixels count as normal.
    /// </param>
    /// <param name="width">Width of every map and mask.</param>
    /// <param name="height">Height of every map and mask.</param>
    /// <param name="fprLimit">Upper FPR integration limit in (0, 1]; 0.3 is the MVTec AD convention.</param>
    /// <returns>
    /// The normalised AUPRO in [0, 1], or <see cref="double.NaN"/> when there is no defect region at all or no
    /// normal pixel at all, because either the PRO or the FPR axis is then undefined.
    /// </returns>
    /// <exception cref="ArgumentException">Counts or sizes do not match, or a score is NaN.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fprLimit"/> is outside (0, 1].</exception>
    public static double Compute(
        IReadOnlyList<float[]> anomalyMaps,
        IReadOnlyList<bool[]> masks,
        int width,
        int height,
        double fprLimit = 0.3)
    {
        ArgumentNullException.ThrowIfNull(anomalyMaps);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        return Compute(anomalyMaps, masks, Enumerable.Repeat((width, height), anomalyMaps.Count).ToList(), fprLimit);
    }

    /// <summary>The same over maps of different sizes (one width x height per map, as tiled inspection gives each image its own).</summary>
    public static double Compute(
        IReadOnlyList<float[]> anomalyMaps,
        IReadOnlyList<bool[]> masks,
        IReadOnlyList<(int Width, int Height)> sizes,
        double fprLimit = 0.3)
    {
        ArgumentNullException.ThrowIfNull(anomalyMaps);
        ArgumentNullException.ThrowIfNull(masks);
        ArgumentNullException.ThrowIfNull(sizes);
        if (sizes.Count != anomalyMaps.Count) throw new ArgumentException($"{anomalyMaps.Count} anomaly maps but {sizes.Count} sizes.", nameof(sizes));
        foreach (var (w, h) in sizes)
            if (w <= 0 || h <= 0) throw new ArgumentOutOfRangeException(nameof(sizes), $"A map of {w}x{h} has no pixels.");
        if (!(fprLimit > 0.0 && fprLimit <= 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(fprLimit), fprLimit, "Must be in (0, 1].");
        }

        if (anomalyMaps.Count != masks.Count)
        {
            throw new ArgumentException(
                $"{anomalyMaps.Count} anomaly maps but {masks.Count} masks.", nameof(masks));
        }

        long totalPixels = sizes.Sum(z => (long)z.Width * z.Height);
        if (totalPixels > Array.MaxLength)
        {
            throw new ArgumentException($"{totalPixels} pixels exceed the largest array .NET supports.", nameof(anomalyMaps));
        }

        // Every pixel carries the global id of its region (0 = normal) through the sort.
        var keys = new uint[totalPixels];
        var regionOfPixel = new int[totalPixels];
        var regionSizes = new List<long> { 0 };
        var localLabels = new int[sizes.Count == 0 ? 0 : sizes.Max(z => z.Width * z.Height)];
        long normalPixels = 0;
        int baseIndex = 0;
        for (int image = 0; image < anomalyMaps.Count; image++)
        {
            var (width, height) = sizes[image];
            int pixelsPerImage = width * height;
            float[] map = anomalyMaps[image] ?? throw new ArgumentException($"Anomaly map {image} is null.", nameof(anomalyMaps));
            bool[] mask = masks[image] ?? throw new ArgumentException($"Mask {image} is null.", nameof(masks));
            if (map.Length != pixelsPerImage || mask.Length != pixelsPerImage)
            {
                throw new ArgumentException(
                    $"Image {image}: map has {map.Length} and mask {mask.Length} elements, expected {width}x{height}.",
                    nameof(anomalyMaps));
            }

            ScoreOrdering.ThrowOnNaN(map, nameof(anomalyMaps));
            int regionOffset = regionSizes.Count - 1;
            int regions = ConnectedComponents.Label(mask, width, height, localLabels);
            for (int r = 0; r < regions; r++)
            {
                regionSizes.Add(0);
            }

            for (int p = 0; p < pixelsPerImage; p++)
            {
                keys[baseIndex + p] = DescendingRadixSort.ToKey(map[p]);
                int local = localLabels[p];
                if (local == 0)
                {
                    normalPixels++;
                    regionOfPixel[baseIndex + p] = 0;
                }
                else
                {
                    int global = regionOffset + local;
                    regionOfPixel[baseIndex + p] = global;
                    regionSizes[global]++;
                }
            }
            baseIndex += pixelsPerImage;
        }

        int regionCount = regionSizes.Count - 1;
        if (regionCount == 0 || normalPixels == 0)
        {
            return double.NaN;
        }

        // What one pixel of each region adds to the sum of per-region overlaps (divided by regionCount later).
        var overlapPerPixel = new double[regionSizes.Count];
        for (int r = 1; r < regionSizes.Count; r++)
        {
            overlapPerPixel[r] = 1.0 / regionSizes[r];
        }

        (uint[] sortedKeys, int[] sortedRegions) = DescendingRadixSort.Sort(keys, regionOfPixel);

        long falsePositives = 0;
        double overlapSum = 0.0;
        double previousFpr = 0.0;
        double previousPro = 0.0;
        double area = 0.0;
        int i = 0;
        while (i < sortedKeys.Length)
        {
            uint threshold = sortedKeys[i];
            while (i < sortedKeys.Length && sortedKeys[i] == threshold)
            {
                int region = sortedRegions[i];
                if (region == 0)
                {
                    falsePositives++;
                }
                else
                {
                    overlapSum += overlapPerPixel[region];
                }

                i++;
            }

            // FPR from integer counts so that e.g. 3/10 is exactly the double nearest 0.3 and meets the limit.
            double fpr = (double)falsePositives / normalPixels;
            double pro = overlapSum / regionCount;
            if (fpr >= fprLimit)
            {
                // previousFpr < fprLimit <= fpr, so the denominator is positive.
                double proAtLimit = previousPro + (fprLimit - previousFpr) / (fpr - previousFpr) * (pro - previousPro);
                area += (fprLimit - previousFpr) * (previousPro + proAtLimit) / 2.0;
                break;
            }

            area += (fpr - previousFpr) * (previousPro + pro) / 2.0;
            previousFpr = fpr;
            previousPro = pro;
        }

        return area / fprLimit;
    }
}
