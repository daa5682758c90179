using Inspection.Engine.Native;
using SkiaSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Inspection.Engine.Imaging;

/// <summary>Resizes decoded images to the model's input size and packs them as float RGB 0..255 tensors.</summary>
public static class ImageTensorConverter
{
    /// <summary>
    /// The RGB channels of <paramref name="image"/> as float 0..255 (CHW) at width x height, resized the way anomalib's
    /// torchvision <c>Resize(antialias=True)</c> does: bilinear, half-pixel centres, and when shrinking a triangle filter
    /// widened by the shrink factor, so every source pixel counts. Resampling in float, never rounded back to bytes. The
    /// filter matters most for strong one-axis shrinks (elongated parts squashed to a square), where plain bilinear
    /// sampling reads one row in several.
    /// </summary>
    public static float[] ResizeToPixels(SKBitmap image, int width, int height)
    {
        var rgba = image.GetPixelSpan();
        int w = image.Width, h = image.Height;
        var rgb = new byte[w * h * 3];
        for (int p = 0, q = 0; p < rgb.Length; p += 3, q += 4)
        {
            rgb[p] = rgba[q];
            rgb[p + 1] = rgba[q + 1];
            rgb[p + 2] = rgba[q + 2];
        }
        using var scope = NewDisposeScope();
        var x = tensor(rgb, [1, h, w, 3]).permute(0, 3, 1, 2).to(ScalarType.Float32);
        if (w != width || h != height)
            x = F.interpolate(x, size: [height, width], mode: InterpolationMode.Bilinear, align_corners: false, antialias: true);
        return HostArrays.ToArray<float>(x);
    }

    /// <summary>[B, 3, H, W] float32 0..255 from B images of float RGB pixels (CHW) of the same size.</summary>
    public static Tensor ToBatch(IReadOnlyList<float[]> images, int width, int height, Device device)
    {
        int each = 3 * width * height;
        var values = new float[images.Count * each];
        for (int i = 0; i < images.Count; i++)
        {
            if (images[i].Length != each)
                throw new ArgumentException($"Image {i} of the batch is not {width}x{height} RGB.");
            Array.Copy(images[i], 0, values, (long)i * each, each);
        }
        using var scope = NewDisposeScope();
        var host = tensor(values, [images.Count, 3, height, width]);
        return DeviceTransfer.ToDevice(host, device).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// A ground-truth mask resized (nearest) to width x height: true where the mask is non-zero. Nearest as torch's
    /// <c>interpolate(mode="nearest")</c>, which anomalib's masks go through: output pixel i reads source pixel
    /// floor(i * in / out).
    /// </summary>
    public static bool[] ResizeMask(SKBitmap mask, int width, int height)
    {
        var rgba = mask.GetPixelSpan();
        int w = mask.Width, h = mask.Height;
        float scaleX = (float)w / width, scaleY = (float)h / height;
        var result = new bool[width * height];
        for (int y = 0; y < height; y++)
        {
            int sy = Math.Min((int)MathF.Floor(y * scaleY), h - 1);
            for (int x = 0; x < width; x++)
            {
                int sx = Math.Min((int)MathF.Floor(x * scaleX), w - 1);
                int q = (sy * w + sx) * 4;
                result[y * width + x] = rgba[q] > 127 || rgba[q + 1] > 127 || rgba[q + 2] > 127;
            }
        }
        return result;
    }
}
