using System.Text.RegularExpressions;
using Inspection.Host.Cli;
using Xunit;

namespace Inspection.Host.Tests.Api;

/// <summary><c>inspection loadtest</c> against the real server: it scores frames, and reports what it measured.</summary>
[Collection(ServeCollection.Name)]
public sealed class LoadTestCommandTests(ServeFixture serve)
{
    [Fact]
    public void A_short_load_reports_throughput_latency_answers_and_server_memory()
    {
        string images = Path.Combine(serve.Category, "test", "good");
        var run = CliRun.Invoke("loadtest", "--url", "http://" + serve.Settings.Http, "--line", ServeFixture.Line, "--images", images,
            "--clients", "2", "--seconds", "3", "--api-key", ServeFixture.Key);
        Assert.True(run.ExitCode == ExitCodes.Success, run.Out + run.Error);
        Assert.Matches(@"scored: [1-9]\d* frames, \d+\.\d frames/s", run.Out);
        Assert.Matches(@"latency ms: p50 \d+\.\d, p95 \d+\.\d, p99 \d+\.\d", run.Out);
        Assert.Matches(@"answers: 200 x[1-9]", run.Out);
        Assert.Matches(@"server working set: [1-9]\d* MiB when measuring began, [1-9]\d* half-way, [1-9]\d* at the end, peak [1-9]\d* MiB", run.Out);
        Assert.Matches(@"server line counters over the run: accepted [1-9]\d*, scored [1-9]\d*, failed 0, refused 0; in flight now 0; accepted without a result: 0", run.Out);
    }

    [Fact]
    public void An_open_loop_keeps_its_rate_and_counts_nothing_from_the_warm_up()
    {
        string images = Path.Combine(serve.Category, "test", "good");
        var run = CliRun.Invoke("loadtest", "--url", "http://" + serve.Settings.Http, "--line", ServeFixture.Line, "--images", images,
            "--rate", "3", "--clients", "16", "--seconds", "3", "--warmup", "2", "--api-key", ServeFixture.Key);
        Assert.True(run.ExitCode == ExitCodes.Success, run.Out + run.Error);
        Assert.Contains("open loop at 3.0 frames/s (at most 16 requests open)", run.Out);
        Assert.Contains("measured after 2 s of warm-up", run.Out);
        // At 3 frames/s for 3 s at most 10 frames are sent in the measured part; the warm-up's 6 are not counted.
        int scored = int.Parse(Regex.Match(run.Out, @"scored: (\d+) frames").Groups[1].Value);
        Assert.True(scored is >= 1 and <= 10, run.Out);
        var counters = Regex.Match(run.Out, @"warm-up included: accepted (\d+), scored (\d+), failed 0, refused 0; in flight now 0; accepted without a result: 0");
        Assert.True(counters.Success, run.Out);
        Assert.True(int.Parse(counters.Groups[1].Value) > scored, "the server's counters include the warm-up's frames: " + run.Out);
    }

    [Fact]
    public void A_wrong_key_is_counted_by_status_and_bad_options_are_refused()
    {
        string images = Path.Combine(serve.Category, "test", "good");
        var refused = CliRun.Invoke("loadtest", "--url", "http://" + serve.Settings.Http, "--line", ServeFixture.Line, "--images", images,
            "--clients", "1", "--seconds", "1", "--api-key", "wrong-key-0123456789");
        Assert.Equal(ExitCodes.Failure, refused.ExitCode);
        Assert.Matches(@"answers: 403 x[1-9]", refused.Out);
        var badUrl = CliRun.Invoke("loadtest", "--url", "ftp://x", "--line", "l", "--images", images);
        Assert.Equal(ExitCodes.BadInput, badUrl.ExitCode);
        Assert.Contains("is not an http(s) URL", badUrl.Error);
        var noImages = CliRun.Invoke("loadtest", "--url", "http://127.0.0.1:1", "--line", "l", "--images", serve.Folder.File("nothing"));
        Assert.Contains("is not a folder", noImages.Error);
        var noRate = CliRun.Invoke("loadtest", "--url", "http://127.0.0.1:1", "--line", "l", "--images", images, "--rate", "0");
        Assert.Equal(ExitCodes.BadInput, noRate.ExitCode);
        Assert.Contains("--rate 0 is not a positive number of frames per second", noRate.Error);
    }
}
