using Akka.Actor;
using Akka.Configuration;
using Inspection.Actors.Hosting;
using Inspection.Host.Tests.Api;
using Microsoft.Playwright;
using Xunit;
using Xunit.Abstractions;

namespace Inspection.Host.Tests.Dashboard;

/// <summary>
/// The cluster view in a real browser: it lists the serve node and its line's shard, a second node that joins over TCP
/// on 127.0.0.1, that node's departure within 30 s, and a node process that is SIGKILLed: unreachable within 30 s,
/// then removed.
/// </summary>
[Collection(ServeCollection.Name)]
public sealed class ClusterTests(ServeFixture serve, ITestOutputHelper log)
{
    private string SelfAddress => $"akka.tcp://inspection@127.0.0.1:{serve.Settings.Port}";

    /// <summary>The cluster page, signed in, once it shows the serve node Up.</summary>
    private async Task<IPage> OpenCluster(Browser browser)
    {
        var page = await serve.SignedInDashboard(browser);
        await page.EvaluateAsync("location.hash = '#/cluster'");
        await Assertions.Expect(page.Locator($"tr[data-address='{SelfAddress}']")).ToContainTextAsync("Up");
        return page;
    }

    /// <summary>
    /// A free port above the serve node's: were the visitor lost, keep-majority's tie-break (the lowest address stays)
    /// keeps the serve node, which the other tests of the collection share.
    /// </summary>
    private int PortAboveServe()
    {
        int port = InspectionNodeHost.FreePort();
        for (int tries = 0; port < serve.Settings.Port && tries < 1000; tries++) port = InspectionNodeHost.FreePort();
        Skip.If(port < serve.Settings.Port, $"no free port above the serve node's {serve.Settings.Port}");
        return port;
    }

    [SkippableFact]
    public async Task The_cluster_view_lists_every_node_and_shows_one_leaving_within_30_s()
    {
        await using var browser = await Browser.Start();
        var page = await OpenCluster(browser);
        string self = SelfAddress;
        await Assertions.Expect(page.GetByTestId("shards")).ToContainTextAsync(ServeFixture.Line);

        // A second node joins (a plain cluster member with a role of its own, hosting nothing) and then leaves.
        int port = PortAboveServe();
        var visitor = ActorSystem.Create("inspection", ConfigurationFactory.ParseString($$"""
            akka.actor.provider = cluster
            akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = {{port}} }
            akka.cluster { seed-nodes = ["{{self}}"], roles = [visitor] }
            akka.loglevel = WARNING
            """));
        try
        {
            var joined = page.Locator($"tr[data-address='akka.tcp://inspection@127.0.0.1:{port}']");
            var within = new LocatorAssertionsToContainTextOptions { Timeout = 30_000 };
            await Assertions.Expect(joined).ToContainTextAsync("Up", within);
            await Assertions.Expect(joined).ToContainTextAsync("visitor");
            await Browser.Screenshot(page, "cluster");

            await CoordinatedShutdown.Get(visitor).Run(CoordinatedShutdown.ClusterLeavingReason.Instance);
            await Assertions.Expect(joined).ToHaveCountAsync(0, new LocatorAssertionsToHaveCountOptions { Timeout = 30_000 });
            await Assertions.Expect(page.Locator($"tr[data-address='{self}']")).ToContainTextAsync("Up");
        }
        finally { await visitor.Terminate(); }
    }

    [SkippableFact]
    public async Task A_node_process_that_is_SIGKILLed_shows_unreachable_within_30_s_and_is_then_removed()
    {
        await using var browser = await Browser.Start();
        var page = await OpenCluster(browser);
        string self = SelfAddress;

        // An api node as operators start one: it hosts no lines and no shards, so its loss costs the other tests nothing.
        // It reads the serve node's SQLite journal (a node refuses a journal that holds nothing of its cluster's).
        int port = PortAboveServe();
        using var node = CliProcess.Start(log, "serve", "--roles", "api", "--port", port.ToString(), "--seed", self,
            "--http", $"127.0.0.1:{InspectionNodeHost.FreePort()}", "--data-dir", serve.Settings.DataDir!, "--api-key", "visitor-key-0123456789abcdef");
        await node.WaitForLine(l => l.StartsWith("ready:"), TimeSpan.FromMinutes(2)); // fails at once if it exits
        var row = page.Locator($"tr[data-address='akka.tcp://inspection@127.0.0.1:{port}']");
        await Assertions.Expect(row).ToContainTextAsync("Up", new LocatorAssertionsToContainTextOptions { Timeout = 120_000 });
        await Assertions.Expect(row).ToContainTextAsync("api");
        await Assertions.Expect(row.Locator("td").Nth(3)).ToHaveTextAsync("yes");

        node.Process.Kill(); // SIGKILL: gone without leaving, as after a native fault or a power cut
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Assertions.Expect(row.Locator("td").Nth(3)).ToHaveTextAsync("no", new LocatorAssertionsToHaveTextOptions { Timeout = 30_000 });
        log.WriteLine($"unreachable in the browser {clock.Elapsed.TotalSeconds:F1} s after SIGKILL");
        await Browser.Screenshot(page, "cluster-unreachable");
        // The split-brain resolver downs it, and the view drops it; the serve node stays up.
        await Assertions.Expect(row).ToHaveCountAsync(0, new LocatorAssertionsToHaveCountOptions { Timeout = 60_000 });
        log.WriteLine($"removed in the browser {clock.Elapsed.TotalSeconds:F1} s after SIGKILL");
        await Assertions.Expect(page.Locator($"tr[data-address='{self}']")).ToContainTextAsync("Up");
        Assert.Equal(System.Net.HttpStatusCode.OK, (await serve.Client.GetAsync("/api/v1/lines")).StatusCode);
    }
}
