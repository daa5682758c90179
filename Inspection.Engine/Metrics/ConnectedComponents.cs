namespace Inspection.Engine.Metrics;

/// <summary>
/// Labels the separate defect regions of a ground-truth mask, because per-region overlap (AUPRO) must weigh a
/// small defect as much as a large one. 8-connectivity is used, as in the MVTec AD evaluation code, so pixels
/// touching only at a corner belong to the same region.
/// </summary>
public static class ConnectedComponents
{
    /// <summary>
    /// Labels the 8-connected components of <paramref name="mask"/> (row-major, <paramref name="width"/> ×
    /// <paramref name="height"/>). Uses an explicit stack instead of recursion so large regions cannot overflow
    /// the call stack.
    /// </summary>
    /// <param name="mask">True for foreground (defect) pixels.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    /// <param name="labels">
    /// Receives 0 for background and 1..count for the regions, numbered in row-major order of their first pixel.
    /// Must hold at least width × height elements.
    /// </param>
    /// <returns>The number of regions.</returns>
    /// <exception cref="ArgumentException">The sizes do not match the mask or the label buffer.</exception>
    public static int Label(ReadOnlySpan<bool> mask, int width, int height, Span<int> labels)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(width);
        ArgumentOutOfRangeException.ThrowIfNegative(height);
        int pixels = checked(width * height);
        if (mask.Length != pixels)
        {
            throw new ArgumentException($"mask has {mask.Length} elements, expected {width}x{height}.", nameof(mask));
        }

        if (labels.Length < pixels)
        {
            throw new ArgumentException($"labels has {labels.Length} elements, expected at least {pixels}.", nameof(labels));
        }

        labels[..pixels].Clear();
        int count = 0;
        int[]? stack = null;
        for (int start = 0; start < pixels; start++)
        {
            if (!mask[start] || labels[start] != 0)
            {
                continue;
            }

            stack ??= new int[pixels];
            count++;
            labels[start] = count;
            int top = 0;
            stack[top++] = start;
            while (top > 0)
            {
                int p = stack[--top];
                int px = p % width;
                int py = p / width;
                for (int dy = -1; dy <= 1; dy++)
                {
                    int ny = py + dy;
                    if ((uint)ny >= (uint)height)
                    {
                        continue;
                    }

                    for (int dx = -1; dx <= 1; dx++)
                    {
                        int nx = px + dx;
                        if ((uint)nx >= (uint)width)
                        {
                            continue;
                        }

                        int n = ny * width + nx;
                        if (mask[n] && labels[n] == 0)
                        {
                            // Labelling on push guarantees each pixel is pushed once, so the stack never exceeds
                            // the pixel count.
                            labels[n] = count;
                            stack[top++] = n;
                        }
                    }
                }
            }
        }

        return count;
    }
}
