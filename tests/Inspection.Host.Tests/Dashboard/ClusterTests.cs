using Akka.Actor;
using Akka.Configuration;
using Inspection.Actors.Hosting;
using Inspection.Host.Tests.Api;
using Microsoft.Playwright;
using Xunit;

namespace Inspection.Host.Tests.Dashboard;

/// <summary>
/// The cluster view in a real browser: it lists the serve node and its line's shard, a second node that joins over TCP
/// on 127.0.0.1, and that node's departure within 30 s.
/// </summary>
[Collection(ServeCollection.Name)]
public sealed class ClusterTests(ServeFixture serve)
{
    [SkippableFact]
    public async Task The_cluster_view_lists_every_node_and_shows_one_leaving_within_30_s()
    {
        await using var browser = await Browser.Start();
        var page = await serve.SignedInDashboard(browser);
        await page.EvaluateAsync("location.hash = '#/cluster'");
        string self = $"akka.tcp://inspection@127.0.0.1:{serve.Settings.Port}";
        await Assertions.Expect(page.Locator($"tr[data-address='{self}']")).ToContainTextAsync("Up");
        await Assertions.Expect(page.GetByTestId("shards")).ToContainTextAsync(ServeFixture.Line);

        // A second node joins (a plain cluster member with a role of its own, hosting nothing) and then leaves.
        // Above the serve node's port: were the visitor lost instead of leaving, keep-majority's tie-break (the lowest
        // address stays) would keep the serve node, which the other tests of the collection share.
        int port = InspectionNodeHost.FreePort();
        for (int tries = 0; port < serve.Settings.Port && tries < 1000; tries++) port = InspectionNodeHost.FreePort();
        Skip.If(port < serve.Settings.Port, $"no free port above the serve node's {serve.Settings.Port}");
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
}
