using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit;
using Xunit.Abstractions;

namespace Inspection.Host.Tests.Api;

/// <summary>
/// A line's retention through the API of the real server: set with PUT, shown with GET (settings and storage), and
/// applied in the background: over its size limit the line's oldest results lose their rows and their image files.
/// </summary>
[Collection(ServeCollection.Name)]
public sealed class RetentionApiTests(ServeFixture serve, ITestOutputHelper log)
{
    [Fact]
    public async Task A_line_over_its_size_limit_loses_its_oldest_results_and_their_images_and_says_so()
    {
        const string line = "retained";
        await serve.TrainLine(line);
        var put = await serve.Client.PutAsJsonAsync($"/api/v1/lines/{line}", new { keepDays = 2, keepFlaggedDays = 5, keepMegabytes = 1 });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var view = await put.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((2.0, 5.0, 1L), (view.GetProperty("settings").GetProperty("keepDays").GetDouble(),
            view.GetProperty("settings").GetProperty("keepFlaggedDays").GetDouble(), view.GetProperty("settings").GetProperty("keepMegabytes").GetInt64()));
        Assert.Equal(1, view.GetProperty("storage").GetProperty("keepMegabytes").GetInt64());

        // Frames until the line keeps more than its megabyte (each keeps the frame, its map, overlay and heatmap).
        var ids = new List<string>();
        long written = 0;
        while (written <= 3L << 20)
        {
            var posted = await serve.PostFrame(serve.Image("good", ids.Count % 6), line: line);
            Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
            var result = await posted.Content.ReadFromJsonAsync<JsonElement>();
            ids.Add(result.GetProperty("id").GetString()!);
            written += serve.Image("good", (ids.Count - 1) % 6).Length + 1024;
        }

        // Retention steps every second here: wait (by the line's own report) for a step after the last frame, and one
        // that has removed results and fits.
        var lastPosted = DateTimeOffset.UtcNow;
        JsonElement storage = default;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        do
        {
            Assert.True(DateTime.UtcNow < deadline, $"retention did not bring the line under 1 MB in 60 s: {storage}");
            await Task.Delay(250);
            storage = (await serve.Client.GetFromJsonAsync<JsonElement>($"/api/v1/lines/{line}")).GetProperty("storage");
        } while (storage.GetProperty("measuredAt").ValueKind == JsonValueKind.Null || storage.GetProperty("measuredAt").GetDateTimeOffset() <= lastPosted
                 || storage.GetProperty("removedResults").GetInt64() == 0 || storage.GetProperty("keptBytes").GetInt64() > 1L << 20);
        log.WriteLine(storage.ToString());
        long kept = storage.GetProperty("keptResults").GetInt64();
        Assert.InRange(kept, 1, ids.Count - 1);
        Assert.Equal(ids.Count, kept + storage.GetProperty("removedResults").GetInt64());

        // The oldest went, with their images; the newest stays, with its images.
        Assert.Equal(HttpStatusCode.NotFound, (await serve.Client.GetAsync($"/api/v1/results/{ids[0]}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await serve.Client.GetAsync($"/api/v1/results/{ids[^1]}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await serve.Client.GetAsync($"/api/v1/results/{ids[^1]}/overlay.png")).StatusCode);
        string folder = Path.Combine(serve.Settings.HeatmapFolder, line);
        var deadlineFiles = DateTime.UtcNow.AddSeconds(10);
        while (Directory.GetFiles(folder, ids[0] + "-*").Length > 0 && DateTime.UtcNow < deadlineFiles) await Task.Delay(100);
        Assert.Empty(Directory.GetFiles(folder, ids[0] + "-*"));
        Assert.NotEmpty(Directory.GetFiles(folder, ids[^1] + "-*"));
        long bytesOnDisk = Directory.GetFiles(folder).Sum(f => new FileInfo(f).Length);
        Assert.True(bytesOnDisk <= 1L << 20, $"{bytesOnDisk} bytes of images on disk over the line's 1 MB");

        // The metrics say it too: what the line keeps, and what went by size.
        string metrics = await serve.Anonymous.GetStringAsync("/metrics");
        var lines = metrics.Split('\n');
        Assert.Contains(lines, l => l.StartsWith("inspection_retention_removed_total{") && l.Contains($"line=\"{line}\"") && l.Contains("reason=\"size\""));
        Assert.Contains(lines, l => l.StartsWith("inspection_retention_removed_bytes_total{") && l.Contains($"line=\"{line}\""));
        Assert.Contains(lines, l => l.StartsWith("inspection_retention_kept{") && l.Contains($"line=\"{line}\""));
        Assert.Contains(lines, l => l.StartsWith("inspection_retention_kept_bytes{") && l.Contains($"line=\"{line}\""));

        // Back to the server's defaults.
        var reset = await serve.Client.PutAsJsonAsync($"/api/v1/lines/{line}", new { keepDays = 0, keepFlaggedDays = 0, keepMegabytes = 0 });
        var defaults = (await reset.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("storage");
        Assert.Equal((serve.Settings.KeepDays, serve.Settings.KeepMegabytes), (defaults.GetProperty("keepDays").GetDouble(), defaults.GetProperty("keepMegabytes").GetInt64()));
    }
}
