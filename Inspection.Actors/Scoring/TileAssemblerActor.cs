using System.Diagnostics;
using Akka.Actor;
using Inspection.Actors.Messages;
using Inspection.Engine.Imaging;
using Inspection.Engine.PatchCore;

namespace Inspection.Actors.Scoring;

/// <summary>
/// Turns the scored tiles of tiled frames back into one result per frame: the feature extractor sends each tile to
/// the line's scorer as a frame of its own (an id of <see cref="TileCamera"/>), with this actor as the one to answer,
/// so tiles fan out to the shards like any batch and Eq. 7 holds per tile. Here the tiles' maps are stitched (overlaps
/// averaged), the frame's score is its worst tile's, and the stitched map is shrunk to the extractor's map budget. The
/// first tile that fails fails its frame; a frame whose tiles stop coming is failed after <see cref="AbandonAfter"/>.
/// </summary>
public sealed class TileAssemblerActor : ReceiveActor, IWithTimers
{
    /// <summary>The camera name of tile ids, which never reach a line.</summary>
    public const string TileCamera = "tile";

    private static readonly TimeSpan AbandonAfter = TimeSpan.FromMinutes(2);
    private readonly long _maxMapPixels;
    private readonly Dictionary<long, (Assembly Frame, int Tile)> _tiles = new();
    private readonly HashSet<Assembly> _open = [];

    public ITimerScheduler Timers { get; set; } = null!;

    public TileAssemblerActor(long maxMapPixels)
    {
        _maxMapPixels = maxMapPixels;
        Receive<Expect>(e =>
        {
            var assembly = new Assembly(e);
            _open.Add(assembly);
            for (int i = 0; i < e.Tiles.Count; i++) _tiles[e.Tiles[i].Sequence] = (assembly, i);
            if (!Timers.IsTimerActive("sweep")) Timers.StartPeriodicTimer("sweep", new Sweep(), TimeSpan.FromSeconds(10));
        });
        Receive<InspectionResult>(OnTile);
        Receive<Failed>(f =>
        {
            if (f.Tiles.Count > 0 && _tiles.TryGetValue(f.Tiles[0].Sequence, out var entry)) Fail(entry.Frame, f.Reason, retryable: false);
        });
        Receive<Sweep>(_ =>
        {
            foreach (var stale in _open.Where(a => a.LastProgress.Elapsed > AbandonAfter).ToList())
                Fail(stale, $"{stale.Stitcher.Added} of {stale.Request.Layout.Count} tiles were scored; the rest did not come within {AbandonAfter.TotalSeconds:0} s", retryable: true);
            if (_open.Count == 0) Timers.Cancel("sweep");
        });
    }

    public static Props Props(long maxMapPixels) => Akka.Actor.Props.Create(() => new TileAssemblerActor(maxMapPixels));

    private void OnTile(InspectionResult tile)
    {
        if (!_tiles.TryGetValue(tile.Frame.Sequence, out var entry)) return; // its frame has already failed
        var (assembly, index) = entry;
        if (tile.Failed)
        {
            Fail(assembly, $"tile {index} of {assembly.Request.Layout.Count}: {tile.Error}", tile.Retryable);
            return;
        }
        _tiles.Remove(tile.Frame.Sequence);
        assembly.LastProgress.Restart();
        assembly.Stitcher.Add(index, tile.Score, tile.AnomalyMap!.ToFloats());
        if (assembly.Stitcher.WorstTile == index) assembly.Worst = tile;
        if (!assembly.Stitcher.Complete) return;
        Close(assembly);
        var (map, size) = MapReduction.ToAtMost(assembly.Stitcher.Map(), assembly.Stitcher.Size, _maxMapPixels);
        var worst = assembly.Worst!;
        var block = FeatureBlock.FromFloats(map, size.Height, size.Width, FeaturePrecision.Float16);
        assembly.Request.ReplyTo.Tell(new InspectionResult(assembly.Request.Frame, worst.ModelVersion, worst.Score, worst.NormalisedScore, worst.Defective, null,
            assembly.Clock.Elapsed.TotalMilliseconds, block));
    }

    private void Fail(Assembly assembly, string reason, bool retryable)
    {
        Close(assembly);
        assembly.Request.ReplyTo.Tell(InspectionResult.Failure(assembly.Request.Frame, assembly.Request.Version, reason, assembly.Clock.Elapsed.TotalMilliseconds, retryable));
    }

    private void Close(Assembly assembly)
    {
        _open.Remove(assembly);
        foreach (var tile in assembly.Request.Tiles) _tiles.Remove(tile.Sequence);
    }

    /// <summary>Frame <paramref name="Frame"/> was cut into tiles whose results will come with the ids <paramref name="Tiles"/> (tile order).</summary>
    public sealed record Expect(FrameId Frame, string Version, IActorRef ReplyTo, TileLayout Layout, IReadOnlyList<FrameId> Tiles);

    /// <summary>The frame of these tile ids failed before its tiles were all sent (extraction failed).</summary>
    public sealed record Failed(IReadOnlyList<FrameId> Tiles, string Reason);

    private sealed record Sweep;

    private sealed class Assembly(Expect request)
    {
        public Expect Request { get; } = request;
        public TileStitcher Stitcher { get; } = new(request.Layout);
        public InspectionResult? Worst { get; set; }
        public Stopwatch Clock { get; } = Stopwatch.StartNew();
        public Stopwatch LastProgress { get; } = Stopwatch.StartNew();
    }
}
