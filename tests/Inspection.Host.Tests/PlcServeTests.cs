using Inspection.Actors.Hosting;
using Inspection.Actors.Tests.Plc;
using Inspection.Engine.Data;
using Inspection.Engine.Tests.Cameras;
using Inspection.Host.Cli;
using Xunit;
using Xunit.Abstractions;

namespace Inspection.Host.Tests;

/// <summary>
/// The PLC handshake as a plant wires it: <c>inspection serve</c> with a trained line, a GigE Vision camera (aravis'
/// simulator) on software trigger and <c>--plc</c>; a PLC nobody here wrote (pymodbus) triggers over Modbus TCP and
/// reads back the verdict of the real model on the camera's real frame, with its part id; the API finds the
/// stored result by that id.
/// </summary>
[Collection("cli")]
public class PlcServeTests(ITestOutputHelper log)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(180);

    [SkippableFact]
    public async Task A_plc_trigger_on_serve_gets_the_models_verdict_on_the_cameras_frame()
    {
        Skip.If(FakeGigECamera.Missing != null, FakeGigECamera.Missing);
        Skip.If(PlcClient.PymodbusMissing != null, PlcClient.PymodbusMissing);
        using var folder = new TempFolder();
        string data = folder.File("line");
        SyntheticProductLine.Generate(data, new SyntheticLineOptions(Seed: 4, TrainGood: 6, TestGood: 1, DefectsPerType: 1, Size: 64));
        using var simulator = new FakeGigECamera();
        int plc = InspectionNodeHost.FreePort();
        string http = $"127.0.0.1:{InspectionNodeHost.FreePort()}", key = "plc-test-key-0123456789";
        using var serve = CliProcess.Start(log, "serve", "--http", http, "--api-key", key, "--data-dir", folder.File("data"),
            "--image-size", "64", "--train", $"line-a={data}", "--camera", $"line-a={simulator.Url("pixel-format=Mono8&width=128&height=128&trigger=software")}",
            "--plc", $"127.0.0.1:{plc}", "--part-deadline-ms", "10000");
        await serve.WaitForLine(l => l.StartsWith("PLC block 0 (registers 0-15): camera "), Patience);
        Assert.Contains($"PLC handshake: Modbus TCP on 127.0.0.1:{plc}; a part without a verdict in 10000 ms is NG", serve.Output);

        // The camera's status bit, as a PLC would wait for it before its first trigger (the PLC polls; there is no event).
        var connected = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while ((PlcClient.Pymodbus(plc, "read 0").GetProperty("status").GetInt32() & 4) == 0)
        {
            Assert.True(DateTime.UtcNow < connected, "the camera never showed as connected in the PLC's status register: " + serve.Output);
            await Task.Delay(200);
        }

        var answer = PlcClient.Pymodbus(plc, "handshake 0 4711 60");
        Assert.Equal(4711, answer.GetProperty("part").GetInt32());
        Assert.Equal("inspected", answer.GetProperty("code").GetString());
        Assert.Contains(answer.GetProperty("verdict").GetString(), new[] { "ok", "ng" });
        // The simulator's ramp is nothing like the trained parts: the model scores it, far above its threshold (500).
        Assert.True(answer.GetProperty("score").GetInt32() > 0, answer.ToString());

        var assigned = PlcClient.Pymodbus(plc, "handshake 0 0 60");
        Assert.Equal("inspected", assigned.GetProperty("code").GetString());
        Assert.True(assigned.GetProperty("part").GetUInt32() >= 0x8000_0000u, assigned.ToString());
        // The part's result is stored with its id: the API finds it by part.
        using var client = new HttpClient { BaseAddress = new Uri($"http://{http}") };
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        var found = System.Text.Json.JsonDocument.Parse(await client.GetStringAsync("/api/v1/results?line=line-a&part=4711")).RootElement.GetProperty("items");
        var stored = Assert.Single(found.EnumerateArray());
        Assert.Equal(("4711", false, answer.GetProperty("verdict").GetString() == "ng" ? "fail" : "pass"),
            (stored.GetProperty("part").GetString(), stored.GetProperty("late").GetBoolean(), stored.GetProperty("verdict").GetString()));
        // A frame sent over HTTP names its part the same way.
        using var body = new ByteArrayContent(File.ReadAllBytes(Directory.GetFiles(Path.Combine(data, "test", "good"), "*.png")[0]));
        body.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("image/png");
        var posted = await client.PostAsync("/api/v1/lines/line-a/frames?part=box-17", body);
        Assert.True(posted.IsSuccessStatusCode, await posted.Content.ReadAsStringAsync());
        Assert.Equal("box-17", System.Text.Json.JsonDocument.Parse(await posted.Content.ReadAsStringAsync()).RootElement.GetProperty("part").GetString());

        // The camera list shows the camera, its status and its PLC block with the handshake's counts (a node reports every 2 s).
        var listed = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        System.Text.Json.JsonElement camera;
        while (true)
        {
            var list = System.Text.Json.JsonDocument.Parse(await client.GetStringAsync("/api/v1/cameras")).RootElement;
            var items = list.GetProperty("items").EnumerateArray().ToList();
            // A report made after both verdicts (one made while the second part was pending counts it, without its result).
            if (items.Count == 1 && items[0].GetProperty("plc").ValueKind == System.Text.Json.JsonValueKind.Object &&
                items[0].GetProperty("plc") is var handshake && handshake.GetProperty("ok").GetInt32() + handshake.GetProperty("ng").GetInt32() == 2 &&
                items[0].GetProperty("results").GetInt64() == 2)
            {
                camera = items[0];
                Assert.Equal($"127.0.0.1:{plc}", list.GetProperty("plcs").EnumerateArray().Single().GetProperty("endpoint").GetString());
                break;
            }
            Assert.True(DateTime.UtcNow < listed, "GET /api/v1/cameras never showed the camera with its two parts' results: " + list);
            await Task.Delay(500); // reports come every 2 s; there is no event to wait on over HTTP
        }
        Assert.Equal(("line-a", true, 0, false), (camera.GetProperty("line").GetString(), camera.GetProperty("connected").GetBoolean(),
            camera.GetProperty("plc").GetProperty("block").GetInt32(), camera.GetProperty("stale").GetBoolean()));
        Assert.Equal((2L, 2L, 0L), (camera.GetProperty("plc").GetProperty("parts").GetInt64(), camera.GetProperty("captured").GetInt64(),
            camera.GetProperty("dropped").GetInt64())); // one frame per part

        // The dashboard in a real browser: the camera page lists the camera with its PLC counts, the line page shows the parts.
        if (File.Exists(Dashboard.Browser.ExecutablePath))
        {
            await using var browser = await Dashboard.Browser.Start();
            var page = await browser.Page();
            await page.GotoAsync($"http://{http}/");
            await Dashboard.Browser.SignIn(page, key);
            await page.EvaluateAsync("location.hash = '#/cameras'");
            var row = page.Locator($"tr[data-camera='line-a/{camera.GetProperty("camera").GetString()}']");
            await Microsoft.Playwright.Assertions.Expect(row).ToContainTextAsync("connected");
            await Microsoft.Playwright.Assertions.Expect(page.GetByTestId("plcs")).ToContainTextAsync($"127.0.0.1:{plc}");
            await page.EvaluateAsync("location.hash = '#/lines/line-a'");
            await Microsoft.Playwright.Assertions.Expect(page.GetByTestId("thumb-part").Filter(new() { HasText = "part 4711" })).ToHaveCountAsync(1);
            await Microsoft.Playwright.Assertions.Expect(page.GetByTestId("thumb-part").Filter(new() { HasText = "part box-17" })).ToHaveCountAsync(1);
        }
        else log.WriteLine($"no Chromium at {Dashboard.Browser.ExecutablePath}: the dashboard part of this test did not run");

        var registers = PlcClient.Pymodbus(plc, "read 0");
        Assert.Equal((2, 0, 0), (registers.GetProperty("parts").GetInt32(), registers.GetProperty("timeouts").GetInt32(), registers.GetProperty("refused").GetInt32()));

        serve.Terminate();
        await serve.Process.WaitForExitAsync().WaitAsync(Patience);
        Assert.Equal(ExitCodes.Success, serve.Process.ExitCode);
    }
}
