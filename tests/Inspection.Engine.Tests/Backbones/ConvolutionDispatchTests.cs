using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

namespace Inspection.Engine.Tests.Backbones;

/// <summary>
/// No 1x1 convolution may reach libtorch's oneDNN: on some AMD EPYC servers its brgemm 1x1 convolution divides by zero
/// while it plans certain shapes and kills the process (SIGFPE). The networks run in a child process with oneDNN's
/// verbose log on, and the log must show no convolution primitive with a 1x1 kernel, created or tried. On an affected
/// machine the child also dies if one gets through; on any other machine the log shows it.
/// </summary>
public partial class ConvolutionDispatchTests(ITestOutputHelper log)
{
    [GeneratedRegex(@"_ih\d+oh\d+kh(?<kh>\d+)sh\d+dh\d+ph\d+_iw\d+ow\d+kw(?<kw>\d+)sw\d+")]
    private static partial Regex ProblemShape();

    [GeneratedRegex(@"src/\S+?\.cpp:\d+")]
    private static partial Regex SourceFile();

    [Fact]
    public void No_one_by_one_convolution_reaches_onednn_in_any_network_the_product_runs()
    {
        var (exitCode, stdout, stderr) = RunProbe();
        var convolutionLines = stdout.Split('\n').Where(l => l.StartsWith("onednn_verbose", StringComparison.Ordinal) && l.Contains(",convolution,")).ToList();
        var pointwise = convolutionLines.Where(l =>
        {
            var m = ProblemShape().Match(l);
            // Not the source file of an implementation oneDNN tried and refused: on AVX2-only machines every convolution
            // logs "create:dispatch ... bad param ,src/cpu/x64/jit_avx2_1x1_conv_kernel_f32.cpp" without a shape.
            string described = SourceFile().Replace(l, "");
            return described.Contains("1x1", StringComparison.Ordinal) || (m.Success && m.Groups["kh"].Value == "1" && m.Groups["kw"].Value == "1");
        }).ToList();
        log.WriteLine($"child exit code {exitCode}; {convolutionLines.Count} oneDNN convolution lines; {pointwise.Count} with a 1x1 kernel");
        foreach (var line in pointwise.Take(5)) log.WriteLine(line);

        Assert.True(exitCode == 0, $"the probe process ended with exit code {exitCode} (134/136 and negative codes are native crashes: " +
            $"SIGABRT/SIGFPE); its last output:\n{Tail(stderr)}\n{Tail(stdout)}");
        Assert.Contains(ConvolutionProbe.DoneLine, stderr);
        // The log is the evidence: without any convolution in it, the check below would pass for the wrong reason.
        Assert.True(convolutionLines.Count > 0, "oneDNN logged no convolution at all: ONEDNN_VERBOSE was not honoured, so this test proves nothing");
        Assert.True(pointwise.Count == 0, $"{pointwise.Count} 1x1 convolutions reached oneDNN, for example:\n{string.Join("\n", pointwise.Take(3))}");
    }

    private static (int ExitCode, string Stdout, string Stderr) RunProbe()
    {
        string assembly = typeof(ConvolutionProbe).Assembly.Location;
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(assembly);
        start.ArgumentList.Add(ConvolutionProbe.Name);
        start.Environment["ONEDNN_VERBOSE"] = "all"; // "all" also logs the implementations tried and refused
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("the convolution probe did not finish within 10 minutes");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    private static string Tail(string text) => string.Join("\n", text.Split('\n').Where(l => !l.Contains("NNPACK")).TakeLast(8));
}
