using Inspection.Actors.Hosting;
using Inspection.Actors.Messages;
using Inspection.Actors.Results;
using Xunit;

namespace Inspection.Actors.Tests;

/// <summary>The result store on both databases: one row per result, lookups, newest-first pages, reviews.</summary>
public sealed class ResultStoreTests
{
    private static readonly string? Postgres = Environment.GetEnvironmentVariable("INSPECTION_TEST_POSTGRES");

    [SkippableTheory]
    [InlineData(PersistenceBackend.Sqlite)]
    [InlineData(PersistenceBackend.PostgreSql)]
    public async Task Results_are_stored_once_found_by_id_and_key_paged_filtered_and_reviewed(PersistenceBackend backend)
    {
        Skip.If(backend == PersistenceBackend.PostgreSql && string.IsNullOrEmpty(Postgres),
            "INSPECTION_TEST_POSTGRES is not set: .ci/run starts a PostgreSQL server and sets it (scripts/postgres.sh)");
        using var folder = new TempFolder();
        var store = new ResultStore(backend, backend == PersistenceBackend.Sqlite ? folder.File("results.db") : Postgres!);
        string line = "store-" + Guid.NewGuid().ToString("N")[..8], other = line + "-other";
        var t0 = new DateTimeOffset(2026, 12, 2, 8, 0, 0, TimeSpan.Zero);
        StoredResult Result(int n, bool defective, string? error = null, string? key = null, string l = "") =>
            new(new FrameId(l == "" ? line : l, n % 2 == 0 ? "even" : "odd", n), $"{n}.png", "v1", n, 0.1f * n, defective, error, 12.5, null,
                t0.AddSeconds(n), $"{line}-{n:D3}", key, t0.AddSeconds(n - 0.5));
        var results = new[]
        {
            Result(1, false), Result(2, true), Result(3, false, key: "frame:odd/a"), Result(4, false, error: "shard did not answer"),
            Result(5, true) with { Part = "4711", Late = true }, Result(6, false) with { Part = "4712" }, Result(7, false, l: other),
        };
        Assert.Equal(results.Length, (await store.Insert(results)).Count);
        Assert.Empty(await store.Insert(results[..2])); // a retry of the index: no second row, and it says so

        var two = await store.Get($"{line}-002");
        Assert.NotNull(two);
        Assert.Equal(("fail", 2f, "even", 2L), (two!.Verdict, two.Score!.Value, two.Camera, two.Sequence));
        Assert.Equal(t0.AddSeconds(1.5), two.ReceivedAt);
        var failed = await store.Get($"{line}-004");
        Assert.Equal(("error", (float?)null, "shard did not answer"), (failed!.Verdict, failed.Score, failed.Error));
        Assert.Equal($"{line}-003", (await store.FindByKey(line, "frame:odd/a"))!.Id);
        Assert.Null(await store.FindByKey(other, "frame:odd/a"));

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await store.Query(new ResultQuery(Line: line, Limit: 4, Cursor: cursor));
            seen.AddRange(page.Items.Select(i => i.Id));
            cursor = page.NextCursor;
        } while (cursor != null);
        Assert.Equal(Enumerable.Range(1, 6).Reverse().Select(n => $"{line}-{n:D3}"), seen);
        Assert.Equal([$"{line}-005", $"{line}-002"], (await store.Query(new ResultQuery(Line: line, Verdict: "fail"))).Items.Select(i => i.Id));
        Assert.Equal([$"{line}-006", $"{line}-004", $"{line}-002"], (await store.Query(new ResultQuery(Line: line, Camera: "even"))).Items.Select(i => i.Id));
        Assert.Equal(2, (await store.Query(new ResultQuery(Line: line, Since: t0.AddSeconds(5)))).Items.Count);
        // A PLC's part: its id and whether its result came after the part's deadline, kept and found by part.
        var part = Assert.Single((await store.Query(new ResultQuery(Line: line, Part: "4711"))).Items);
        Assert.Equal(($"{line}-005", "4711", true), (part.Id, part.Part, part.Late));
        Assert.Equal(("4712", false), ((await store.Get($"{line}-006"))!.Part, (await store.Get($"{line}-006"))!.Late));
        Assert.Equal(((string?)null, false), ((await store.Get($"{line}-001"))!.Part, (await store.Get($"{line}-001"))!.Late));

        Assert.True(await store.Review($"{line}-002", "good", "key-1", t0.AddHours(1)));   // a false alarm
        Assert.True(await store.Review($"{line}-005", "defect", "key-1", t0.AddHours(1))); // a confirmed defect
        Assert.True(await store.Review($"{line}-001", "defect", "key-2", t0.AddHours(1))); // a miss
        Assert.False(await store.Review("no-such-result", "good", "key-1", t0));
        Assert.Equal(new ReviewCounts(3, 1, 1, 1), await store.Reviews(line));
        Assert.Equal(("good", "key-1"), ((await store.Get($"{line}-002"))!.ReviewLabel, (await store.Get($"{line}-002"))!.ReviewedBy));

        await store.DeleteLine(line);
        Assert.Empty((await store.Query(new ResultQuery(Line: line))).Items);
        Assert.Single((await store.Query(new ResultQuery(Line: other))).Items);
        Assert.False(ResultStore.IsCursor("not-a-cursor"));
    }
}
