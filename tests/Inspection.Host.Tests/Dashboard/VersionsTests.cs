using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Inspection.Host.Tests.Api;
using Microsoft.Playwright;
using Xunit;

namespace Inspection.Host.Tests.Dashboard;

/// <summary>
/// A line's model versions and shadow on its dashboard page, in a real browser, on a line of its own trained twice: the
/// table lists both with the active one marked; Activate serves the older one again; Shadow makes the other score the
/// frames beside it, and the page shows the agreement the server counts, opens a flipped frame, and promotes the shadow.
/// </summary>
[Collection(ServeCollection.Name)]
public sealed class VersionsTests(ServeFixture serve)
{
    private const string Line = "dashboard-versions";

    [SkippableFact]
    public async Task The_line_page_lists_the_versions_activates_an_older_one_and_shadows_and_promotes_another()
    {
        await using var browser = await Browser.Start();
        await serve.TrainLine(Line);
        await serve.TrainLine(Line);
        var page = await serve.SignedInDashboard(browser);
        await page.EvaluateAsync($"location.hash = '#/lines/{Line}'");

        var rows = page.GetByTestId("versions").Locator("tr");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await Assertions.Expect(rows.Nth(0)).ToHaveAttributeAsync("data-version", "v2");
        await Assertions.Expect(page.Locator("tr[data-version='v2']").GetByTestId("active-version")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("tr[data-version='v1']")).ToContainTextAsync($"folder {serve.Category}");
        await Assertions.Expect(page.Locator("tr[data-version='v1']")).ToContainTextAsync(Inspection.Host.Api.ApiKeys.NameOf(ServeFixture.Key));

        await page.Locator("button[data-activate='v1']").ClickAsync();
        await Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("The line now serves v1.", new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator("tr[data-version='v1']").GetByTestId("active-version")).ToBeVisibleAsync();
        Assert.Equal("v1", (await serve.Client.GetFromJsonAsync<JsonElement>($"/api/v1/lines/{Line}")).GetProperty("modelVersion").GetString());

        // v2 shadows v1; v1 passes everything (an operator's threshold above any score), so v2 flips the defects.
        (await serve.Client.PutAsJsonAsync($"/api/v1/lines/{Line}/threshold", new { score = 1000.0 })).EnsureSuccessStatusCode();
        await page.Locator("button[data-shadow='v2']").ClickAsync();
        await Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("v2 now shadows the line.");
        await Assertions.Expect(page.GetByTestId("shadow")).ToContainTextAsync("Shadow: v2 beside v1");
        await Assertions.Expect(page.GetByTestId("shadow-version")).ToBeVisibleAsync();
        string defect = serve.DefectKind;
        var frames = new[] { ("good", 0), ("good", 1), ("good", 2), (defect, 0), (defect, 1) };
        foreach (var (kind, index) in frames)
            Assert.Equal(HttpStatusCode.OK, (await serve.PostFrame(serve.Image(kind, index), line: Line)).StatusCode);
        JsonElement agreement = default;
        for (var until = DateTime.UtcNow.AddSeconds(60); DateTime.UtcNow < until; await Task.Delay(200))
        {
            agreement = (await serve.Client.GetFromJsonAsync<JsonElement>($"/api/v1/lines/{Line}")).GetProperty("shadow").GetProperty("agreement");
            if (agreement.ValueKind == JsonValueKind.Object && agreement.GetProperty("compared").GetInt64() == frames.Length) break;
        }
        Assert.Equal(frames.Length, agreement.GetProperty("compared").GetInt64());
        await page.ReloadAsync();
        await Assertions.Expect(page.GetByTestId("shadow-compared")).ToHaveTextAsync(frames.Length.ToString());
        await Assertions.Expect(page.GetByTestId("shadow-pass-to-fail")).ToHaveTextAsync(agreement.GetProperty("passToFail").GetInt64().ToString());
        await Assertions.Expect(page.GetByTestId("shadow-both-pass")).ToHaveTextAsync(agreement.GetProperty("bothPass").GetInt64().ToString());
        var flips = page.GetByTestId("flips").Locator("button[data-result]");
        await Assertions.Expect(flips).ToHaveCountAsync((int)agreement.GetProperty("passToFail").GetInt64());
        await Browser.Screenshot(page, "line-versions-shadow");

        // A flipped frame opens as any frame does.
        await flips.First.ClickAsync();
        await Assertions.Expect(page.GetByTestId("detail")).ToContainTextAsync("pass");

        await page.GetByTestId("promote").ClickAsync();
        await Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("The line now serves v2.", new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator("tr[data-version='v2']").GetByTestId("active-version")).ToBeVisibleAsync();
        var line = await serve.Client.GetFromJsonAsync<JsonElement>($"/api/v1/lines/{Line}");
        Assert.Equal("v2", line.GetProperty("modelVersion").GetString());
        Assert.Equal(JsonValueKind.Null, line.GetProperty("shadow").ValueKind);
    }
}
