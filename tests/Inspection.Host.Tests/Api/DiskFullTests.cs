using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Inspection.Actors.Hosting;
using Inspection.Actors.Storage;
using Inspection.Engine.Data;
using Inspection.Host.Api;
using Xunit;
using Xunit.Abstractions;

namespace Inspection.Host.Tests.Api;

/// <summary>
/// A real server whose data folder is a small tmpfs that a test fills: above the high-water mark results still come,
/// marked, without images, and readiness is degraded; above the hard limit frames are refused with 507 and nothing of
/// them is stored; when space returns the node takes frames with images again, by itself.
/// </summary>
public sealed class DiskFullTests(ITestOutputHelper log) : IAsyncLifetime
{
    private const string Key = "disk-key-0123456789abcdef";
    private const string Line = "disk";
    private readonly TempFolder _folder = new();
    private string? _mount;
    private DiskGuard? _disk;
    private OwnServer? _server;
    private HttpClient _client = null!;

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>A 48 MB tmpfs, or a skip where this machine does not let the test mount one (it needs root).</summary>
    private string Mount()
    {
        string mount = _folder.File("volume");
        Directory.CreateDirectory(mount);
        using var process = Process.Start(new ProcessStartInfo("mount", ["-t", "tmpfs", "-o", "size=48m", "tmpfs", mount])
            { RedirectStandardError = true, RedirectStandardOutput = true })!;
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Skip.If(process.ExitCode != 0, $"a tmpfs cannot be mounted here (the test needs root): {error.Trim()}");
        return _mount = mount;
    }

    private async Task<JsonElement> Ready() => await (await new HttpClient { BaseAddress = _client.BaseAddress }.GetAsync("/healthz/ready")).Content.ReadFromJsonAsync<JsonElement>();

    /// <summary>Waits for readiness to report the disk check in this state (the guard reads the volume every 200 ms).</summary>
    private async Task<string> DiskCheck(string status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var check = (await Ready()).GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "disk");
            if (check.GetProperty("status").GetString() == status) return check.GetProperty("description").GetString()!;
            Assert.True(DateTime.UtcNow < deadline, $"the disk check is {check} after 20 s, not {status}");
            await Task.Delay(100);
        }
    }

    /// <summary>A ballast file that brings the volume to <paramref name="used"/> of its size.</summary>
    private static void FillTo(string mount, string ballast, double used)
    {
        var space = DiskSpace.Of(mount)!;
        long target = (long)(space.TotalBytes * used) - (space.TotalBytes - space.FreeBytes) + (File.Exists(ballast) ? new FileInfo(ballast).Length : 0);
        using var file = File.Create(ballast);
        var block = new byte[1 << 20];
        Random.Shared.NextBytes(block);
        for (long written = 0; written < target; written += block.Length) file.Write(block, 0, (int)Math.Min(block.Length, target - written));
    }

    private async Task<HttpResponseMessage> Post(string image)
    {
        var content = new ByteArrayContent(File.ReadAllBytes(image));
        content.Headers.ContentType = new("image/png");
        return await _client.PostAsync($"/api/v1/lines/{Line}/frames", content);
    }

    [SkippableFact]
    public async Task Above_the_high_water_mark_results_come_without_images_above_the_hard_limit_frames_are_refused_and_space_returning_heals_it()
    {
        string mount = Mount();
        string root = _folder.File("root"), category = Path.Combine(root, "line");
        SyntheticProductLine.Generate(category, new SyntheticLineOptions(Seed: 5, TrainGood: 10, TestGood: 3, DefectsPerType: 1, Size: 128));
        int port = InspectionNodeHost.FreePort();
        var settings = new ServeSettings
        {
            Http = $"127.0.0.1:{InspectionNodeHost.FreePort()}", DataDir = Path.Combine(mount, "data"), ApiKeys = [Key], FolderRoots = [root], Port = port,
            DiskHighWaterPercent = 50, DiskHardLimitPercent = 80,
        };
        Directory.CreateDirectory(settings.DataDir);
        _disk = new DiskGuard([settings.DataDir], 0.5, 0.8, TimeSpan.FromMilliseconds(200));
        _server = await OwnServer.Start(settings, node => node with { Disk = _disk, Lines = new() { Images = Inspection.Actors.Messages.ImagePolicy.OnRequest } });
        _client = _server.Client;
        await _server.TrainLine(Line, category, new { imageSize = 64 });
        string good = Directory.GetFiles(Path.Combine(category, "test", "good")).Order().First();
        log.WriteLine(await DiskCheck("Healthy"));

        // Space enough: the result names its images.
        var first = await (await Post(good)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(JsonValueKind.String, first.GetProperty("links").GetProperty("overlay").ValueKind);
        Assert.Equal(JsonValueKind.Null, first.GetProperty("imagesNotKept").ValueKind);

        // Above the high-water mark: scored as ever, marked, no images written; readiness degraded, saying why.
        string ballast = Path.Combine(mount, "ballast");
        FillTo(mount, ballast, 0.65);
        string degraded = await DiskCheck("Degraded");
        Assert.Contains("high-water mark of 50%", degraded);
        var marked = await Post(good);
        Assert.Equal(HttpStatusCode.OK, marked.StatusCode);
        var result = await marked.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("high-water mark", result.GetProperty("imagesNotKept").GetString());
        Assert.Equal(JsonValueKind.Null, result.GetProperty("links").GetProperty("overlay").ValueKind);
        string id = result.GetProperty("id").GetString()!;
        Assert.Empty(Directory.GetFiles(Path.Combine(settings.HeatmapFolder, Line), id + "-*"));
        Assert.Contains("high-water mark", (await _client.GetFromJsonAsync<JsonElement>($"/api/v1/results/{id}")).GetProperty("imagesNotKept").GetString());

        // Above the hard limit: refused with 507 before anything is stored; readiness fails, saying why.
        FillTo(mount, ballast, 0.85);
        Assert.Contains("hard limit of 80%", await DiskCheck("Unhealthy"));
        long stored = (await _client.GetFromJsonAsync<JsonElement>($"/api/v1/results?line={Line}&limit=100")).GetProperty("items").GetArrayLength();
        var refused = await Post(good);
        Assert.Equal(HttpStatusCode.InsufficientStorage, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Contains("frames are refused until space returns", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.Equal(stored, (await _client.GetFromJsonAsync<JsonElement>($"/api/v1/results?line={Line}&limit=100")).GetProperty("items").GetArrayLength());

        // Space returns: the node takes frames with their images again, without a restart.
        File.Delete(ballast);
        await DiskCheck("Healthy");
        var healed = await (await Post(good)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(JsonValueKind.String, healed.GetProperty("links").GetProperty("overlay").ValueKind);
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(settings.HeatmapFolder, Line), healed.GetProperty("id").GetString() + "-*"));
    }

    public async Task DisposeAsync()
    {
        if (_server != null) await _server.DisposeAsync();
        _disk?.Dispose();
        if (_mount != null) Process.Start("umount", ["-l", _mount])!.WaitForExit();
        _folder.Dispose();
    }
}
