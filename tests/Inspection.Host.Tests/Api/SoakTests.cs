using System.Net.Http.Json;
using System.Text.Json;
using Inspection.Host.Cli;
using Xunit;
using Xunit.Abstractions;

namespace Inspection.Host.Tests.Api;

/// <summary>
/// The soak's short version against the real server: a steady stream for 40 s on a line with tiny retention limits,
/// first a 1 MB size limit, then a 5 s age. The line's images on disk stay within its limit (plus what one retention
/// step lets through), results go by size and then by age, every frame is answered, and the run's CSV and plot are
/// written.
/// </summary>
[Collection(ServeCollection.Name)]
public sealed class SoakTests(ServeFixture serve, ITestOutputHelper log)
{
    [Fact]
    public async Task A_stream_under_tiny_limits_keeps_disk_within_them_and_removes_by_size_and_by_age()
    {
        const string line = "soaked";
        await serve.TrainLine(line);
        (await serve.Client.PutAsJsonAsync($"/api/v1/lines/{line}", new { keepDays = 1, keepFlaggedDays = 2, keepMegabytes = 1 })).EnsureSuccessStatusCode();
        string images = Path.Combine(serve.Category, "test"), output = serve.Folder.File("soak");
        var options = new SoakCommand.SoakOptions(serve.Client.BaseAddress!.ToString(), line, images, Rate: 4, Seconds: 40, SampleSeconds: 2,
            Pid: Environment.ProcessId, DataDir: Path.Combine(serve.Settings.HeatmapFolder, line), Output: output, Key: ServeFixture.Key);
        var console = new StringWriter();
        var before = Console.Out;
        Console.SetOut(TextWriter.Synchronized(console));
        Task<int> soak;
        soak = SoakCommand.Run(options, CancellationToken.None);
        // Halfway, the size limit is lifted and an age of 5 s (and 10 s for flagged results) takes over.
        await Task.Delay(TimeSpan.FromSeconds(20));
        (await serve.Client.PutAsJsonAsync($"/api/v1/lines/{line}", new { keepDays = 5 / 86_400.0, keepFlaggedDays = 10 / 86_400.0, keepMegabytes = 100 }))
            .EnsureSuccessStatusCode();
        int code = await soak;
        Console.SetOut(before);
        log.WriteLine(console.ToString());
        Assert.Equal(0, code);

        var samples = File.ReadAllLines(Path.Combine(output, "soak.csv")).Skip(1).Select(SoakSample.Parse).ToList();
        foreach (var s in samples) log.WriteLine(s.Csv());
        Assert.True(samples.Count >= 15, $"{samples.Count} samples in 40 s at one per 2 s");
        Assert.True(File.Exists(Path.Combine(output, "soak.png")));
        var last = samples[^1];
        // Refusals are the test server's back-pressure (it holds 4 frames in flight), answered 503 and not lost.
        Assert.Equal(0, last.Failed);
        Assert.True(last.Scored >= 140, $"{last.Scored} frames scored in 40 s at 4 frames/s");
        Assert.True(last.RemovedBySize > 0, "nothing was removed for size under a 1 MB limit");
        Assert.True(last.RemovedByAge > 0, "nothing was removed for age under a 5 s limit");
        // Within the 1 MB limit, but for the frames that come between two retention steps (1 s apart here; 3 s allowed
        // for a busy machine) before a step removes them: 12 frames' images at 4 frames/s.
        var storage = (await serve.Client.GetFromJsonAsync<JsonElement>($"/api/v1/lines/{line}")).GetProperty("storage");
        log.WriteLine(storage.ToString());
        double perResult = storage.GetProperty("removedBytes").GetDouble() / storage.GetProperty("removedResults").GetDouble() / 1048576;
        double allowed = 1 + 12 * perResult;
        var sized = samples.Where(s => s.Seconds is > 4 and < 20).ToList();
        Assert.All(sized, s => Assert.True(s.ImagesMb <= allowed, $"{s.ImagesMb:0.00} MB of images at {s.Seconds:0} s over the line's 1 MB and 12 frames of {perResult:0.00} MB"));
        // Under the 5 s age: what 5 s (10 s if flagged) of the stream keeps, well under the size held before.
        var aged = samples.Where(s => s.Seconds > 32).ToList();
        Assert.All(aged, s => Assert.InRange(s.Retained, 1, 4 * 12));
    }
}
