using Akka.Configuration;
using Akka.TestKit.Xunit2;
using SkiaSharp;

namespace Inspection.Actors.Tests;

/// <summary>What the camera tests share: a local actor system with its own SQLite journal, a folder for files, small PNGs.</summary>
public abstract class CameraTestKit : TestKit
{
    private static readonly TempFolder Databases = new();
    protected readonly TempFolder Data = new();

    protected CameraTestKit(string name) : base(ConfigurationFactory.ParseString("akka.actor.provider = local")
        .WithFallback(TestSupport.NodeConfig(Databases.File($"{name}-{Guid.NewGuid():N}.db"))))
    {
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        Data.Dispose();
    }

    /// <summary>A 16 x 16 PNG of one grey shade.</summary>
    protected static byte[] Png(byte shade)
    {
        using var bitmap = new SKBitmap(16, 16);
        bitmap.Erase(new SKColor(shade, shade, shade));
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
