using Inspection.Host.Cli;
using Xunit;
using Xunit.Abstractions;

namespace Inspection.Host.Tests;

/// <summary>
/// SIGTERM (and Ctrl+C) reach a running demo's pipeline as the actor system's coordinated shutdown, which Akka.Hosting
/// runs when the host is stopped. The demo must then say it was stopped and exit 130, not report a failed camera.
/// </summary>
[Collection("cli")]
public class DemoStopTests(ITestOutputHelper log)
{
    [Fact]
    public async Task A_demo_whose_pipeline_is_stopped_by_SIGTERM_says_so_and_exits_130()
    {
        using var folder = new TempFolder();
        using var demo = CliProcess.Start(log, "demo", "--out", folder.File("demo"), "--image-size", "64", "--fps", "1");
        await demo.WaitForLine(l => l.StartsWith("  frame "), TimeSpan.FromMinutes(3)); // the pipeline phase has begun

        demo.Terminate();
        await demo.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));

        string error = string.Join('\n', demo.Errors);
        Assert.Equal(ExitCodes.Interrupted, demo.Process.ExitCode);
        Assert.Contains("error: the demo was stopped (Ctrl+C or SIGTERM) after", error);
        Assert.DoesNotContain("camera stopped", error);
    }
}
