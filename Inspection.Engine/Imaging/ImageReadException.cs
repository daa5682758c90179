namespace Inspection.Engine.Imaging;

/// <summary>An input image that cannot be used; the message names the file and the reason.</summary>
public sealed class ImageReadException(string path, string reason, Exception? inner = null)
    : Exception($"Image '{path}' cannot be used: {reason}", inner)
{
    public string ImagePath { get; } = path;
}
