using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Inspection.Host.Tests.Api;
using Microsoft.Playwright;
using Xunit;

namespace Inspection.Host.Tests.Dashboard;

/// <summary>
/// The dashboard's line page and review queue in a real browser against the real serve application: a failing frame's
/// overlay, image and mask load; a review click or key press changes the line's review counts on the server.
/// </summary>
[Collection(ServeCollection.Name)]
public sealed class LineAndReviewTests(ServeFixture serve)
{
    private static Task Open(IPage page, string fragment) => page.EvaluateAsync($"location.hash = '{fragment}'");

    /// <summary>Pushes a defective frame and returns its result, which the model flags.</summary>
    private async Task<JsonElement> Flagged(int index)
    {
        string defect = serve.DefectKind;
        var response = await serve.PostFrame(serve.Image(defect, index));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("fail", result.GetProperty("verdict").GetString());
        return result;
    }

    private async Task<JsonElement> Reviews() =>
        (await serve.Client.GetFromJsonAsync<JsonElement>($"/api/v1/lines/{ServeFixture.Line}")).GetProperty("reviews");

    [SkippableFact]
    public async Task A_failing_frame_shows_its_overlay_and_opens_to_its_image_overlay_and_mask()
    {
        await using var browser = await Browser.Start();
        string id = (await Flagged(0)).GetProperty("id").GetString()!;
        var page = await serve.SignedInDashboard(browser);
        var overlay = await page.RunAndWaitForResponseAsync(() => Open(page, $"#/lines/{ServeFixture.Line}"), r => r.Url.EndsWith($"/results/{id}/overlay.png"));
        Assert.Equal(200, overlay.Status);
        Assert.Equal("image/png", overlay.Headers["content-type"]);
        // The browser decoded it: the thumbnail shows an image of the frame's size.
        await page.WaitForFunctionAsync($"() => {{ const img = document.querySelector(\"button.thumb[data-result='{id}'] img\"); return img && img.complete && img.naturalWidth > 0; }}");

        await page.CheckAsync("#failures-only");
        // The filtered list replaces the page's content: wait for it, so the click lands on the list that stays.
        var thumb = page.Locator($"[data-testid=frames][data-filter=fail] button.thumb[data-result='{id}']");
        await Assertions.Expect(thumb).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("fail"));
        var mask = await page.RunAndWaitForResponseAsync(() => thumb.ClickAsync(), r => r.Url.EndsWith($"/results/{id}/mask.png"));
        Assert.Equal(200, mask.Status);
        foreach (var picture in new[] { "detail-image", "detail-overlay", "detail-mask" })
            await Assertions.Expect(page.GetByTestId(picture)).ToHaveAttributeAsync("src", new System.Text.RegularExpressions.Regex("^blob:"));
        await Assertions.Expect(page.GetByTestId("detail")).ToContainTextAsync("fail");
        Assert.Equal(0, await page.Locator("[data-filter=fail] button.thumb.pass").CountAsync()); // the filter keeps failures only
        await Browser.Screenshot(page, "line");
    }

    [SkippableFact]
    public async Task A_frame_far_from_the_training_images_aspect_shows_its_warning_on_the_line_page()
    {
        await using var browser = await Browser.Start();
        string strips = serve.SmallStrips("aspect-strips", seed: 6);
        (await serve.Client.PutAsJsonAsync("/api/v1/lines/aspect-ui", new { imageSize = "auto:4096", coresetRatio = 0.25 })).EnsureSuccessStatusCode();
        var started = await serve.Client.PostAsJsonAsync("/api/v1/lines/aspect-ui/training", new { folder = strips });
        var job = await serve.WaitForJob((await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("jobId").GetString()!);
        Assert.Equal("succeeded", job.GetProperty("state").GetString());
        var result = await (await serve.PostFrame(serve.Image("good"), line: "aspect-ui")).Content.ReadFromJsonAsync<JsonElement>();
        string id = result.GetProperty("id").GetString()!;
        string warning = result.GetProperty("warning").GetString()!;

        var page = await serve.SignedInDashboard(browser);
        await Open(page, "#/lines/aspect-ui");
        var thumb = page.Locator($"button.thumb[data-result='{id}']");
        await Assertions.Expect(thumb.GetByTestId("thumb-warning")).ToHaveAttributeAsync("title", warning);
        await thumb.ClickAsync();
        await Assertions.Expect(page.GetByTestId("detail-warning")).ToHaveTextAsync($"Warning: {warning}");
        await Browser.Screenshot(page, "aspect-warning");
    }

    [SkippableFact]
    public async Task A_click_and_a_key_press_in_the_review_queue_change_the_lines_review_counts_on_the_server()
    {
        await using var browser = await Browser.Start();
        string id = (await Flagged(1)).GetProperty("id").GetString()!;
        var before = await Reviews();
        var page = await serve.SignedInDashboard(browser);
        await Open(page, $"#/lines/{ServeFixture.Line}/review");
        var item = page.Locator($"ol.queue li[data-result='{id}']");
        await Assertions.Expect(item).ToBeVisibleAsync();

        var posted = await page.RunAndWaitForResponseAsync(() => item.Locator("button[data-action='good']").ClickAsync(),
            r => r.Url.EndsWith($"/results/{id}/review") && r.Request.Method == "POST");
        Assert.Equal(200, posted.Status);
        await Assertions.Expect(item).ToHaveCountAsync(0);
        var afterClick = await Reviews();
        Assert.Equal(before.GetProperty("falseAlarms").GetInt64() + 1, afterClick.GetProperty("falseAlarms").GetInt64());
        await Assertions.Expect(page.GetByTestId("false-alarm-rate")).ToContainTextAsync(new System.Text.RegularExpressions.Regex($@"\b{afterClick.GetProperty("falseAlarms").GetInt64()} false alarms?\b"));
        var reviewed = await serve.Client.GetFromJsonAsync<JsonElement>($"/api/v1/results/{id}");
        Assert.Equal("good", reviewed.GetProperty("review").GetProperty("label").GetString());

        // D confirms the first frame of the queue, whichever it is, as a defect.
        await Flagged(0);
        await page.ReloadAsync();
        var first = page.Locator("ol.queue li[data-result]").First;
        await Assertions.Expect(first).ToBeVisibleAsync();
        string firstId = (await first.GetAttributeAsync("data-result"))!;
        await page.RunAndWaitForResponseAsync(() => page.Keyboard.PressAsync("d"), r => r.Url.EndsWith($"/results/{firstId}/review"));
        await Assertions.Expect(page.Locator($"ol.queue li[data-result='{firstId}']")).ToHaveCountAsync(0);
        var afterKey = await Reviews();
        Assert.Equal(afterClick.GetProperty("confirmedDefects").GetInt64() + 1, afterKey.GetProperty("confirmedDefects").GetInt64());
        var confirmed = await serve.Client.GetFromJsonAsync<JsonElement>($"/api/v1/results/{firstId}");
        Assert.Equal("defect", confirmed.GetProperty("review").GetProperty("label").GetString());
        await Browser.Screenshot(page, "review");
    }

    [SkippableFact]
    public async Task A_false_alarm_added_to_the_model_from_the_review_queue_becomes_the_lines_next_version()
    {
        const string line = "dashboard-review";
        await using var browser = await Browser.Start();
        await serve.TrainLine(line);
        var flagged = await (await serve.PostFrame(serve.Image(serve.DefectKind, 0), line: line)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("fail", flagged.GetProperty("verdict").GetString());
        string id = flagged.GetProperty("id").GetString()!;
        var page = await serve.SignedInDashboard(browser);
        await Open(page, $"#/lines/{line}/review");
        var item = page.Locator($"ol.queue li[data-result='{id}']");
        await Assertions.Expect(item).ToBeVisibleAsync();

        await page.CheckAsync("#add-to-model");
        var posted = await page.RunAndWaitForResponseAsync(() => item.Locator("button[data-action='good']").ClickAsync(),
            r => r.Url.EndsWith($"/results/{id}/review") && r.Request.Method == "POST");
        Assert.Equal(200, posted.Status);
        string jobId = (await posted.JsonAsync())!.Value.GetProperty("jobId").GetString()!;
        // The page follows the job it started to the version it made, and the server serves that version.
        var addition = page.Locator($"[data-testid=additions] li[data-job='{jobId}']");
        await Assertions.Expect(addition).ToContainTextAsync("joined the model", new LocatorAssertionsToContainTextOptions { Timeout = 120_000 });
        var job = await serve.WaitForJob(jobId);
        Assert.Equal("succeeded", job.GetProperty("state").GetString());
        var view = await serve.Client.GetFromJsonAsync<JsonElement>($"/api/v1/lines/{line}");
        Assert.Equal(job.GetProperty("version").GetString(), view.GetProperty("modelVersion").GetString());
        Assert.NotEqual(flagged.GetProperty("modelVersion").GetString(), view.GetProperty("modelVersion").GetString());
        await Assertions.Expect(addition).ToContainTextAsync($"now serves {view.GetProperty("modelVersion").GetString()}");
        Assert.Equal(1, view.GetProperty("reviews").GetProperty("falseAlarms").GetInt64());
        await Browser.Screenshot(page, "review-added");
    }
}
