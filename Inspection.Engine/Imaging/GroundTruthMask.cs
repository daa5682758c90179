namespace Inspection.Engine.Imaging;

/// <summary>Ground-truth defect masks, checked against their image and resized to the model grid.</summary>
public static class GroundTruthMask
{
    /// <summary>The mask resized (nearest) to the model input's height x width; refuses a mask whose size differs from its image's.</summary>
    public static bool[] Load(string maskPath, string imagePath, Extent size)
    {
        using var mask = ImageDecoder.Decode(maskPath);
        var (width, height) = ImageHeader.SizeOf(imagePath) ?? throw new ImageReadException(imagePath, "not a supported image format");
        if (width != mask.Width || height != mask.Height)
            throw new ImageReadException(maskPath, $"the mask is {mask.Width}x{mask.Height} but its image '{imagePath}' is {width}x{height}");
        return ImageTensorConverter.ResizeMask(mask, size.Width, size.Height);
    }
}
