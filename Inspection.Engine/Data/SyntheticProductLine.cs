
namespace Inspection.Engine.Data;

/// <summary>
/// Writes a small MVTec-AD-layout dataset of a woven metal mesh, so the whole pipeline (training, scoring, heatmaps,
/// metrics) can run and be tested offline without the licensed MVTec download. Good images share one periodic weave
/// with small shifts, brightness changes and noise, which is the kind of nuisance variation a real line has and an
/// anomaly detector must tolerate; defects are drawn on top with pixel-exact masks so localisation metrics are exact.
/// </summary>
public static class SyntheticProductLine
{
    /// <summary>Folder names under test/ and ground_truth/, in the order they are generated.</summary>
    public static IReadOnlyList<string> DefectTypes { get; } = ["scratch", "stain", "hole"];

    private const int MinSize = 32;

    /// <summary>Mesh colour; a cool grey reads as steel and leaves room for both darker and brighter defects.</summary>
    private static readonly (float R, float G, float B) Metal = (150f, 156f, 166f);

    /// <summary>
    /// Creates (or refreshes) the dataset under <paramref name="folder"/>. PNGs already in the folders this writes
    /// are removed first, so a smaller regeneration leaves no stale images that would skew counts.
    /// </summary>
    public static SyntheticLineSummary Generate(string folder, SyntheticLineOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Size < MinSize)
            throw new ArgumentOutOfRangeException(nameof(options), $"Size must be at least {MinSize} pixels, not {options.Size}.");
        if (options.TrainGood < 0 || options.TestGood < 0 || options.DefectsPerType < 0)
            throw new ArgumentOutOfRangeException(nameof(options), "Image counts cannot be negative.");

        string root = Path.GetFullPath(folder);
        int size = options.Size;
        var random = new Random(options.Seed);
        var rgba = new byte[size * size * 4];
        var mask = new byte[size * size];

        string trainGood = PrepareFolder(root, "train", "good");
        for (int i = 0; i < options.TrainGood; i++)
        {
            RenderSurface(random, size, rgba);
            WriteRgba(rgba, size, Path.Combine(trainGood, FileName(i)));
        }

        string testGood = PrepareFolder(root, "test", "good");
        for (int i = 0; i < options.TestGood; i++)
        {
            RenderSurface(random, size, rgba);
            WriteRgba(rgba, size, Path.Combine(testGood, FileName(i)));
        }

