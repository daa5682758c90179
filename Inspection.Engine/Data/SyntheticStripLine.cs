namespace Inspection.Engine.Data;

/// <summary>
/// Writes an MVTec-layout dataset of a long machined strip (a turned shaft seen from the side): fine grooves across its
/// length, cylinder shading across its width, noise, and small defects with pixel-exact masks. Squashing such a part
/// into a square shrinks it several times along its length and barely across it, so the grooves blur together and a
/// defect a few pixels long shrinks to a fraction of a patch row; an input of the part's own aspect keeps both, which is
/// what this line exists to show.
/// </summary>
public static class SyntheticStripLine
{
    /// <summary>Folder names under test/ and ground_truth/, in the order they are generated.</summary>
    public static IReadOnlyList<string> DefectTypes { get; } = ["nick", "chatter", "smear"];

    /// <summary>
    /// Groove period along the strip in pixels. A square input of 256 shrinks a 1024-pixel strip four times along its
    /// length, past the sampling limit for this period: the resize's filter leaves under a fifth of the grooves'
    /// contrast, so defects of the grooves themselves (polished away, or chatter marks) all but vanish. The strip's own
    /// aspect (512 x 128) shrinks it twice each way and keeps two thirds.
    /// </summary>
    private const float GroovePeriod = 6f;

    public static SyntheticLineSummary Generate(string folder, SyntheticStripOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Height < 64 || options.Width < 32)
            throw new ArgumentOutOfRangeException(nameof(options), $"A strip must be at least 64 x 32 pixels, not {options.Height} x {options.Width}.");
        if (options.TrainGood < 0 || options.TestGood < 0 || options.DefectsPerType < 0)
            throw new ArgumentOutOfRangeException(nameof(options), "Image counts cannot be negative.");
        string root = Path.GetFullPath(folder);
        int w = options.Width, h = options.Height;
        var random = new Random(options.Seed);
        var rgba = new byte[w * h * 4];
        var mask = new byte[w * h];
        var surface = new float[w * h];

        void Good(string split, int count)
        {
            string target = SyntheticPng.PrepareFolder(root, split, "good");
            for (int i = 0; i < count; i++)
            {
                Render(random, w, h, surface, null, null);
                ToRgba(surface, rgba);
                SyntheticPng.WriteRgba(rgba, w, h, Path.Combine(target, $"{i:D3}.png"));
            }
        }
        Good("train", options.TrainGood);
        Good("test", options.TestGood);

        var defects = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string defect in DefectTypes)
        {
            string images = SyntheticPng.PrepareFolder(root, "test", defect);
            string masks = SyntheticPng.PrepareFolder(root, "ground_truth", defect);
            for (int i = 0; i < options.DefectsPerType; i++)
            {
                Array.Clear(mask);
                var region = defect is "smear" or "chatter" ? SmearIn(random, w, h, mask) : null;
                Render(random, w, h, surface, defect == "smear" ? region : null, defect == "chatter" ? region : null);
                if (defect == "nick") Nick(random, w, h, surface, mask);
                ToRgba(surface, rgba);
                SyntheticPng.WriteRgba(rgba, w, h, Path.Combine(images, $"{i:D3}.png"));
                SyntheticPng.WriteMask(mask, w, h, Path.Combine(masks, $"{i:D3}_mask.png"));
            }
            defects[defect] = options.DefectsPerType;
        }
        return new SyntheticLineSummary(root, options.TrainGood, options.TestGood, defects);
    }

    /// <summary>
    /// Grey levels of one part: grooves (a sine along y, random phase) on cylinder shading (bright middle, dark edges),
    /// a slight brightness change per part and pixel noise. Where <paramref name="smooth"/> is above 0 the grooves are
    /// polished away by that share (a smear), leaving the shading; where <paramref name="shift"/> is, they are moved by
    /// up to half a period (a chatter mark: the tool jumped).
    /// </summary>
    private static void Render(Random random, int w, int h, float[] surface, float[]? smooth, float[]? shift)
    {
        float phase = (float)(random.NextDouble() * 2 * Math.PI);
        float brightness = 1f + (float)(random.NextDouble() * 0.08 - 0.04);
        float centre = w / 2f + (float)(random.NextDouble() * 2 - 1) * w * 0.03f;
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                float moved = shift == null ? 0f : 0.5f * MathF.PI * shift[y * w + x];
                float groove = MathF.Sin(2 * MathF.PI * y / GroovePeriod + phase + moved);
                float across = (x - centre) / w;
                float shade = 0.55f + 0.45f * MathF.Cos(MathF.PI * across * 1.6f);
                float depth = smooth == null ? 1f : 1f - 0.6f * smooth[y * w + x];
                float grain = (float)(random.NextDouble() + random.NextDouble() - 1.0) * 5f;
                surface[y * w + x] = 165f * shade * brightness * (1f + 0.16f * groove * depth) + grain;
            }
        }
    }

    /// <summary>An ellipse, 16 to 28 pixels across, where the grooves are damaged: its share per pixel (fading out at the edge), masked where above half.</summary>
    private static float[] SmearIn(Random random, int w, int h, byte[] mask)
    {
        float rx = 8f + 6f * (float)random.NextDouble(), ry = 8f + 6f * (float)random.NextDouble();
        float cx = Between(random, w * 0.2f + rx, w * 0.8f - rx), cy = Between(random, h * 0.05f + ry, h * 0.95f - ry);
        var share = new float[w * h];
        for (int y = (int)(cy - 2 * ry); y <= cy + 2 * ry; y++)
            for (int x = (int)(cx - 2 * rx); x <= cx + 2 * rx; x++)
            {
                if (x < 0 || y < 0 || x >= w || y >= h) continue;
                float ex = (x - cx) / rx, ey = (y - cy) / ry, d = ex * ex + ey * ey;
                float s = d <= 1 ? 1f : MathF.Max(0f, 1f - (MathF.Sqrt(d) - 1f) * 2f);
                share[y * w + x] = s;
                if (s > 0.5f) mask[y * w + x] = 255;
            }
        return share;
    }

    /// <summary>A small dark pit, 4 to 8 pixels across.</summary>
    private static void Nick(Random random, int w, int h, float[] surface, byte[] mask)
    {
        float rx = 2f + 2f * (float)random.NextDouble(), ry = 2f + 2f * (float)random.NextDouble();
        float cx = Between(random, w * 0.15f + rx, w * 0.85f - rx), cy = Between(random, h * 0.05f + ry, h * 0.95f - ry);
        for (int y = (int)(cy - ry); y <= cy + ry; y++)
            for (int x = (int)(cx - rx); x <= cx + rx; x++)
            {
                float ex = (x - cx) / rx, ey = (y - cy) / ry;
                if (x < 0 || y < 0 || x >= w || y >= h || ex * ex + ey * ey > 1) continue;
                surface[y * w + x] = surface[y * w + x] * 0.7f;
                mask[y * w + x] = 255;
            }
    }

    private static void ToRgba(float[] surface, byte[] rgba)
    {
        for (int i = 0; i < surface.Length; i++)
        {
            byte v = (byte)Math.Clamp((int)MathF.Round(surface[i]), 0, 255);
            rgba[4 * i] = rgba[4 * i + 1] = rgba[4 * i + 2] = v;
            rgba[4 * i + 3] = 255;
        }
    }

    private static float Between(Random random, float low, float high) =>
        high <= low ? (low + high) / 2 : low + (float)random.NextDouble() * (high - low);
}
