using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Inspection.Host.Tests.Api;
using Microsoft.Playwright;
using Xunit;

namespace Inspection.Host.Tests.Dashboard;

/// <summary>
/// Threshold tuning in a real browser on a line of its own (so the other tests keep their line's threshold): the flips
/// the page shows for a slider position are the server's for that value, and applying it sets the line's threshold,
/// recorded with who set it.
/// </summary>
[Collection(ServeCollection.Name)]
public sealed class ThresholdTests(ServeFixture serve)
{
    private const string Line = "dashboard-threshold";

    [SkippableFact]
    public async Task The_preview_shows_the_servers_flip_counts_and_apply_sets_the_threshold_with_who_set_it()
    {
        await using var browser = await Browser.Start();
        await serve.TrainLine(Line);
        string defect = serve.DefectKind;
        var scores = new List<double>();
        foreach (var (kind, index) in new[] { ("good", 0), ("good", 1), ("good", 2), (defect, 0), (defect, 1) })
        {
            var response = await serve.PostFrame(serve.Image(kind, index), line: Line);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var result = await response.Content.ReadFromJsonAsync<JsonElement>();
            scores.Add(result.GetProperty("score").GetDouble());
            if (kind == defect && index == 0) // reviewed frames, so the reviewed counts and the live false-reject rate are not all zero
                (await serve.Client.PostAsJsonAsync($"/api/v1/results/{result.GetProperty("id").GetString()}/review", new { label = "defect" })).EnsureSuccessStatusCode();
            if (kind == "good")
                (await serve.Client.PostAsJsonAsync($"/api/v1/results/{result.GetProperty("id").GetString()}/review", new { label = "good" })).EnsureSuccessStatusCode();
        }
        var page = await serve.SignedInDashboard(browser);
        await page.EvaluateAsync($"location.hash = '#/lines/{Line}/threshold'");
        var slider = page.Locator("#threshold");
        await Assertions.Expect(slider).ToBeVisibleAsync();

        // Between the highest good score and the lowest defect score's neighbours: a value where some frames flip.
        double candidate = (scores.Take(3).Max() + scores.Skip(3).Min()) / 2 * 1.3;
        // Moved as a drag moves it: the value (snapped to the slider's step by the browser) and an input event.
        var preview = await page.RunAndWaitForResponseAsync(
            () => slider.EvaluateAsync("(el, v) => { el.value = v; el.dispatchEvent(new Event('input', { bubbles: true })); }", candidate),
            r => r.Url.Contains($"/lines/{Line}/threshold/preview"));
        Assert.Equal(200, preview.Status);
        string value = await slider.InputValueAsync();
        var server = await serve.Client.GetFromJsonAsync<JsonElement>($"/api/v1/lines/{Line}/threshold/preview?score={value}");
        await Assertions.Expect(page.GetByTestId("recent-flips")).ToHaveTextAsync(
            $"{server.GetProperty("recentFlips").GetInt32()} of {server.GetProperty("recent").GetInt32()}");
        await Assertions.Expect(page.GetByTestId("reviewed-flips")).ToHaveTextAsync(
            $"{server.GetProperty("reviewedFlips").GetInt32()} of {server.GetProperty("reviewed").GetInt32()}");
        Assert.Equal(5, server.GetProperty("recent").GetInt32());
        Assert.Equal(4, server.GetProperty("reviewed").GetInt32());
        Assert.Equal(3, server.GetProperty("reviewedGood").GetInt32());
        // The false-reject rates: expected from the held-out good images, live among the 3 frames reviewed good.
        double candidateValue = double.Parse(value, CultureInfo.InvariantCulture);
        Assert.Equal(scores.Take(3).Count(s => s > candidateValue) / 3.0, server.GetProperty("liveFalseRejectRateAtCandidate").GetDouble(), 9);
        Assert.Equal(scores.Take(3).Count(s => s > server.GetProperty("current").GetSingle()) / 3.0, server.GetProperty("liveFalseRejectRateNow").GetDouble(), 9);
        Assert.Equal(JsonValueKind.Number, server.GetProperty("expectedFalseRejectRateNow").ValueKind);
        static string Rate(JsonElement e) => e.ValueKind == JsonValueKind.Null ? "—" : (e.GetDouble() * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %";
        await Assertions.Expect(page.GetByTestId("expected-frr")).ToHaveTextAsync(
            $"{Rate(server.GetProperty("expectedFalseRejectRateNow"))} → {Rate(server.GetProperty("expectedFalseRejectRateAtCandidate"))}");
        await Assertions.Expect(page.GetByTestId("live-frr")).ToHaveTextAsync(
            $"{Rate(server.GetProperty("liveFalseRejectRateNow"))} → {Rate(server.GetProperty("liveFalseRejectRateAtCandidate"))}");
        float current = server.GetProperty("current").GetSingle();
        Assert.Equal(scores.Count(s => s > current != s > double.Parse(value, CultureInfo.InvariantCulture)), server.GetProperty("recentFlips").GetInt32());

        var put = await page.RunAndWaitForResponseAsync(() => page.ClickAsync("#apply"), r => r.Url.EndsWith($"/lines/{Line}/threshold") && r.Request.Method == "PUT");
        Assert.Equal(200, put.Status);
        var line = await serve.Client.GetFromJsonAsync<JsonElement>($"/api/v1/lines/{Line}");
        var threshold = line.GetProperty("threshold");
        Assert.Equal(double.Parse(value, CultureInfo.InvariantCulture), threshold.GetProperty("score").GetDouble(), 3);
        Assert.Equal("operator", threshold.GetProperty("source").GetString());
        Assert.False(string.IsNullOrEmpty(threshold.GetProperty("setBy").GetString()));
        await Assertions.Expect(page.GetByTestId("set-by")).ToContainTextAsync($"set by {threshold.GetProperty("setBy").GetString()}");
        await Browser.Screenshot(page, "threshold");
    }
}