        var defects = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string defect in DefectTypes)
        {
            string images = PrepareFolder(root, "test", defect);
            string masks = PrepareFolder(root, "ground_truth", defect);
            for (int i = 0; i < options.DefectsPerType; i++)
            {
                RenderSurface(random, size, rgba);
                Array.Clear(mask);
                switch (defect)
                {
                    case "scratch": DrawScratch(random, size, rgba, mask); break;
                    case "stain": DrawStain(random, size, rgba, mask); break;
                    default: DrawHole(random, size, rgba, mask); break;
                }
                WriteRgba(rgba, size, Path.Combine(images, FileName(i)));
                WriteMask(mask, size, Path.Combine(masks, $"{i:D3}_mask.png"));
            }
            defects[defect] = options.DefectsPerType;
        }

        return new SyntheticLineSummary(root, options.TrainGood, options.TestGood, defects);
    }

    private static string FileName(int index) => $"{index:D3}.png";

    private static string PrepareFolder(string root, string split, string category) => SyntheticPng.PrepareFolder(root, split, category);

    /// <summary>
    /// A plain weave: threads alternate over and under in a checkerboard of cells, each thread shaded like a rounded
    /// wire, with fine lengthwise brushing streaks. Period scales with the image so any size looks alike.
    /// </summary>
    private static void RenderSurface(Random random, int size, byte[] rgba)
    {
        float period = Math.Max(8f, size / 16f);
        // Up to an eighth of a cell: enough that no two parts align exactly, small enough that all still look alike.
        float shiftX = (float)(random.NextDouble() * 2 - 1) * period / 8;
        float shiftY = (float)(random.NextDouble() * 2 - 1) * period / 8;
        float brightness = 1f + (float)(random.NextDouble() * 0.08 - 0.04);
        int streakSeed = random.Next();

        for (int y = 0; y < size; y++)
        {
            float v = (y + shiftY) / period + 64f;
            int cellY = (int)MathF.Floor(v);
            float fracY = v - cellY;
            for (int x = 0; x < size; x++)
            {
                float u = (x + shiftX) / period + 64f;
                int cellX = (int)MathF.Floor(u);
                float fracX = u - cellX;
                bool horizontalOnTop = ((cellX + cellY) & 1) == 0;
                // Across the wire: bright crest, dark gaps between wires; along it: slight dip where it dives under.
                float across = horizontalOnTop ? fracY : fracX;
                float along = horizontalOnTop ? fracX : fracY;
                float shade = 0.55f + 0.45f * MathF.Sin(MathF.PI * across);
                shade *= 0.9f + 0.1f * MathF.Sin(MathF.PI * along);
                // Brushing runs along the thread, so it depends on the coordinate across it (row or column).
                int line = horizontalOnTop ? y : x + 100_003;
                float streak = (Hash(streakSeed, line) - 0.5f) * 0.06f;
                float grain = (float)(random.NextDouble() + random.NextDouble() - 1.0) * 6f;

                float k = shade * brightness * (1f + streak);
                int p = (y * size + x) * 4;
                rgba[p] = ToByte(Metal.R * k + grain);
                rgba[p + 1] = ToByte(Metal.G * k + grain);
                rgba[p + 2] = ToByte(Metal.B * k + grain);
                rgba[p + 3] = 255;
            }
        }
    }

    /// <summary>A thin straight gouge, bright (polished) or dark (dirt in the groove), long enough to cross several wires.</summary>
    private static void DrawScratch(Random random, int size, byte[] rgba, byte[] mask)
    {
        float length = size * (0.25f + 0.25f * (float)random.NextDouble());
        float angle = (float)(random.NextDouble() * Math.PI);
        float dx = MathF.Cos(angle) * length / 2, dy = MathF.Sin(angle) * length / 2;
        float margin = size * 0.1f;
        float cx = Between(random, margin + MathF.Abs(dx), size - margin - MathF.Abs(dx));
        float cy = Between(random, margin + MathF.Abs(dy), size - margin - MathF.Abs(dy));
        float halfWidth = Math.Max(1f, size / 128f);
        bool bright = random.Next(2) == 0;
        (float R, float G, float B) colour = bright ? (245f, 245f, 235f) : (25f, 22f, 20f);

        float ax = cx - dx, ay = cy - dy, bx = cx + dx, by = cy + dy;
        float abx = bx - ax, aby = by - ay, abLengthSquared = abx * abx + aby * aby;
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                float t = Math.Clamp(((x - ax) * abx + (y - ay) * aby) / abLengthSquared, 0f, 1f);
                float ex = x - (ax + t * abx), ey = y - (ay + t * aby);
                if (ex * ex + ey * ey <= halfWidth * halfWidth)
                    Paint(rgba, mask, size, x, y, colour, 1f, random);
            }
    }

    /// <summary>
    /// An irregular rust-coloured blob; the wobbly outline keeps it from being a trivially round shape, and partial
    /// opacity leaves the weave faintly visible as a real stain would.
    /// </summary>
    private static void DrawStain(Random random, int size, byte[] rgba, byte[] mask)
    {
        float radius = size * (0.06f + 0.06f * (float)random.NextDouble());
        float margin = size * 0.1f + radius * 1.35f;
        float cx = Between(random, margin, size - margin), cy = Between(random, margin, size - margin);
        float phase1 = (float)(random.NextDouble() * 2 * Math.PI), phase2 = (float)(random.NextDouble() * 2 * Math.PI);
        float squash = 0.7f + 0.3f * (float)random.NextDouble();
        (float R, float G, float B) rust = (170f, 78f, 24f);

        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                float ex = x - cx, ey = (y - cy) / squash;
                float theta = MathF.Atan2(ey, ex);
                float r = radius * (1f + 0.2f * MathF.Sin(3 * theta + phase1) + 0.1f * MathF.Sin(5 * theta + phase2));
                if (ex * ex + ey * ey <= r * r)
                    Paint(rgba, mask, size, x, y, rust, 0.85f, random);
            }
    }

    /// <summary>A punched-through or torn area: an almost black ellipse, the most obvious defect on the line.</summary>
    private static void DrawHole(Random random, int size, byte[] rgba, byte[] mask)
    {
        float rx = size * (0.05f + 0.05f * (float)random.NextDouble());
        float ry = rx * (0.6f + 0.6f * (float)random.NextDouble());
        float margin = size * 0.1f + Math.Max(rx, ry);
        float cx = Between(random, margin, size - margin), cy = Between(random, margin, size - margin);
        (float R, float G, float B) black = (14f, 13f, 16f);

        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                float ex = (x - cx) / rx, ey = (y - cy) / ry;
                if (ex * ex + ey * ey <= 1f)
                    Paint(rgba, mask, size, x, y, black, 1f, random);
            }
    }

    /// <summary>Blends one pixel towards the defect colour (with a little noise, so the defect is not flat) and marks it.</summary>
    private static void Paint(byte[] rgba, byte[] mask, int size, int x, int y, (float R, float G, float B) colour,
        float opacity, Random random)
    {
        int index = y * size + x, p = index * 4;
        float grain = (float)(random.NextDouble() - 0.5) * 8f;
        rgba[p] = ToByte(rgba[p] * (1 - opacity) + colour.R * opacity + grain);
        rgba[p + 1] = ToByte(rgba[p + 1] * (1 - opacity) + colour.G * opacity + grain);
        rgba[p + 2] = ToByte(rgba[p + 2] * (1 - opacity) + colour.B * opacity + grain);
        mask[index] = 255;
    }

    private static float Between(Random random, float low, float high) =>
        high <= low ? (low + high) / 2 : low + (float)random.NextDouble() * (high - low);

    /// <summary>Stable pseudo-random value in [0, 1) per (seed, line), so a streak is constant along its whole line.</summary>
    private static float Hash(int seed, int line)
    {
        uint h = unchecked((uint)seed * 0x9E3779B1u ^ (uint)line * 0x85EBCA77u);
        h ^= h >> 15;
        h = unchecked(h * 0x2C1B3C6Du);
        h ^= h >> 12;
        h = unchecked(h * 0x297A2D39u);
        h ^= h >> 15;
        return (h & 0xFFFFFF) / (float)0x1000000;
    }

    private static byte ToByte(float value) => (byte)Math.Clamp((int)MathF.Round(value), 0, 255);

    private static void WriteRgba(byte[] rgba, int size, string path) => SyntheticPng.WriteRgba(rgba, size, size, path);

    private static void WriteMask(byte[] mask, int size, string path) => SyntheticPng.WriteMask(mask, size, size, path);
}
