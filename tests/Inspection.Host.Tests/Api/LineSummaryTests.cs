using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit;

namespace Inspection.Host.Tests.Api;

/// <summary>GET /api/v1/lines/{line}/summary against the real server: its windows count what the line stored.</summary>
[Collection(ServeCollection.Name)]
public sealed class LineSummaryTests(ServeFixture serve)
{
    private Task<JsonElement> Summary() => serve.Client.GetFromJsonAsync<JsonElement>($"/api/v1/lines/{ServeFixture.Line}/summary");

    private static JsonElement Window(JsonElement summary, int minutes) =>
        summary.GetProperty("windows").EnumerateArray().Single(w => w.GetProperty("minutes").GetInt32() == minutes);

    [Fact]
    public async Task Each_window_counts_the_frames_scored_since_and_the_last_scores_end_with_them()
    {
        var before = await Summary();
        string defect = serve.DefectKind;
        var results = new List<JsonElement>();
        foreach (var kind in new[] { "good", defect })
        {
            var response = await serve.PostFrame(serve.Image(kind));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            results.Add(await response.Content.ReadFromJsonAsync<JsonElement>());
        }
        var after = await Summary();

        var line = await serve.Client.GetFromJsonAsync<JsonElement>($"/api/v1/lines/{ServeFixture.Line}");
        Assert.Equal(line.GetProperty("modelVersion").GetString(), after.GetProperty("modelVersion").GetString());
        Assert.Equal(line.GetProperty("threshold").GetProperty("score").GetSingle(), after.GetProperty("threshold").GetSingle());
        int fails = results.Count(r => r.GetProperty("verdict").GetString() == "fail");
        foreach (int minutes in new[] { 1, 5, 60 })
        {
            JsonElement was = Window(before, minutes), now = Window(after, minutes);
            long Count(JsonElement w, string name) => w.GetProperty(name).GetInt64();
            // Frames of the 1-minute window may age out between the two reads; the longer windows only grow.
            if (minutes > 1)
            {
                Assert.Equal(Count(was, "frames") + 2, Count(now, "frames"));
                Assert.Equal(Count(was, "failed") + fails, Count(now, "failed"));
                Assert.Equal(Count(was, "passed") + 2 - fails, Count(now, "passed"));
            }
            Assert.Equal(Count(now, "passed") + Count(now, "failed") + Count(now, "errors"), Count(now, "frames"));
            Assert.Equal(Count(now, "frames") / (minutes * 60.0), now.GetProperty("framesPerSecond").GetDouble(), 6);
            Assert.Equal((double)Count(now, "failed") / (Count(now, "passed") + Count(now, "failed")), now.GetProperty("failRate").GetDouble(), 6);
            Assert.InRange(now.GetProperty("p50LatencyMs").GetDouble(), 0.001, now.GetProperty("p99LatencyMs").GetDouble());
        }
        var recent = after.GetProperty("recent").EnumerateArray().ToList();
        Assert.Equal(results.Select(r => r.GetProperty("id").GetString()), recent.TakeLast(2).Select(r => r.GetProperty("id").GetString()));
        Assert.Equal(results[1].GetProperty("score").GetDouble(), recent[^1].GetProperty("score").GetDouble(), 4);
    }

    [Fact]
    public async Task An_unknown_line_is_404_and_no_key_is_401()
    {
        var unknown = await serve.Client.GetAsync("/api/v1/lines/no-such-line/summary");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
        Assert.Contains("unknown line 'no-such-line'", await unknown.Content.ReadAsStringAsync());
        var anonymous = await serve.Anonymous.GetAsync($"/api/v1/lines/{ServeFixture.Line}/summary");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }
}
