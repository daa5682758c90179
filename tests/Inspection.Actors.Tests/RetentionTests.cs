using Inspection.Actors.Hosting;
using Inspection.Actors.Messages;
using Inspection.Actors.Results;
using Xunit;

namespace Inspection.Actors.Tests;

/// <summary>Retention's rules (limits, checks, what goes for size) and its queries on both databases.</summary>
public sealed class RetentionTests
{
    private static readonly string? Postgres = Environment.GetEnvironmentVariable("INSPECTION_TEST_POSTGRES");

    [Fact]
    public void A_line_overrides_the_node_defaults_one_limit_at_a_time()
    {
        var node = new Retention(TimeSpan.FromDays(7), TimeSpan.FromDays(30), 1L << 30);
        Assert.Equal(node, node.For(LineSettings.Default));
        var line = node.For(LineSettings.Default with { KeepDays = 1.5, KeepMegabytes = 10 });
        Assert.Equal(new Retention(TimeSpan.FromDays(1.5), TimeSpan.FromDays(30), 10L << 20), line);
    }

    [Fact]
    public void Bad_limits_are_refused_with_the_setting_named()
    {
        Assert.Null(Retention.Defaults.Problem());
        Assert.Contains("keepDays", Retention.SettingsProblem(-1, 0, 0));
        Assert.Contains("keepFlaggedDays", Retention.SettingsProblem(0, double.NaN, 0));
        Assert.Contains("keepMegabytes", Retention.SettingsProblem(0, 0, -5));
        Assert.Null(Retention.SettingsProblem(0, 0, 0));
        Assert.Null(Retention.SettingsProblem(1, 2, 1));
        Assert.Contains("at least keepDays", new Retention(TimeSpan.FromDays(10), TimeSpan.FromDays(2), 1L << 30).Problem());
        Assert.Contains("--keep-mb must be at least 1", new Retention(TimeSpan.FromDays(1), TimeSpan.FromDays(2), 1000).Problem(bytesName: "--keep-mb"));
        Assert.Contains("more than 0", new Retention(TimeSpan.Zero, TimeSpan.FromDays(2), 1L << 30).Problem());
    }

    [Fact]
    public void Over_its_size_a_line_loses_its_oldest_passing_results_first_and_flagged_ones_last()
    {
        static StoredFootprint R(string id, long bytes) => new(id, null, bytes - ResultStore.RowBytes, DateTimeOffset.UnixEpoch);
        var passing = new[] { R("p1", 100_000), R("p2", 100_000), R("p3", 100_000) };
        var flagged = new[] { R("f1", 100_000), R("f2", 100_000) };
        Assert.Equal(["p1", "p2"], Retention.ToFree(150_000, passing, flagged).Select(r => r.Id));
        Assert.Equal(["p1", "p2", "p3", "f1"], Retention.ToFree(350_000, passing, flagged).Select(r => r.Id));
        Assert.Empty(Retention.ToFree(0, passing, flagged));
    }

    [SkippableTheory]
    [InlineData(PersistenceBackend.Sqlite)]
    [InlineData(PersistenceBackend.PostgreSql)]
    public async Task The_store_finds_results_past_their_age_and_the_oldest_and_removes_them(PersistenceBackend backend)
    {
        Skip.If(backend == PersistenceBackend.PostgreSql && string.IsNullOrEmpty(Postgres),
            "INSPECTION_TEST_POSTGRES is not set: .ci/run starts a PostgreSQL server and sets it (scripts/postgres.sh)");
        using var folder = new TempFolder();
        var store = new ResultStore(backend, backend == PersistenceBackend.Sqlite ? folder.File("results.db") : Postgres!);
        string line = "keep-" + Guid.NewGuid().ToString("N")[..8];
        var now = DateTimeOffset.UtcNow;
        // Results n days old: even ones pass, 3 and 9 fail, 4 passed but was reviewed (flagged too), 6 is an error.
        StoredResult Result(int days, bool defective = false, string? error = null) =>
            new(new FrameId(line, "c", days), $"{days}.png", "v1", days, 0.1f, defective, error, 10, $"/r/{line}/{days:D2}-overlay.png",
                now.AddDays(-days), $"{line}-{days:D2}", ImagesBytes: 1000 * days);
        await store.Insert([Result(1), Result(2), Result(3, defective: true), Result(4), Result(6, error: "no shard"), Result(8), Result(9, defective: true), Result(12)]);
        await store.Review($"{line}-04", "good", "operator", now);

        var usage = await store.Usage(line);
        Assert.Equal((8L, 1000L * (1 + 2 + 3 + 4 + 6 + 8 + 9 + 12)), (usage.Results, usage.ImageBytes));
        Assert.Equal(usage.ImageBytes + 8 * ResultStore.RowBytes, usage.Bytes);

        // Passing results older than 5 days, flagged ones older than 10: 6 (an error), 8 and 12 (flagged or not, past 10).
        var expired = await store.Expired(line, now.AddDays(-5), now.AddDays(-10), 100);
        Assert.Equal([$"{line}-12", $"{line}-08", $"{line}-06"], expired.Select(r => r.Id));
        Assert.Equal($"/r/{line}/12-overlay.png", expired[0].ImagesAt);
        Assert.Equal(12_000, expired[0].ImageBytes);
        Assert.Equal([$"{line}-12"], (await store.Expired(line, now.AddDays(-5), now.AddDays(-10), 1)).Select(r => r.Id));

        Assert.Equal([$"{line}-12", $"{line}-08"], (await store.Oldest(line, flagged: false, 2)).Select(r => r.Id));
        Assert.Equal([$"{line}-09", $"{line}-04", $"{line}-03"], (await store.Oldest(line, flagged: true, 10)).Select(r => r.Id));

        await store.Remove(expired.Select(r => r.Id).ToList());
        Assert.Equal((5L, 1000L * (1 + 2 + 3 + 4 + 9)), ((await store.Usage(line)).Results, (await store.Usage(line)).ImageBytes));
        Assert.Null(await store.Get($"{line}-08"));
        Assert.NotNull(await store.Get($"{line}-09"));
    }
}
