namespace Inspection.Engine.Imaging;

/// <summary>
/// Shrinks an anomaly map to at most a pixel budget by an integer factor, each output pixel the maximum of its block:
/// a stitched map of a large image is too big to send between nodes at full size, and the maximum (not the mean) keeps
/// a defect a few pixels wide visible in the overlay drawn from the smaller map.
/// </summary>
public static class MapReduction
{
    public static (float[] Map, Extent Size) ToAtMost(float[] map, Extent size, long maxPixels)
    {
        if (maxPixels < 1) throw new ArgumentOutOfRangeException(nameof(maxPixels), "the pixel budget must be positive");
        if (size.Area <= maxPixels) return (map, size);
        int factor = (int)Math.Ceiling(Math.Sqrt((double)size.Area / maxPixels));
        while ((long)Ceiling(size.Height, factor) * Ceiling(size.Width, factor) > maxPixels) factor++;
        var reduced = new Extent(Ceiling(size.Height, factor), Ceiling(size.Width, factor));
        var result = new float[reduced.Area];
        Array.Fill(result, float.NegativeInfinity);
        for (int y = 0; y < size.Height; y++)
        {
            int to = y / factor * reduced.Width;
            var row = map.AsSpan(y * size.Width, size.Width);
            for (int x = 0; x < row.Length; x++)
            {
                ref float cell = ref result[to + x / factor];
                if (row[x] > cell) cell = row[x];
            }
        }
        return (result, reduced);
    }

    private static int Ceiling(int length, int factor) => (length + factor - 1) / factor;
}
