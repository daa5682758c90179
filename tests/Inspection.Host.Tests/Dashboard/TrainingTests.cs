using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Inspection.Host.Tests.Api;
using Microsoft.Playwright;
using Xunit;

namespace Inspection.Host.Tests.Dashboard;

/// <summary>A training job started from the dashboard in a real browser: its progress advances to done, with the calibration the server reports.</summary>
[Collection(ServeCollection.Name)]
public sealed class TrainingTests(ServeFixture serve)
{
    private const string Line = "dashboard-training";

    [SkippableFact]
    public async Task A_job_started_from_a_server_folder_advances_to_succeeded_and_shows_its_calibration_and_the_held_out_histogram()
    {
        await using var browser = await Browser.Start();
        (await serve.Client.PutAsJsonAsync($"/api/v1/lines/{Line}", new { imageSize = 128 })).EnsureSuccessStatusCode();
        var page = await serve.SignedInDashboard(browser);
        await page.EvaluateAsync("location.hash = '#/training'");
        await page.FillAsync("#training-line", Line);
        await page.FillAsync("#training-folder", serve.Category);

        // Every state and progress the page shows, recorded in the page as it renders them.
        await page.EvaluateAsync(@"() => {
            window.seen = [];
            new MutationObserver(() => {
                const state = document.querySelector('[data-testid=job-state]'), bar = document.querySelector('[data-testid=job-progress]');
                if (state && bar) window.seen.push([state.textContent, Number(bar.value)]);
            }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
        }");
        var started = await page.RunAndWaitForResponseAsync(() => page.ClickAsync("#start-training"), r => r.Url.EndsWith($"/lines/{Line}/training"));
        Assert.Equal(202, started.Status);
        string id = (await started.JsonAsync())!.Value.GetProperty("jobId").GetString()!;
        await Assertions.Expect(page.GetByTestId("job-state")).ToContainTextAsync("succeeded", new LocatorAssertionsToContainTextOptions { Timeout = 180_000 });

        var seen = (await page.EvaluateAsync<JsonElement>("() => window.seen")).EnumerateArray()
            .Select(e => (State: e[0].GetString()!, Progress: e[1].GetDouble())).ToList();
        Assert.Contains(seen, s => Regex.IsMatch(s.State, "queued|running") && s.Progress < 1); // followed while it ran
        var progress = seen.Select(s => s.Progress).ToList();
        Assert.Equal(progress.Order(), progress); // it only advances
        Assert.Equal(1.0, progress[^1], 3);
        Assert.Contains("succeeded", seen[^1].State);

        var job = await serve.Client.GetFromJsonAsync<JsonElement>($"/api/v1/jobs/{id}");
        Assert.Equal("succeeded", job.GetProperty("state").GetString());
        float threshold = job.GetProperty("calibration").GetProperty("imageThreshold").GetSingle();
        await Assertions.Expect(page.GetByTestId("calibration-threshold")).ToHaveTextAsync(threshold.ToString("0.#", CultureInfo.InvariantCulture));

        // The histogram of the held-out images holds every score the server reports for them, good and defective apart.
        int good = job.GetProperty("calibration").GetProperty("heldOutGood").GetArrayLength();
        int defective = job.GetProperty("calibration").GetProperty("heldOutDefective").GetArrayLength();
        Assert.True(good > 0, "the job reports no held-out good scores");
        async Task<int> Bars(string kind) => (await page.GetByTestId("held-out-histogram").Locator($"rect.{kind}").EvaluateAllAsync<int[]>(
            "rects => rects.map(r => Number(r.dataset.count))")).Sum();
        Assert.Equal(good, await Bars("good"));
        Assert.Equal(defective, await Bars("defective"));
        await Browser.Screenshot(page, "training");
    }

    [SkippableFact]
    public async Task An_image_size_and_tiling_given_on_the_training_page_become_the_lines_and_the_page_shows_the_input_it_chose()
    {
        await using var browser = await Browser.Start();
        string strips = serve.SmallStrips("dashboard-strips", seed: 8);
        var page = await serve.SignedInDashboard(browser);
        await page.EvaluateAsync("location.hash = '#/training'");
        await page.FillAsync("#training-line", "dashboard-strips");
        await page.FillAsync("#training-folder", strips);

        await page.FillAsync("#training-image-size", "96x100");
        await page.ClickAsync("#start-training");
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("does not suit resnet18");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await serve.Client.GetAsync("/api/v1/lines/dashboard-strips")).StatusCode); // nothing was made

        await page.FillAsync("#training-image-size", "auto:4096");
        await page.ClickAsync("#start-training");
        await Assertions.Expect(page.GetByTestId("job-state")).ToContainTextAsync("succeeded", new LocatorAssertionsToContainTextOptions { Timeout = 180_000 });
        await Assertions.Expect(page.GetByTestId("input-size")).ToHaveTextAsync(", input 128x32 (height x width)");
        var line = await serve.Client.GetFromJsonAsync<JsonElement>("/api/v1/lines/dashboard-strips");
        Assert.Equal("auto:4096", line.GetProperty("settings").GetProperty("imageSize").GetString());
        Assert.Equal("128x32", line.GetProperty("inputSize").GetString());

        await page.FillAsync("#training-line", "dashboard-tiles");
        await page.FillAsync("#training-image-size", "64");
        await page.SelectOptionAsync("#training-mode", "tiled");
        await page.ClickAsync("#start-training");
        await Assertions.Expect(page.GetByTestId("job-state")).ToContainTextAsync("dashboard-tiles: succeeded", new LocatorAssertionsToContainTextOptions { Timeout = 180_000 });
        await Assertions.Expect(page.GetByTestId("input-size")).ToHaveTextAsync(", tiles of 64 (height x width)");
        var tiled = await serve.Client.GetFromJsonAsync<JsonElement>("/api/v1/lines/dashboard-tiles");
        Assert.True(tiled.GetProperty("settings").GetProperty("tiled").GetBoolean());
        Assert.True(tiled.GetProperty("tiled").GetBoolean());
    }
}
