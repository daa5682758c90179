using System.Net.Http.Json;
using System.Text.Json;
using Inspection.Host.Tests.Api;
using Microsoft.Playwright;
using Xunit;

namespace Inspection.Host.Tests.Dashboard;

/// <summary>
/// A line's storage and retention in a real browser: the overview card says what the line keeps, and the line page
/// sets its limits on the server (a setting the server refuses is shown, and changes nothing).
/// </summary>
[Collection(ServeCollection.Name)]
public sealed class RetentionDashboardTests(ServeFixture serve)
{
    private async Task<JsonElement> Line() => await serve.Client.GetFromJsonAsync<JsonElement>($"/api/v1/lines/{ServeFixture.Line}");

    [SkippableFact]
    public async Task The_overview_shows_what_a_line_keeps_and_the_line_page_sets_its_retention()
    {
        await using var browser = await Browser.Start();
        await serve.PostFrame(serve.Image("good"));
        var page = await serve.SignedInDashboard(browser);
        var card = page.Locator($"article.line[data-line='{ServeFixture.Line}']");
        long kept = (await Line()).GetProperty("storage").GetProperty("keptResults").GetInt64();
        Assert.True(kept > 0);
        await Assertions.Expect(card.GetByTestId("storage-text")).ToContainTextAsync(new System.Text.RegularExpressions.Regex(@"storage: [\d.,]+ of 1,024 MB, \d+ results?"));
        await Assertions.Expect(card.GetByRole(AriaRole.Meter)).ToHaveCountAsync(1);

        try
        {
            await page.EvaluateAsync($"location.hash = '#/lines/{ServeFixture.Line}'");
            var form = page.GetByTestId("retention");
            await Assertions.Expect(form.GetByTestId("keepDays")).ToHaveAttributeAsync("placeholder", "server default");
            await form.GetByTestId("keepDays").FillAsync("20");
            await form.GetByTestId("keepFlaggedDays").FillAsync("40");
            await form.GetByTestId("keepMegabytes").FillAsync("2048");
            await form.GetByRole(AriaRole.Button, new() { Name = "Save retention" }).ClickAsync();
            await Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("Retention saved.");
            await Assertions.Expect(page.GetByTestId("retention-kept")).ToContainTextAsync("of 2,048 MB; passing 20 d, flagged 40 d");
            var settings = (await Line()).GetProperty("settings");
            Assert.Equal((20.0, 40.0, 2048L), (settings.GetProperty("keepDays").GetDouble(), settings.GetProperty("keepFlaggedDays").GetDouble(),
                settings.GetProperty("keepMegabytes").GetInt64()));

            // Flagged results kept shorter than passing ones: refused, said on the page, nothing changed.
            await form.GetByTestId("keepFlaggedDays").FillAsync("5");
            await form.GetByRole(AriaRole.Button, new() { Name = "Save retention" }).ClickAsync();
            await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("400");
            await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("must be at least keepDays");
            Assert.Equal(40.0, (await Line()).GetProperty("settings").GetProperty("keepFlaggedDays").GetDouble());
            await Browser.Screenshot(page, "retention");
        }
        finally
        {
            (await serve.Client.PutAsJsonAsync($"/api/v1/lines/{ServeFixture.Line}", new { keepDays = 0, keepFlaggedDays = 0, keepMegabytes = 0 })).EnsureSuccessStatusCode();
        }
    }
}
