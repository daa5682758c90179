using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Inspection.Host.Api;
using Microsoft.Data.Sqlite;
using Xunit;
using Xunit.Abstractions;

namespace Inspection.Host.Tests.Api;

/// <summary>
/// A line's model versions through the API of the real server (SQLite persistence): the list says when, by whom and
/// from what each was made; versions beyond the line's keepVersions are dropped and their shard journals deleted;
/// a kept version is activated again without retraining, and frames are then scored by it.
/// </summary>
[Collection(ServeCollection.Name)]
public sealed class VersionTests(ServeFixture serve, ITestOutputHelper output)
{
    private const string Line = "versions";

    private async Task Train()
    {
        var started = await serve.Client.PostAsJsonAsync($"/api/v1/lines/{Line}/training", new { folder = serve.Category });
        started.EnsureSuccessStatusCode();
        var job = await serve.WaitForJob((await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("jobId").GetString()!);
        Assert.Equal("succeeded", job.GetProperty("state").GetString());
    }

    /// <summary>Journal rows and snapshots the shard of a version has in the database, and the bytes their payloads take.</summary>
    private (long Rows, long Bytes, long Snapshots) Stored(string version)
    {
        using var connection = new SqliteConnection($"Data Source={serve.Settings.Database}");
        connection.Open();
        string id = $"bank-shard/{Line}/{version}/0";
        using var journal = connection.CreateCommand();
        journal.CommandText = "SELECT COUNT(*), COALESCE(SUM(LENGTH(message)), 0) FROM journal WHERE persistence_id = $id";
        journal.Parameters.AddWithValue("$id", id);
        using var reader = journal.ExecuteReader();
        reader.Read();
        var (rows, bytes) = (reader.GetInt64(0), reader.GetInt64(1));
        using var snapshots = connection.CreateCommand();
        snapshots.CommandText = "SELECT COUNT(*) FROM snapshot WHERE persistence_id = $id";
        snapshots.Parameters.AddWithValue("$id", id);
        return (rows, bytes, Convert.ToInt64(snapshots.ExecuteScalar()));
    }

    private async Task<ModelVersionsView> Versions() =>
        (await serve.Client.GetFromJsonAsync<ModelVersionsView>($"/api/v1/lines/{Line}/models", new JsonSerializerOptions(JsonSerializerDefaults.Web)))!;

    [Fact]
    public async Task Versions_are_listed_kept_to_the_limit_with_their_banks_deleted_and_a_kept_one_serves_again_without_retraining()
    {
        (await serve.Client.PutAsJsonAsync($"/api/v1/lines/{Line}", new { imageSize = 128, keepVersions = 2 })).EnsureSuccessStatusCode();
        await Train();
        await Train();
        var two = await Versions();
        Assert.Equal(["v2", "v1"], two.Versions.Select(v => v.Version));
        var v1Stored = Stored("v1");
        Assert.True(v1Stored.Bytes > 100_000, $"v1's bank is not in the journal: {v1Stored}");
        await Train();

        var kept = await Versions();
        Assert.Equal(2, kept.Keep);
        Assert.Equal("v3", kept.Active);
        Assert.Equal(["v3", "v2"], kept.Versions.Select(v => v.Version));
        var v3 = kept.Versions[0];
        Assert.True(v3.Active);
        Assert.False(kept.Versions[1].Active);
        Assert.Equal(ApiKeys.NameOf(ServeFixture.Key), v3.CreatedBy);
        Assert.Equal($"folder {serve.Category}", v3.Source);
        Assert.True(v3.TrainingImages > 0 && v3.BankSize > 0 && v3.HeldOutGood > 0 && v3.Shards == 1, JsonSerializer.Serialize(v3));
        Assert.Equal("resnet18", v3.Backbone);
        Assert.Equal("128", v3.InputSize); // square, as the line view writes it
        Assert.NotNull(v3.CreatedAt);
        Assert.NotNull(v3.ExpectedFalseRejectRate);

        // v1 is dropped: its shard's journal keeps only the small tombstone row, and no snapshot.
        var dropped = await Eventually(() => Stored("v1"), s => s.Rows <= 1 && s.Bytes < 1000 && s.Snapshots == 0);
        Assert.True(dropped.Rows <= 1 && dropped.Bytes < 1000 && dropped.Snapshots == 0, $"v1 still stored: {dropped}");
        var v2Stored = Stored("v2");
        Assert.True(v2Stored.Bytes > 100_000 || v2Stored.Snapshots > 0, $"v2 (kept) lost its bank: {v2Stored}");

        // Refusals: a version not kept, an unknown line.
        var gone = await serve.Client.PostAsync($"/api/v1/lines/{Line}/models/v1/activate", null);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Contains("it keeps v2, v3", (await gone.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await serve.Client.PostAsync("/api/v1/lines/no-such-line/models/v1/activate", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await serve.Client.GetAsync("/api/v1/lines/no-such-line/models")).StatusCode);

        // Rollback to v2: a job, no training; then frames are scored by v2. Its slice is freed first, as a minute after
        // the switch away from it, so activation must load it from the shard's journal.
        var shards = await Akka.Hosting.ActorRegistry.For(serve.System).GetAsync<Inspection.Actors.Shards.MemoryBankShardRegion>();
        shards.Tell(new Inspection.Actors.Messages.RetireSlice($"{Line}/v2/0/0"), Akka.Actor.ActorRefs.NoSender);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var activate = await serve.Client.PostAsync($"/api/v1/lines/{Line}/models/v2/activate", null);
        Assert.Equal(HttpStatusCode.Accepted, activate.StatusCode);
        var job = await serve.WaitForJob((await activate.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("jobId").GetString()!);
        Assert.Equal("succeeded", job.GetProperty("state").GetString());
        double switched = clock.Elapsed.TotalSeconds;
        var line = await serve.Client.GetFromJsonAsync<JsonElement>($"/api/v1/lines/{Line}");
        Assert.Equal("v2", line.GetProperty("modelVersion").GetString());
        var scored = await serve.PostFrame(serve.Image("good"), line: Line);
        Assert.Equal(HttpStatusCode.OK, scored.StatusCode);
        Assert.Equal("v2", (await scored.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("modelVersion").GetString());
        output.WriteLine($"rollback v3 -> v2: job done after {switched:0.00} s, first frame scored by v2 after {clock.Elapsed.TotalSeconds:0.00} s");
        var after = await Versions();
        Assert.Equal("v2", after.Active);
        Assert.Equal(["v3", "v2"], after.Versions.Select(v => v.Version)); // nothing dropped by serving a kept version again

        // Versions are kept by when they last served: after the rollback to v2, the next version drops v3, not v2.
        await Train();
        Assert.Equal(["v4", "v2"], (await Versions()).Versions.Select(v => v.Version));
        var v3Dropped = await Eventually(() => Stored("v3"), s => s.Rows <= 1 && s.Bytes < 1000 && s.Snapshots == 0);
        Assert.True(v3Dropped.Rows <= 1 && v3Dropped.Bytes < 1000, $"v3 still stored: {v3Dropped}");
    }

    private static async Task<T> Eventually<T>(Func<T> read, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        T value = read();
        while (!done(value) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            value = read();
        }
        return value;
    }
}
