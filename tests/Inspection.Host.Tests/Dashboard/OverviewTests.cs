using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Inspection.Host.Tests.Api;
using Microsoft.Playwright;
using Xunit;

namespace Inspection.Host.Tests.Dashboard;

/// <summary>
/// The dashboard's lines overview in a real browser against the real serve application on 127.0.0.1: signing in keeps
/// the key in the tab, the overview lists the trained line, and frames pushed through the API show up in its counts
/// without a reload (from the line's event stream).
/// </summary>
[Collection(ServeCollection.Name)]
public sealed class OverviewTests(ServeFixture serve)
{
    private string Url => "http://" + serve.Settings.Http + "/";

    [SkippableFact]
    public async Task Without_a_key_the_page_asks_for_one_and_shows_no_line()
    {
        await using var browser = await Browser.Start();
        var page = await browser.Page();
        var answer = await page.GotoAsync(Url);
        Assert.Equal(200, answer!.Status);
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("Sign in with an API key");
        Assert.Equal(0, await page.Locator("article.line").CountAsync());
        Assert.True(await page.Locator("#signin").IsVisibleAsync());
    }

    [SkippableFact]
    public async Task A_wrong_key_is_refused_as_the_api_refuses_it_and_shows_no_line()
    {
        await using var browser = await Browser.Start();
        var page = await browser.Page();
        await page.GotoAsync(Url);
        var lines = await Browser.SignIn(page, "not-a-key-of-this-server");
        Assert.Equal(403, lines.Status);
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("That API key is not accepted");
        Assert.Equal(0, await page.Locator("article.line").CountAsync());
    }

    [SkippableFact]
    public async Task Signed_in_the_overview_lists_the_line_and_counts_frames_pushed_through_the_api_without_a_reload()
    {
        await using var browser = await Browser.Start();
        var page = await browser.Page();
        await page.GotoAsync(Url);
        var lines = await Browser.SignIn(page, ServeFixture.Key);
        Assert.Equal(200, lines.Status);
        Assert.Equal(ServeFixture.Key, await page.EvaluateAsync<string>("sessionStorage.getItem('inspection.apiKey')"));
        Assert.DoesNotContain(ServeFixture.Key, page.Url); // never in a URL

        var card = page.Locator($"article.line[data-line='{ServeFixture.Line}']");
        await Assertions.Expect(card.Locator("h2")).ToHaveTextAsync(ServeFixture.Line);
        var trained = await serve.Client.GetFromJsonAsync<JsonElement>($"/api/v1/lines/{ServeFixture.Line}");
        await Assertions.Expect(card.GetByTestId("model-version")).ToHaveTextAsync("model " + trained.GetProperty("modelVersion").GetString());
        var frames = card.GetByTestId("frames-5");
        await Assertions.Expect(frames).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d+$"));
        int before = int.Parse(await frames.InnerTextAsync());
        int failedBefore = int.Parse(await card.GetByTestId("failed-5").InnerTextAsync());

        // One good and two defective frames: the counts move by what the server stored, with no reload of the page.
        var verdicts = new List<string>();
        foreach (var (kind, index) in new[] { ("good", 0), (serve.DefectKind, 0), (serve.DefectKind, 1) })
        {
            var response = await serve.PostFrame(serve.Image(kind, index));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            verdicts.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("verdict").GetString()!);
        }
        var live = new LocatorAssertionsToHaveTextOptions { Timeout = 15_000 }; // well inside the page's 30 s refresh
        await Assertions.Expect(frames).ToHaveTextAsync((before + 3).ToString(), live);
        await Assertions.Expect(card.GetByTestId("failed-5")).ToHaveTextAsync((failedBefore + verdicts.Count(v => v == "fail")).ToString(), live);
        Assert.Equal(1, await page.EvaluateAsync<int>("performance.getEntriesByType('navigation').length")); // the same document throughout
        // The latencies come from the server's summary, read again once the results have settled.
        await Assertions.Expect(card.GetByTestId("p50")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d[\d,]*(\.\d)? ms$"), live);
        await Browser.Screenshot(page, "overview");

        // What the page shows is what the server's summary says.
        var summary = await serve.Client.GetFromJsonAsync<JsonElement>($"/api/v1/lines/{ServeFixture.Line}/summary");
        var five = summary.GetProperty("windows").EnumerateArray().Single(w => w.GetProperty("minutes").GetInt32() == 5);
        Assert.Equal(five.GetProperty("frames").GetInt64().ToString(), await frames.InnerTextAsync());
    }

}
