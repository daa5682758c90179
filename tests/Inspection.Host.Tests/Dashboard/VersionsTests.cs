using System.Net.Http.Json;
using System.Text.Json;
using Inspection.Host.Tests.Api;
using Microsoft.Playwright;
using Xunit;

namespace Inspection.Host.Tests.Dashboard;

/// <summary>
/// A line's model versions on its dashboard page, in a real browser, on a line of its own trained twice: the table
/// lists both with the active one marked, and Activate serves the older one again (the server's line says so).
/// </summary>
[Collection(ServeCollection.Name)]
public sealed class VersionsTests(ServeFixture serve)
{
    private const string Line = "dashboard-versions";

    [SkippableFact]
    public async Task The_line_page_lists_the_versions_and_activate_serves_an_older_one_again()
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
        await Browser.Screenshot(page, "line-versions");

        await page.Locator("button[data-activate='v1']").ClickAsync();
        await Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("The line now serves v1.", new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator("tr[data-version='v1']").GetByTestId("active-version")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("button[data-activate='v2']")).ToBeVisibleAsync();
        var line = await serve.Client.GetFromJsonAsync<JsonElement>($"/api/v1/lines/{Line}");
        Assert.Equal("v1", line.GetProperty("modelVersion").GetString());
    }
}
