using Inspection.Actors.Messages;
using Inspection.Engine.PatchCore;
using SkiaSharp;
using Inspection.Engine.Tiling;

namespace Inspection.Actors.Extraction;

/// <summary>
/// A tiled frame on its way through a feature extractor: the decoded image, its tiles, the ids its tiles are scored
/// under, and how far it has gone. Its tiles are cut a batch at a time, with at most <see cref="Window"/> batches at
/// the scorer, so a large frame holds a few batches of features, not all of them, and other frames interleave.
/// </summary>
internal sealed class TiledFrame(CapturedFrame frame, ModelDeployment deployment, Akka.Actor.IActorRef replyTo, SKBitmap bitmap, ImageTiles tiles,
    IReadOnlyList<FrameId> ids) : IDisposable
{
    /// <summary>Batches of one frame at the scorer at once: one scored while the next is extracted.</summary>
    public const int Window = 2;

    public CapturedFrame Frame { get; } = frame;
    public ModelDeployment Deployment { get; } = deployment;
    public Akka.Actor.IActorRef ReplyTo { get; } = replyTo;
    public ImageTiles Tiles { get; } = tiles;
    public IReadOnlyList<FrameId> Ids { get; } = ids;

    /// <summary>The key the tile assembler names this frame by: its first tile's sequence.</summary>
    public long Key => Ids[0].Sequence;

    /// <summary>The first tile not yet extracted.</summary>
    public int Next { get; set; }

    /// <summary>Batches sent to the scorer and not yet scored.</summary>
    public int Open { get; set; }

    public bool AllSent => Next >= Tiles.Count;

    public void Dispose() => bitmap.Dispose();
}
