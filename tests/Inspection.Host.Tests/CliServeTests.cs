using System.Net;
using System.Net.Sockets;
using Inspection.Actors.Hosting;
using Inspection.Host.Cli;
using Xunit;
using Xunit.Abstractions;

namespace Inspection.Host.Tests;

/// <summary><c>inspection serve</c> as a process: how it starts, what it prints, how it stops, what it refuses.</summary>
public sealed class CliServeTests(ITestOutputHelper log)
{
    [Fact]
    public async Task Serve_prints_where_to_connect_and_its_key_then_leaves_on_SIGTERM_within_seconds()
    {
        using var folder = new TempFolder();
        int http = InspectionNodeHost.FreePort();
        using var serve = CliProcess.Start(log, "serve", "--http", $"127.0.0.1:{http}", "--data-dir", folder.File("data"));
        await serve.WaitForLine(l => l.StartsWith("ready:"), TimeSpan.FromMinutes(2));
        Assert.Contains($"HTTP API on http://127.0.0.1:{http}/api/v1", serve.Output);
        Assert.Contains($"dashboard: point a browser at http://127.0.0.1:{http}/", serve.Output);
        string key = File.ReadAllText(folder.File("data", "api-key")).Trim();
        Assert.Contains($"API key (generated, stored in {folder.File("data", "api-key")}): {key}", serve.Output);
        Assert.Contains($"curl -H \"X-Api-Key: {key}\" http://127.0.0.1:{http}/api/v1/lines", serve.Output);
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(folder.File("data", "api-key")));
        using (var client = new HttpClient())
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", key);
            Assert.Equal("[]", await client.GetStringAsync($"http://127.0.0.1:{http}/api/v1/lines"));
        }
        var clock = System.Diagnostics.Stopwatch.StartNew();
        serve.Terminate();
        Assert.True(serve.Process.WaitForExit(TimeSpan.FromSeconds(15)), "serve did not exit within 15 s of SIGTERM");
        serve.Process.WaitForExit(); // its output read to the end
        log.WriteLine($"exited {clock.Elapsed.TotalSeconds:F1} s after SIGTERM");
        Assert.Equal(ExitCodes.Success, serve.Process.ExitCode);
        Assert.Contains("node stopped", serve.Output);
        // The port is free again, and a second start reuses the stored key instead of making another.
        using var again = CliProcess.Start(log, "serve", "--http", $"127.0.0.1:{http}", "--data-dir", folder.File("data"));
        await again.WaitForLine(l => l.StartsWith("ready:"), TimeSpan.FromMinutes(2));
        Assert.Contains($"API key (stored in {folder.File("data", "api-key")}): {key}", again.Output);
        again.Terminate();
        Assert.True(again.Process.WaitForExit(TimeSpan.FromSeconds(15)));
        again.Process.WaitForExit(); // its output read to the end
    }

    [SkippableFact]
    public async Task Serve_without_arguments_is_a_whole_factory_on_port_8080_with_data_in_the_working_folder()
    {
        Skip.IfNot(PortFree(8080), "port 8080 is taken on this machine, so serve's default endpoint cannot be tried");
        using var folder = new TempFolder();
        using var serve = CliProcess.StartIn(log, folder.Path, null, "serve");
        await serve.WaitForLine(l => l.StartsWith("ready:"), TimeSpan.FromMinutes(2));
        Assert.Contains("roles [gpu, ingest, api]", serve.Output);
        Assert.Contains("HTTP API on http://127.0.0.1:8080/api/v1", serve.Output);
        Assert.Contains($"SQLite {folder.File("inspection-data", "inspection.db")}", serve.Output);
        Assert.True(File.Exists(folder.File("inspection-data", "api-key")));
        using (var client = new HttpClient())
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("http://127.0.0.1:8080/healthz/live")).StatusCode);
        serve.Terminate();
        Assert.True(serve.Process.WaitForExit(TimeSpan.FromSeconds(15)));
        serve.Process.WaitForExit(); // its output read to the end
        Assert.Equal(ExitCodes.Success, serve.Process.ExitCode);
    }

    [Theory]
    [InlineData("--http 'nonsense' is not host:port", "serve", "--http", "nonsense")]
    [InlineData("--http '127.0.0.1:70000' is not host:port", "serve", "--http", "127.0.0.1:70000")]
    [InlineData("--roles 'cook' is not a role: use gpu, ingest, api", "serve", "--roles", "cook")]
    [InlineData("--api-key: an API key is shorter than 16 characters", "serve", "--api-key", "short")]
    [InlineData("--folder-root '/no/such/root' is not an existing folder", "serve", "--folder-root", "/no/such/root")]
    [InlineData("--seed 'localhost:1' cannot be used", "serve", "--seed", "localhost:1")]
    [InlineData("--max-in-flight 0 is out of range: 1 to 100000", "serve", "--max-in-flight", "0")]
    [InlineData("--frame-deadline 0 is out of range", "serve", "--frame-deadline", "0")]
    [InlineData("--tls-certificate: '/no/such.pfx' does not exist", "serve", "--tls-certificate", "/no/such.pfx")]
    [InlineData("--port: abc is not a valid value", "serve", "--port", "abc")]
    [InlineData("settings file '/no/such.json' does not exist", "serve", "--settings", "/no/such.json")]
    [InlineData("--backbone-weights '/no/such.pth' does not exist", "serve", "--backbone-weights", "/no/such.pth")]
    public void Serve_refuses_settings_it_cannot_run_with_in_one_line(string expected, params string[] args)
    {
        var run = CliRun.Invoke(args);
        Assert.Equal(ExitCodes.BadInput, run.ExitCode);
        Assert.Contains(expected, run.Error);
        Assert.Single(run.Error.Trim().Split('\n'));
    }

    [Fact]
    public void Serve_reads_its_settings_file_and_names_a_bad_key_or_value_in_it()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("unknown.json"), "{\"Http\": \"127.0.0.1:9\", \"Colour\": \"blue\"}");
        var unknown = CliRun.Invoke("serve", "--settings", folder.File("unknown.json"));
        Assert.Equal(ExitCodes.BadInput, unknown.ExitCode);
        Assert.Contains("has the unknown key 'Colour'", unknown.Error);
        File.WriteAllText(folder.File("bad.json"), "{\"MaxInFlight\": -3}");
        var bad = CliRun.Invoke("serve", "--settings", folder.File("bad.json"));
        Assert.Contains($"MaxInFlight in settings file {folder.File("bad.json")} -3 is out of range", bad.Error);
        File.WriteAllText(folder.File("broken.json"), "{\"Http\": ");
        var broken = CliRun.Invoke("serve", "--settings", folder.File("broken.json"));
        Assert.Contains("is not valid JSON", broken.Error);
        // The command line wins over the file: the file's bad value is replaced, and the next check names the flag.
        var overridden = CliRun.Invoke("serve", "--settings", folder.File("bad.json"), "--max-in-flight", "0");
        Assert.Contains("--max-in-flight 0 is out of range", overridden.Error);
    }

    [Fact]
    public async Task Serve_takes_its_settings_from_INSPECTION_variables_and_names_a_bad_one()
    {
        using var folder = new TempFolder();
        using (var bad = CliProcess.StartIn(log, null, new Dictionary<string, string> { ["INSPECTION_MAX_IN_FLIGHT"] = "lots" }, "serve", "--data-dir", folder.File("data")))
        {
            Assert.True(bad.Process.WaitForExit(TimeSpan.FromMinutes(1)));
            bad.Process.WaitForExit(); // and for its output to be read to the end
            Assert.Equal(ExitCodes.BadInput, bad.Process.ExitCode);
            Assert.Contains("INSPECTION_MAX_IN_FLIGHT", string.Join("\n", bad.Errors));
        }
        int http = InspectionNodeHost.FreePort();
        string[] keys = ["first-key-0123456789abcdef", "second-key-0123456789abcdef"];
        var environment = new Dictionary<string, string>
        {
            ["INSPECTION_HTTP"] = $"127.0.0.1:{http}", ["INSPECTION_DATA_DIR"] = folder.File("data"), ["INSPECTION_API_KEYS"] = string.Join(",", keys),
        };
        using var serve = CliProcess.StartIn(log, null, environment, "serve");
        await serve.WaitForLine(l => l.StartsWith("ready:"), TimeSpan.FromMinutes(2));
        Assert.DoesNotContain("API key (", serve.Output); // configured keys are never printed
        Assert.False(File.Exists(folder.File("data", "api-key")));
        using var client = new HttpClient();
        foreach (var key in keys)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{http}/api/v1/lines");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(request)).StatusCode);
        }
        serve.Terminate();
        Assert.True(serve.Process.WaitForExit(TimeSpan.FromSeconds(15)));
        serve.Process.WaitForExit(); // its output read to the end
    }

    [Fact]
    public async Task A_node_whose_journal_is_not_the_clusters_refuses_to_join_with_one_error()
    {
        using var folder = new TempFolder();
        int seedPort = InspectionNodeHost.FreePort();
        using var first = CliProcess.Start(log, "serve", "--http", $"127.0.0.1:{InspectionNodeHost.FreePort()}", "--port", seedPort.ToString(),
            "--data-dir", folder.File("first"));
        await first.WaitForLine(l => l.StartsWith("ready:"), TimeSpan.FromMinutes(2));
        // A gpu node with a SQLite file of its own, as the README once suggested.
        using var second = CliProcess.Start(log, "serve", "--roles", "gpu", "--seed", $"akka.tcp://inspection@127.0.0.1:{seedPort}",
            "--data-dir", folder.File("second"));
        Assert.True(second.Process.WaitForExit(TimeSpan.FromMinutes(2)), "the node with its own journal kept running");
        second.Process.WaitForExit(); // its output read to the end
        Assert.Equal(ExitCodes.BadInput, second.Process.ExitCode);
        string error = Assert.Single(second.Errors, e => e.StartsWith("error:"));
        Assert.Contains("this node's journal holds nothing of the cluster's", error);
        Assert.Contains("the same PostgreSQL database", error);
        Assert.False(first.Process.HasExited);
        first.Terminate();
        Assert.True(first.Process.WaitForExit(TimeSpan.FromSeconds(15)));
        first.Process.WaitForExit(); // its output read to the end
    }

    private static bool PortFree(int port)
    {
        try
        {
            var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException) { return false; }
    }
}
