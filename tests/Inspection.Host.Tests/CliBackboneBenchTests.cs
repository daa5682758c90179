using System.Globalization;
using System.Text.RegularExpressions;
using Inspection.Host.Cli;
using Xunit;
using Xunit.Abstractions;

namespace Inspection.Host.Tests;

/// <summary><c>inspection bench-backbone</c> times the real backbone: one row per batch size, with positive times.</summary>
[Collection("cli")]
public class CliBackboneBenchTests(ITestOutputHelper log)
{
    [Fact]
    public void Bench_backbone_prints_a_timed_row_for_each_batch_size()
    {
        var run = CliRun.Invoke("bench-backbone", "--image-size", "64", "--batch-sizes", "1", "3", "--repeats", "1");
        log.WriteLine(run.Out + run.Error);

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.Contains("resnet18 [layer2, layer3] 64x64 fp32 on cpu", run.Out);
        // Table rows: batch, folded ms per image, module by module ms per image, folded images per second.
        var rows = Regex.Matches(run.Out, @"│\s*(\d+)\s*│\s*([\d.]+)\s*│\s*([\d.]+)\s*│\s*([\d.]+)\s*│");
        Assert.Equal(["1", "3"], rows.Select(r => r.Groups[1].Value));
        foreach (Match row in rows)
        {
            double folded = double.Parse(row.Groups[2].Value, CultureInfo.InvariantCulture);
            double perSecond = double.Parse(row.Groups[4].Value, CultureInfo.InvariantCulture);
            Assert.True(folded > 0 && double.Parse(row.Groups[3].Value, CultureInfo.InvariantCulture) > 0);
            Assert.InRange(perSecond * folded, 950, 1050); // images per second is 1000 / ms per image (rounded)
        }
    }
}
