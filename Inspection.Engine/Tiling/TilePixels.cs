using Inspection.Engine.Imaging;
using SkiaSharp;

namespace Inspection.Engine.Tiling;

/// <summary>
/// The pixels tiles are cut from: the decoded image itself (its bytes; a tile is converted to float only when cut, so
/// a 6000 x 4000 image never exists as floats), or, for an image smaller than a tile, the image enlarged to the work size.
/// </summary>
internal sealed class TilePixels
{
    private readonly SKBitmap? _bitmap;
    private readonly float[]? _enlarged; // RGB CHW at the work size
    private readonly Extent _work;

    private TilePixels(SKBitmap? bitmap, float[]? enlarged, Extent work) => (_bitmap, _enlarged, _work) = (bitmap, enlarged, work);

    public static TilePixels Of(SKBitmap image, TileLayout layout) =>
        image.Width == layout.Work.Width && image.Height == layout.Work.Height
            ? new TilePixels(image, null, layout.Work)
            : new TilePixels(null, ImageTensorConverter.ResizeToPixels(image, layout.Work.Width, layout.Work.Height), layout.Work);

    /// <summary>RGB 0..255 as float CHW, of the tile whose top-left corner is (x, y).</summary>
    public float[] Crop(int x, int y, Extent tile)
    {
        int h = tile.Height, w = tile.Width, plane = h * w;
        var result = new float[3 * plane];
        if (_bitmap is not null)
        {
            var rgba = _bitmap.GetPixelSpan();
            int width = _bitmap.Width;
            for (int r = 0; r < h; r++)
            {
                int from = ((y + r) * width + x) * 4;
                for (int c = 0; c < w; c++, from += 4)
                {
                    int to = r * w + c;
                    result[to] = rgba[from];
                    result[plane + to] = rgba[from + 1];
                    result[2 * plane + to] = rgba[from + 2];
                }
            }
            return result;
        }
        int workPlane = _work.Height * _work.Width;
        for (int channel = 0; channel < 3; channel++)
            for (int r = 0; r < h; r++)
                Array.Copy(_enlarged!, channel * workPlane + (y + r) * _work.Width + x, result, channel * plane + r * w, w);
        return result;
    }
}
