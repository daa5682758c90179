using System.Net;
using Inspection.Actors.Hosting;
using Inspection.Host.Cli;
using Xunit;
using Xunit.Abstractions;

namespace Inspection.Host.Tests;

/// <summary>
/// One settings type for every node: a setting (here a camera, which only <c>inspection node</c> had) is read from the
/// JSON settings file, replaced by its INSPECTION_* variable, replaced in turn by its flag; and <c>serve --roles gpu</c>
/// without <c>--http</c> is a node that joins a cluster, with health and metrics but no API.
/// </summary>
public sealed class CliServeSettingsTests(ITestOutputHelper log)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task A_camera_from_the_settings_file_is_replaced_by_its_variable_and_that_by_its_flag()
    {
        using var folder = new TempFolder();
        foreach (var camera in new[] { "file", "variable", "flag" }) Directory.CreateDirectory(folder.File(camera));
        File.WriteAllText(folder.File("settings.json"), $$"""{ "Camera": ["line-a={{folder.File("file")}}"], "Roles": ["gpu", "ingest"], "RunSeconds": 1 }""");
        var variable = new Dictionary<string, string> { ["INSPECTION_CAMERA"] = $"line-a={folder.File("variable")}" };

        async Task<string> Watched(IReadOnlyDictionary<string, string>? environment, params string[] args)
        {
            using var serve = CliProcess.StartIn(log, null, environment, ["serve", "--settings", folder.File("settings.json"), "--data-dir", folder.File("data"), .. args]);
            await serve.Process.WaitForExitAsync().WaitAsync(Patience);
            serve.Process.WaitForExit(); // its output read to the end
            Assert.True(serve.Process.ExitCode == ExitCodes.Success, string.Join('\n', serve.Errors));
            return Assert.Single(serve.Output.Split('\n'), l => l.StartsWith("camera ")).Split(" watches ")[1];
        }

        Assert.Equal(folder.File("file"), await Watched(null));
        Assert.Equal(folder.File("variable"), await Watched(variable));
        Assert.Equal(folder.File("flag"), await Watched(variable, "--camera", $"line-a={folder.File("flag")}"));
    }

    [Fact]
    public void A_bad_setting_is_named_as_it_was_given_in_the_file_the_variable_or_the_flag()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("settings.json"), """{ "Train": ["line-a"] }""");
        var run = CliRun.Invoke("serve", "--settings", folder.File("settings.json"));
        CliAssert.OneErrorLine(run, ExitCodes.BadInput, $"Train in settings file {folder.File("settings.json")} expects line=folder, got 'line-a'");
        run = CliRun.Invoke("serve", "--settings", folder.File("settings.json"), "--train", "line-b");
        CliAssert.OneErrorLine(run, ExitCodes.BadInput, "--train expects line=folder, got 'line-b'");
        // node spells the projection seed --seed and the cluster's seeds --seed-node; serve --seed is the cluster's.
        CliAssert.OneErrorLine(CliRun.Invoke("node", "--seed-node", "x"), ExitCodes.BadInput, "--seed-node 'x' cannot be used");
        CliAssert.OneErrorLine(CliRun.Invoke("node", "--seed", "x"), ExitCodes.BadInput, "--seed: x is not a valid value");
        CliAssert.OneErrorLine(CliRun.Invoke("serve", "--training-seed", "x"), ExitCodes.BadInput, "--training-seed: x is not a valid value");
    }

    [Fact]
    public void Retention_settings_that_cannot_be_kept_are_refused_with_one_line()
    {
        CliAssert.OneErrorLine(CliRun.Invoke("serve", "--keep-days", "-1"), ExitCodes.BadInput, "--keep-days -1 is out of range: more than 0, at most 3653 days");
        CliAssert.OneErrorLine(CliRun.Invoke("serve", "--keep-mb", "0"), ExitCodes.BadInput, "--keep-mb 0 is out of range: 1 (about one large frame) to");
        CliAssert.OneErrorLine(CliRun.Invoke("serve", "--keep-days", "10", "--keep-flagged-days", "3"), ExitCodes.BadInput,
            "--keep-flagged-days (3) must be at least --keep-days (10)");
        CliAssert.OneErrorLine(CliRun.Invoke("serve", "--disk-high-water", "98"), ExitCodes.BadInput,
            "--disk-high-water (98%) must be below the --disk-hard-limit (97%): images stop before frames do (given: 98 and 97)");
        CliAssert.OneErrorLine(CliRun.Invoke("serve", "--disk-hard-limit", "120"), ExitCodes.BadInput, "--disk-hard-limit must be above 0 % and at most 100 %");
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("settings.json"), "{ \"RetentionIntervalSeconds\": 0 }");
        CliAssert.OneErrorLine(CliRun.Invoke("serve", "--settings", folder.File("settings.json")), ExitCodes.BadInput,
            $"RetentionIntervalSeconds in settings file {folder.File("settings.json")} 0 is out of range: 0.1 to 86400 seconds");
    }

    [Fact]
    public async Task Serve_with_the_gpu_role_and_no_http_joins_the_cluster_and_answers_health_but_no_api()
    {
        using var folder = new TempFolder();
        int seedPort = InspectionNodeHost.FreePort();
        using var first = CliProcess.Start(log, "serve", "--http", $"127.0.0.1:{InspectionNodeHost.FreePort()}", "--port", seedPort.ToString(),
            "--data-dir", folder.File("data"));
        await first.WaitForLine(l => l.StartsWith("ready:"), Patience);
        // The same data folder: the same SQLite journal, as nodes on one machine share it.
        using var gpu = CliProcess.Start(log, "serve", "--roles", "gpu", "--seed", $"akka.tcp://inspection@127.0.0.1:{seedPort}", "--data-dir", folder.File("data"));
        await gpu.WaitForLine(l => l.StartsWith("ready:"), Patience);
        Assert.Contains("joined the cluster: 2 member(s) up", gpu.Output);
        Assert.DoesNotContain("HTTP API", gpu.Output);
        string health = gpu.Output.Split('\n').Single(l => l.StartsWith("health: ")).Split(' ')[1];
        string root = health[..health.IndexOf("/healthz", StringComparison.Ordinal)];
        using (var client = new HttpClient())
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(root + "/healthz/live")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(root + "/api/v1/lines")).StatusCode);
        }
        foreach (var node in new[] { gpu, first })
        {
            node.Terminate();
            Assert.True(node.Process.WaitForExit(TimeSpan.FromSeconds(30)));
            node.Process.WaitForExit(); // its output read to the end
            Assert.Equal(ExitCodes.Success, node.Process.ExitCode);
        }
    }
}
