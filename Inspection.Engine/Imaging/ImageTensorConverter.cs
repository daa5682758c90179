using Inspection.Engine.Native;
using SkiaSharp;
using static TorchSharp.torch;

namespace Inspection.Engine.Imaging;

/// <summary>Resizes decoded images to the model's input size and packs them as float RGB 0..255 tensors.</summary>
public static class ImageTensorConverter
{
    private static readonly SKSamplingOptions Sampling = new(SKFilterMode.Linear, SKMipmapMode.Linear);

    /// <summary>RGB bytes (HWC) of <paramref name="image"/> resized to width x height.</summary>
    public static byte[] ResizeToRgb(SKBitmap image, int width, int height)
    {
        using var resized = image.Width == width && image.Height == height
            ? image.Copy()
            : image.Resize(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul), Sampling);
        var rgba = resized.GetPixelSpan();
        var rgb = new byte[width * height * 3];
        for (int p = 0, q = 0; p < rgb.Length; p += 3, q += 4)
        {
            rgb[p] = rgba[q];
            rgb[p + 1] = rgba[q + 1];
            rgb[p + 2] = rgba[q + 2];
        }
        return rgb;
    }

    /// <summary>[B, 3, H, W] float32 0..255 from B images of RGB bytes (HWC) of the same size.</summary>
    public static Tensor ToBatch(IReadOnlyList<byte[]> rgbImages, int width, int height, Device device)
    {
        var bytes = new byte[rgbImages.Count * width * height * 3];
        for (int i = 0; i < rgbImages.Count; i++)
        {
            if (rgbImages[i].Length != width * height * 3)
                throw new ArgumentException($"Image {i} of the batch is not {width}x{height} RGB.");
            Buffer.BlockCopy(rgbImages[i], 0, bytes, i * width * height * 3, rgbImages[i].Length);
        }
        using var scope = NewDisposeScope();
        var hwc = tensor(bytes, [rgbImages.Count, height, width, 3]);
        return DeviceTransfer.ToDevice(hwc, device).permute(0, 3, 1, 2).to(ScalarType.Float32).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>A ground-truth mask resized (nearest) to width x height: true where the mask is non-zero.</summary>
    public static bool[] ResizeMask(SKBitmap mask, int width, int height)
    {
        using var resized = mask.Resize(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul),
            new SKSamplingOptions(SKFilterMode.Nearest, SKMipmapMode.None));
        var rgba = resized.GetPixelSpan();
        var result = new bool[width * height];
        for (int i = 0; i < result.Length; i++) result[i] = rgba[i * 4] > 127 || rgba[i * 4 + 1] > 127 || rgba[i * 4 + 2] > 127;
        return result;
    }
}
