using System.Diagnostics;
using Akka.Actor;
using Inspection.Actors.Messages;
using Inspection.Engine.Imaging;
using Inspection.Engine.PatchCore;
using Inspection.Engine.Tiling;

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
    private readonly Dictionary<long, Assembly> _byKey = new(); // the open frames, by their key

    public ITimerScheduler Timers { get; set; } = null!;

    private readonly IActorRef _extractor;
    private readonly IActorRef? _images;

    /// <param name="extractor">The feature extractor cutting the tiles: told when a batch is scored and when a frame has ended early.</param>
    /// <param name="images">This node's result images: a frame's result goes to its line through them, which keep its images first (null: straight to the line).</param>
    public TileAssemblerActor(long maxMapPixels, IActorRef extractor, IActorRef? images = null)
    {
        _images = images;
        _maxMapPixels = maxMapPixels;
        _extractor = extractor;
        Receive<Expect>(e =>
        {
            var assembly = new Assembly(e);
            _byKey[e.Key] = assembly;
            for (int i = 0; i < e.Tiles.Count; i++) _tiles[e.Tiles[i].Sequence] = (assembly, i);
            if (!Timers.IsTimerActive("sweep")) Timers.StartPeriodicTimer("sweep", new Sweep(), TimeSpan.FromSeconds(10));
        });
        Receive<InspectionResult>(OnTile);
        Receive<Failed>(f =>
        {
            if (_byKey.TryGetValue(f.Key, out var assembly)) Fail(assembly, f.Reason, f.Retryable);
        });
        Receive<Sweep>(_ =>
        {
            foreach (var stale in _byKey.Values.Where(a => a.LastProgress.Elapsed > AbandonAfter).ToList())
                Fail(stale, $"{stale.Stitcher.Added} of {stale.Request.Layout.Count} tiles were scored; the rest did not come within {AbandonAfter.TotalSeconds:0} s", retryable: true);
            if (_byKey.Count == 0) Timers.Cancel("sweep");
        });
    }

    public static Props Props(long maxMapPixels, IActorRef extractor, IActorRef? images = null) =>
        Akka.Actor.Props.Create(() => new TileAssemblerActor(maxMapPixels, extractor, images));

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
        // The extractor cuts a frame's next batch of tiles once one of its batches is scored.
        if (--assembly.Unscored[index / assembly.Request.BatchSize] == 0) _extractor.Tell(new BatchScored(assembly.Request.Key));
        if (!assembly.Stitcher.Complete) return;
        Close(assembly);
        var (map, size) = MapReduction.ToAtMost(assembly.Stitcher.Map(), assembly.Stitcher.Size, _maxMapPixels);
        var worst = assembly.Worst!;
        var block = FeatureBlock.FromFloats(map, size.Height, size.Width, FeaturePrecision.Float16);
        var result = new InspectionResult(assembly.Request.Frame, worst.ModelVersion, worst.Score, worst.NormalisedScore, worst.Defective, null,
            assembly.Clock.Elapsed.TotalMilliseconds, block);
        if (_images != null && assembly.Request is { Captured: { } captured, Deployment: { } deployment })
            _images.Tell(new Results.ResultImagesActor.Keep(result, captured, deployment), assembly.Request.ReplyTo);
        else assembly.Request.ReplyTo.Tell(result);
    }

    private void Fail(Assembly assembly, string reason, bool retryable)
    {
        Close(assembly);
        _extractor.Tell(new Ended(assembly.Request.Key));
        assembly.Request.ReplyTo.Tell(InspectionResult.Failure(assembly.Request.Frame, assembly.Request.Version, reason, assembly.Clock.Elapsed.TotalMilliseconds, retryable));
    }

    private void Close(Assembly assembly)
    {
        _byKey.Remove(assembly.Request.Key);
        foreach (var tile in assembly.Request.Tiles) _tiles.Remove(tile.Sequence);
    }

    /// <summary>
    /// Frame <paramref name="Frame"/> was cut into tiles whose results will come with the ids <paramref name="Tiles"/>
    /// (tile order), sent in batches of <paramref name="BatchSize"/>; <paramref name="Key"/> names it to the extractor.
    /// <paramref name="Captured"/> is the frame as it came, whose images are kept with the stitched map's.
    /// </summary>
    public sealed record Expect(FrameId Frame, string Version, IActorRef ReplyTo, TileLayout Layout, IReadOnlyList<FrameId> Tiles, int BatchSize, long Key,
        CapturedFrame? Captured = null, ModelDeployment? Deployment = null);

    /// <summary>The frame failed before its tiles were all sent (extraction failed; Retryable: the line moved to another model meanwhile).</summary>
    public sealed record Failed(long Key, string Reason, bool Retryable = false);

    /// <summary>To the extractor: a batch of the frame's tiles is scored.</summary>
    public sealed record BatchScored(long Key);

    /// <summary>To the extractor: the frame has failed (or was abandoned); cut no more of its tiles.</summary>
    public sealed record Ended(long Key);

    private sealed record Sweep;

    private sealed class Assembly(Expect request)
    {
        public Expect Request { get; } = request;
        /// <summary>Per batch of tiles, how many are not scored yet.</summary>
        public int[] Unscored { get; } = Enumerable.Range(0, (request.Tiles.Count + request.BatchSize - 1) / request.BatchSize)
            .Select(b => Math.Min(request.BatchSize, request.Tiles.Count - b * request.BatchSize)).ToArray();
        public TileStitcher Stitcher { get; } = new(request.Layout);
        public InspectionResult? Worst { get; set; }
        public Stopwatch Clock { get; } = Stopwatch.StartNew();
        public Stopwatch LastProgress { get; } = Stopwatch.StartNew();
    }
}
