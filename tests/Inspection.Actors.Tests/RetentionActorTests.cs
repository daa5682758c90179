using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Inspection.Actors.Hosting;
using Inspection.Actors.Messages;
using Inspection.Actors.Results;
using SkiaSharp;
using Xunit;

namespace Inspection.Actors.Tests;

/// <summary>
/// Retention on a real SQLite store and real image files: results past their age lose their row and their images,
/// flagged ones stay longer, a line over its size loses its oldest passing results first, files whose row never came
/// go with age, and the line's storage is reported.
/// </summary>
public sealed class RetentionActorTests() : TestKit(ConfigurationFactory.ParseString("akka.actor.provider = local"))
{
    private const string Line = "line-r";
    private readonly TempFolder _folder = new();

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _folder.Dispose();
    }

    /// <summary>A registry knowing one line, with the settings <paramref name="settings"/> holds when asked.</summary>
    private IActorRef Registry(Func<LineSettings> settings)
    {
        var probe = CreateTestProbe();
        probe.SetAutoPilot(new DelegateAutoPilot((sender, message) =>
        {
            if (message is ListLines) sender.Tell(new LineList([new LineSummary(Line, "v1", 1, 100, 2f)]));
            if (message is GetLine g) sender.Tell(new LineDetails(g.Line, g.Line == Line, settings(), FakeRegistry.Model(Line), []));
            return AutoPilot.KeepRunning;
        }));
        return probe.Ref;
    }

    /// <summary>A frame's images kept by a gpu node's keeper, and its stored result completed <paramref name="age"/> ago.</summary>
    private StoredResult Kept(IActorRef keeper, string id, TimeSpan age, bool defective = false, long? bytes = null)
    {
        using var bitmap = new SKBitmap(40, 30);
        bitmap.Erase(SKColors.Gray);
        using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        var frame = new CapturedFrame(new FrameId(Line, "cam", 1), png.ToArray(), "f.png", id, null, ImagePolicy.OnRequest);
        var scored = new InspectionResult(frame.Frame, "v1", 2.5f, 0.5f, defective, null, 10,
            FeatureBlock.FromFloats(new float[6 * 8], 6, 8, FeaturePrecision.Float16));
        keeper.Tell(new ResultImagesActor.Keep(scored, frame, FakeRegistry.Model(Line)), TestActor);
        var result = ExpectMsg<InspectionResult>(TimeSpan.FromSeconds(10));
        Assert.NotNull(result.ImagesAt);
        return new StoredResult(frame.Frame, "f.png", "v1", 2.5f, 0.5f, defective, null, 10, result.ImagesAt, DateTimeOffset.UtcNow - age, id,
            ImagesBytes: bytes ?? result.ImagesBytes);
    }

    private RetentionActor.LineStorage SweptNow(IActorRef retention, DateTimeOffset after)
    {
        retention.Tell(RetentionActor.Sweep.Now);
        RetentionActor.LineStorage? storage = null;
        AwaitAssert(() =>
        {
            storage = retention.Ask<RetentionActor.LineStorage>(new RetentionActor.GetLineStorage(Line), TimeSpan.FromSeconds(3)).Result;
            Assert.True(storage.At > after);
        }, TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(50));
        return storage!;
    }

    [Fact]
    public async Task Results_past_their_age_or_over_the_size_lose_their_rows_and_images_and_the_line_says_what_it_keeps()
    {
        string images = _folder.File("results");
        var store = new ResultStore(PersistenceBackend.Sqlite, _folder.File("results.db"));
        var keeper = Sys.ActorOf(ResultImagesActor.Props(images));
        var settings = LineSettings.Default;
        var retention = Sys.ActorOf(RetentionActor.Props(store, Registry(() => settings), new Retention(TimeSpan.FromDays(7), TimeSpan.FromDays(30), 1L << 30),
            TimeSpan.FromHours(1), forget => keeper.Tell(forget)));

        var day = TimeSpan.FromDays(1);
        var old = Kept(keeper, "old-pass", 8 * day);
        var oldFlagged = Kept(keeper, "old-fail", 8 * day, defective: true);
        var ancient = Kept(keeper, "ancient-fail", 31 * day, defective: true);
        var recent = Kept(keeper, "recent-pass", day);
        await store.Insert([old, oldFlagged, ancient, recent]);
        // A frame's images whose row never came (scored twice, on two nodes), older than anything the line keeps.
        var orphan = Kept(keeper, "orphan", 40 * day);
        var orphanFiles = ResultFiles.Of(orphan.HeatmapPath!);
        foreach (var file in orphanFiles) File.SetLastWriteTimeUtc(file.FullName, DateTime.UtcNow - 40 * day);

        var started = DateTimeOffset.UtcNow;
        var storage = SweptNow(retention, started);
        Assert.Null(await store.Get("old-pass"));
        Assert.Null(await store.Get("ancient-fail"));
        Assert.NotNull(await store.Get("old-fail")); // flagged: kept 30 days
        Assert.NotNull(await store.Get("recent-pass"));
        AwaitAssert(() =>
        {
            Assert.Empty(ResultFiles.Of(old.HeatmapPath!));
            Assert.Empty(ResultFiles.Of(ancient.HeatmapPath!));
            Assert.All(orphanFiles, f => Assert.False(File.Exists(f.FullName)));
        }, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));
        Assert.NotEmpty(ResultFiles.Of(oldFlagged.HeatmapPath!));
        Assert.NotEmpty(ResultFiles.Of(recent.HeatmapPath!));
        Assert.Equal((2L, 2L), (storage.KeptResults, storage.RemovedResults));
        Assert.Equal(oldFlagged.ImagesBytes + recent.ImagesBytes + 2 * ResultStore.RowBytes, storage.KeptBytes);
        Assert.Equal(old.ImagesBytes + ancient.ImagesBytes + 2 * ResultStore.RowBytes, storage.RemovedBytes);

        // The line's own limit, 1 MB: six fresh results of 300 KB each, three passing and three flagged, with the two
        // kept above. The oldest passing ones go first, until the line fits; flagged ones only when no passing one is left.
        settings = LineSettings.Default with { KeepMegabytes = 1 };
        var fresh = new List<StoredResult>();
        for (int i = 0; i < 6; i++) fresh.Add(Kept(keeper, $"fresh-{i}", TimeSpan.FromMinutes(60 - i), defective: i % 2 == 1, bytes: 300_000));
        await store.Insert(fresh);
        storage = SweptNow(retention, storage.At!.Value);
        // Over by about 760 KB; passing results oldest first: recent-pass (a day old), fresh-0, fresh-2, fresh-4.
        foreach (var id in new[] { "recent-pass", "fresh-0", "fresh-2", "fresh-4" }) Assert.Null(await store.Get(id));
        foreach (var id in new[] { "old-fail", "fresh-1", "fresh-3", "fresh-5" }) Assert.NotNull(await store.Get(id));
        Assert.True(storage.KeptBytes <= 1L << 20, $"{storage.KeptBytes} bytes kept over a 1 MB limit");
        AwaitAssert(() => Assert.Empty(ResultFiles.Of(fresh[0].HeatmapPath!)), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));
        Assert.NotEmpty(ResultFiles.Of(fresh[1].HeatmapPath!));

        // With no passing result left, a new flagged one puts the line over: the oldest flagged ones go.
        await store.Insert([Kept(keeper, "fresh-6", TimeSpan.FromMinutes(1), defective: true, bytes: 300_000)]);
        storage = SweptNow(retention, storage.At!.Value);
        Assert.Null(await store.Get("old-fail"));
        Assert.Null(await store.Get("fresh-1"));
        foreach (var id in new[] { "fresh-3", "fresh-5", "fresh-6" }) Assert.NotNull(await store.Get(id));
        Assert.True(storage.KeptBytes <= 1L << 20, $"{storage.KeptBytes} bytes kept over a 1 MB limit");
        Assert.Equal(3, storage.KeptResults);
        Assert.Equal(new Retention(TimeSpan.FromDays(7), TimeSpan.FromDays(30), 1L << 20), storage.Retention);
    }

    [Fact]
    public async Task A_line_the_registry_does_not_know_has_no_storage_measured()
    {
        var store = new ResultStore(PersistenceBackend.Sqlite, _folder.File("results.db"));
        var retention = Sys.ActorOf(RetentionActor.Props(store, Registry(() => LineSettings.Default), Retention.Defaults, TimeSpan.FromHours(1), _ => { }));
        var storage = await retention.Ask<RetentionActor.LineStorage>(new RetentionActor.GetLineStorage("no-such-line"), TimeSpan.FromSeconds(3));
        Assert.Null(storage.At);
        Assert.Equal(0, storage.KeptResults);
    }

    [Fact]
    public async Task The_audit_trail_keeps_changes_for_its_days_and_removes_older_ones()
    {
        var store = new ResultStore(PersistenceBackend.Sqlite, _folder.File("results.db"));
        var now = DateTimeOffset.UtcNow;
        await store.InsertAudit(new AuditRecord("old", now - TimeSpan.FromDays(31), Line, "threshold", "ops", "{\"score\":2}", "{\"score\":3}", null));
        await store.InsertAudit(new AuditRecord("recent", now - TimeSpan.FromDays(29), Line, "review", "ops", null, "{\"label\":\"good\"}", "r-1"));
        var retention = Sys.ActorOf(RetentionActor.Props(store, Registry(() => LineSettings.Default), Retention.Defaults with { KeepAudit = TimeSpan.FromDays(30) },
            TimeSpan.FromHours(1), _ => { }));
        SweptNow(retention, now);
        var kept = await store.Audit(new AuditQuery(null, null, null, 10));
        Assert.Equal(["recent"], kept.Select(r => r.Id));
        Assert.Equal("{\"label\":\"good\"}", kept[0].New);
    }
}
