using Akka.Actor;
using Inspection.Engine.Data;
using Inspection.Engine.Evaluation;
using Inspection.Engine.PatchCore;
using Inspection.Host.Cli;
using Xunit;
using static TorchSharp.torch;

namespace Inspection.Host.Tests;

/// <summary>
/// Ctrl+C and SIGTERM reach a running demo's pipeline as the actor system's coordinated shutdown (Akka.Hosting runs it
/// for either signal; by hand, from a shell: exit 130 within two seconds). The demo must then say it was stopped and
/// exit 130, not report a failed camera. The shutdown is started here the way the signal starts it.
/// </summary>
[Collection("cli")]
public class DemoStopTests
{
    [Fact]
    public async Task A_demo_whose_pipeline_is_shut_down_by_a_signal_says_so_and_exits_130()
    {
        using var folder = new TempFolder();
        string data = folder.File("line");
        SyntheticProductLine.Generate(data, new SyntheticLineOptions(Seed: 8, TrainGood: 12, TestGood: 4, DefectsPerType: 2, Size: 64));
        var settings = new PatchCoreSettings { ImageSize = 64 };
        var (evaluation, model) = new PatchCoreEvaluator(settings, CPU).Run(data);
        model.Dispose();

        var error = new StringWriter();
        var oldError = Console.Error;
        Console.SetError(error);
        int code;
        try
        {
            int seen = 0;
            code = await PipelineDemo.Run(data, folder.Path, settings, "cpu", evaluation, framesPerSecond: 1,
                onResult: (result, system) =>
                {
                    if (Interlocked.Increment(ref seen) == 1) _ = CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClrExitReason.Instance);
                });
        }
        finally
        {
            Console.SetError(oldError);
        }
        Assert.Equal(ExitCodes.Interrupted, code);
        Assert.Contains("error: the demo was stopped (Ctrl+C or SIGTERM) after", error.ToString());
        Assert.DoesNotContain("camera stopped", error.ToString());
    }
}
