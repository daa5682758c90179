using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit;

namespace Inspection.Host.Tests.Api;

/// <summary>
/// A shadow version through the API of the real server: it scores every frame beside the active version, its verdicts
/// are stored and compared (both pass, both fail, flips each way, in the line's view and /metrics) but never change a
/// result or reach the line's results; the frames that flipped are listed with their links; promoting it is one call.
/// </summary>
[Collection(ServeCollection.Name)]
public sealed class ShadowTests(ServeFixture serve)
{
    private const string Line = "shadowed";

    private async Task<JsonElement> Shadow() => await serve.Client.GetFromJsonAsync<JsonElement>($"/api/v1/lines/{Line}/shadow");

    private async Task<HttpResponseMessage> Put(object body) => await serve.Client.PutAsJsonAsync($"/api/v1/lines/{Line}/shadow", body);

    [Fact]
    public async Task A_shadow_scores_beside_the_active_version_is_compared_never_acted_on_and_promoted_in_one_call()
    {
        await serve.TrainLine(Line);
        await serve.TrainLine(Line);
        // The active version (v2) passes everything: an operator's threshold far above any score. The shadow (v1)
        // keeps its own calibrated threshold, so it fails the defects: those frames flip from pass to fail.
        (await serve.Client.PutAsJsonAsync($"/api/v1/lines/{Line}/threshold", new { score = 1000.0 })).EnsureSuccessStatusCode();

        // Refusals, each with its reason; nothing changes.
        async Task Refused(HttpResponseMessage response, HttpStatusCode status, string says)
        {
            Assert.Equal(status, response.StatusCode);
            Assert.Contains(says, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        }
        await Refused(await Put(new { version = "v2" }), HttpStatusCode.Conflict, "is the active version");
        await Refused(await Put(new { version = "v9" }), HttpStatusCode.NotFound, "does not keep version 'v9'");
        await Refused(await Put(new { version = "v1", sample = 0 }), HttpStatusCode.BadRequest, "sample 0 is out of range");
        await Refused(await Put(new { sample = 0.5 }), HttpStatusCode.BadRequest, "give the kept version");
        await Refused(await serve.Client.PutAsJsonAsync("/api/v1/lines/no-such-line/shadow", new { version = "v1" }), HttpStatusCode.NotFound, "unknown line");
        Assert.Equal(JsonValueKind.Null, (await Shadow()).GetProperty("version").ValueKind);

        var set = await Put(new { version = "v1", sample = 1.0 });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal("v1", (await set.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetString());

        string defect = serve.DefectKind;
        var frames = new[] { ("good", 0), ("good", 1), ("good", 2), (defect, 0), (defect, 1) };
        var ids = new Dictionary<string, string>();
        foreach (var (kind, index) in frames)
        {
            var response = await serve.PostFrame(serve.Image(kind, index), line: Line);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var result = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("v2", result.GetProperty("modelVersion").GetString()); // the shadow never answers a frame
            Assert.Equal("pass", result.GetProperty("verdict").GetString());
            ids[result.GetProperty("id").GetString()!] = kind;
        }

        // The comparison arrives as the shadow's verdicts are stored: wait for all five.
        JsonElement agreement = default;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        do
        {
            var view = await Shadow();
            var rows = view.GetProperty("agreement").EnumerateArray().Where(a => a.GetProperty("version").GetString() == "v1").ToList();
            if (rows.Count == 1 && rows[0].GetProperty("compared").GetInt64() == frames.Length) { agreement = rows[0]; break; }
            await Task.Delay(200);
        } while (DateTime.UtcNow < deadline);
        Assert.Equal(JsonValueKind.Object, agreement.ValueKind);
        long flips = agreement.GetProperty("passToFail").GetInt64();
        Assert.True(flips >= 1, $"the defects should flip: {agreement}");
        Assert.Equal(0, agreement.GetProperty("failToPass").GetInt64() + agreement.GetProperty("bothFail").GetInt64()); // v2 passes everything
        Assert.Equal(frames.Length - flips, agreement.GetProperty("bothPass").GetInt64());

        // The flipped frames, one click away: their results (the active verdicts) by link.
        var shadow = await Shadow();
        var flipped = shadow.GetProperty("flips").EnumerateArray().ToList();
        Assert.Equal(flips, flipped.Count);
        foreach (var flip in flipped)
        {
            Assert.Equal("pass", flip.GetProperty("activeVerdict").GetString());
            Assert.Equal("fail", flip.GetProperty("shadowVerdict").GetString());
            Assert.Contains(flip.GetProperty("resultId").GetString()!, ids.Keys);
            var linked = await serve.Client.GetFromJsonAsync<JsonElement>(flip.GetProperty("link").GetString());
            Assert.Equal("v2", linked.GetProperty("modelVersion").GetString());
        }
        Assert.Contains(flipped, f => ids[f.GetProperty("resultId").GetString()!] == defect);

        // The line's view and /metrics say the same; the line's results hold the active verdicts only.
        var line = await serve.Client.GetFromJsonAsync<JsonElement>($"/api/v1/lines/{Line}");
        Assert.Equal("v1", line.GetProperty("shadow").GetProperty("version").GetString());
        Assert.Equal(flips, line.GetProperty("shadow").GetProperty("agreement").GetProperty("passToFail").GetInt64());
        var results = await serve.Client.GetFromJsonAsync<JsonElement>($"/api/v1/results?line={Line}&limit=100");
        Assert.Equal(frames.Length, results.GetProperty("items").GetArrayLength());
        Assert.All(results.GetProperty("items").EnumerateArray(), r => Assert.Equal("v2", r.GetProperty("modelVersion").GetString()));
        // The gpu node counts a comparison once both verdicts are stored (it looks again every second until then).
        string counted = $"inspection_shadow_verdicts_total{{agreement=\"pass-to-fail\",line=\"{Line}\",version=\"v1\"";
        string metrics = "";
        for (var until = DateTime.UtcNow.AddSeconds(30); !metrics.Contains(counted) && DateTime.UtcNow < until; await Task.Delay(200))
            metrics = (await serve.Anonymous.GetStringAsync("/metrics")).Replace("otel_scope_name=\"Inspection.Pipeline\",", "");
        Assert.Contains(counted, metrics);

        // Promotion: one call; v1 serves and the line has no shadow.
        var promote = await serve.Client.PostAsync($"/api/v1/lines/{Line}/shadow/promote", null);
        Assert.Equal(HttpStatusCode.Accepted, promote.StatusCode);
        var job = await serve.WaitForJob((await promote.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("jobId").GetString()!);
        Assert.Equal("succeeded", job.GetProperty("state").GetString());
        var promoted = await serve.Client.GetFromJsonAsync<JsonElement>($"/api/v1/lines/{Line}");
        Assert.Equal("v1", promoted.GetProperty("modelVersion").GetString());
        Assert.Equal(JsonValueKind.Null, promoted.GetProperty("shadow").ValueKind);
        Assert.Equal(HttpStatusCode.Conflict, (await serve.Client.PostAsync($"/api/v1/lines/{Line}/shadow/promote", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await serve.Client.DeleteAsync($"/api/v1/lines/{Line}/shadow")).StatusCode);
    }

    /// <summary>
    /// A shadow that computes other features than the active version (another input size, or tiles) gets its sampled
    /// frames extracted again with its own settings: a tiled active version shadowed by a whole-frame one of another size,
    /// then the other way round after a promotion. Every frame is compared, none in error, and a shadow's score of a
    /// frame is the score its version gives that frame once it serves.
    /// </summary>
    [Fact]
    public async Task A_shadow_of_another_input_size_or_tiled_extracts_its_own_features()
    {
        const string line = "reshaped";
        await serve.TrainLine(line, new { imageSize = 96 });
        await serve.TrainLine(line, new { imageSize = 64, tiled = true, tileOverlap = 16 });
        // The active version passes everything, so a defect the shadow fails is a flip, listed with the shadow's score.
        (await serve.Client.PutAsJsonAsync($"/api/v1/lines/{line}/threshold", new { score = 1000.0 })).EnsureSuccessStatusCode();
        var defect = serve.Image(serve.DefectKind, 0);

        async Task<Dictionary<string, byte[]>> ComparedWithoutErrors(string shadow, string active)
        {
            var set = await serve.Client.PutAsJsonAsync($"/api/v1/lines/{line}/shadow", new { version = shadow });
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
            var posted = new Dictionary<string, byte[]>();
            foreach (var frame in new[] { serve.Image("good", 0), defect, serve.Image("good", 1) })
            {
                var result = await (await serve.PostFrame(frame, line: line)).Content.ReadFromJsonAsync<JsonElement>();
                Assert.Equal(active, result.GetProperty("modelVersion").GetString());
                Assert.NotEqual("error", result.GetProperty("verdict").GetString());
                posted[result.GetProperty("id").GetString()!] = frame;
            }
            JsonElement row = default;
            for (var deadline = DateTime.UtcNow.AddSeconds(60); DateTime.UtcNow < deadline; await Task.Delay(200))
            {
                var view = await serve.Client.GetFromJsonAsync<JsonElement>($"/api/v1/lines/{line}/shadow");
                row = view.GetProperty("agreement").EnumerateArray().FirstOrDefault(a => a.GetProperty("version").GetString() == shadow);
                if (row.ValueKind == JsonValueKind.Object && row.GetProperty("compared").GetInt64() + row.GetProperty("errors").GetInt64() >= posted.Count) break;
            }
            Assert.True(row.ValueKind == JsonValueKind.Object, $"no verdict of {shadow} was compared");
            Assert.Equal(0, row.GetProperty("errors").GetInt64());
            Assert.Equal(posted.Count, row.GetProperty("compared").GetInt64());
            return posted;
        }

        var posted = await ComparedWithoutErrors(shadow: "v1", active: "v2"); // whole frames at 96 beside tiles of 64
        var flips = (await serve.Client.GetFromJsonAsync<JsonElement>($"/api/v1/lines/{line}/shadow")).GetProperty("flips").EnumerateArray().ToList();
        var flippedDefect = flips.FirstOrDefault(f => posted[f.GetProperty("resultId").GetString()!] == defect);
        Assert.True(flippedDefect.ValueKind == JsonValueKind.Object, $"v1 should fail the defect that v2 passes: {string.Join(", ", flips)}");
        double shadowScore = flippedDefect.GetProperty("shadowScore").GetDouble();

        var promote = await serve.Client.PostAsync($"/api/v1/lines/{line}/shadow/promote", null);
        Assert.Equal(HttpStatusCode.Accepted, promote.StatusCode);
        Assert.Equal("succeeded", (await serve.WaitForJob((await promote.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("jobId").GetString()!)).GetProperty("state").GetString());
        var served = await (await serve.PostFrame(defect, line: line)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("v1", served.GetProperty("modelVersion").GetString());
        Assert.Equal(shadowScore, served.GetProperty("score").GetDouble(), 0.001 * Math.Abs(shadowScore)); // its own features, as when it serves

        await ComparedWithoutErrors(shadow: "v2", active: "v1"); // tiles of 64 beside whole frames at 96
    }
}
