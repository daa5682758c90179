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
        Assert.Matches(@"server peak working set: [1-9]\d* MiB", run.Out);
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
    }
}
