namespace Inspection.Engine.Imaging;

/// <summary>
/// The model input for <c>--image-size auto[:PIXELS]</c>: the training images' median aspect ratio within a pixel
/// budget, so an elongated part is not squashed into a square (which thins its defects along the long side) and the
/// cost per frame stays that of a square input of the same area.
/// </summary>
public static class AutoImageSize
{
    /// <summary>The default budget: the pixels of 256 x 256.</summary>
    public const int DefaultPixels = 65_536;

    /// <summary>Sides the settings accept (<see cref="PatchCore.PatchCoreSettings.Validate"/>).</summary>
    public const int MinSide = 32, MaxSide = 2048;

    /// <summary>
    /// Frames whose aspect ratio differs from the training images' median by more than this factor get a warning (or
    /// are refused, as the line says): their part is stretched differently from every image the bank learnt from.
    /// </summary>
    public const double AspectTolerance = 1.25;

    /// <summary>
    /// Height and width with the median aspect of <paramref name="aspects"/> (width over height) and at most
    /// <paramref name="pixels"/> pixels, each side a multiple of <paramref name="multiple"/> (and of 8, the patch
    /// stride) within 32..2048: of the sides rounded down and up, the pair within budget nearest the aspect.
    /// </summary>
    public static Extent Choose(IReadOnlyList<double> aspects, int pixels, int multiple)
    {
        if (aspects.Count == 0) throw new ArgumentException("No training image to take the aspect ratio from.");
        if (pixels < MinSide * MinSide) throw new ArgumentException($"The pixel budget {pixels} is below {MinSide * MinSide} ({MinSide} x {MinSide}).");
        double aspect = Median(aspects);
        int step = Math.Max(multiple, 8); // the backbones' multiples are powers of two
        double height = Math.Sqrt(pixels / aspect), width = Math.Sqrt(pixels * aspect);
        var pairs = (from h in Candidates(height, step) from w in Candidates(width, step) select new Extent(h, w)).Distinct().ToList();
        var within = pairs.Where(p => p.Area <= pixels).ToList();
        // Sides clamped to 32..2048 may leave no pair within budget (an extreme aspect): then the smallest.
        if (within.Count == 0) return pairs.MinBy(p => p.Area);
        return within.OrderBy(p => Math.Round(Math.Abs(Math.Log(p.Aspect / aspect)), 9)).ThenByDescending(p => p.Area).First();
    }

    /// <summary>Width over height of each image file, from its header (nothing decoded); unreadable files are left out.</summary>
    public static List<double> AspectsOf(IEnumerable<string> paths)
    {
        var aspects = new List<double>();
        foreach (string path in paths)
            if (ImageHeader.SizeOf(path) is var (width, height)) aspects.Add((double)width / height);
        return aspects;
    }

    /// <summary>Whether a <paramref name="width"/> x <paramref name="height"/> frame is within <see cref="AspectTolerance"/> of <paramref name="trained"/>.</summary>
    public static bool Matches(double trained, int width, int height)
    {
        double ratio = (double)width / height / trained;
        return ratio <= AspectTolerance && 1 / ratio <= AspectTolerance;
    }

    /// <summary>
    /// Why an encoded frame's aspect is far from <paramref name="trained"/> (the training images' median width over
    /// height), or null when it is close, unknown (0) or the header cannot be read (decoding will say why).
    /// </summary>
    public static string? Mismatch(double trained, byte[] encoded)
    {
        if (!(trained > 0) || ImageHeader.SizeOf(encoded) is not var (width, height) || Matches(trained, width, height)) return null;
        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"the frame is {width}x{height} (width {(double)width / height:0.###} of its height), " +
            $"far from the training images' {trained:0.###}: the part is stretched unlike any image the model learnt from, so its score is less reliable");
    }

    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static int Lowest(int step) => (MinSide + step - 1) / step * step;

    private static IEnumerable<int> Candidates(double side, int step)
    {
        int down = (int)Math.Floor(side / step) * step;
        foreach (int s in new[] { down, down + step })
            yield return Math.Clamp(s, Lowest(step), MaxSide / step * step);
    }
}
