using Akka.Actor;
using Inspection.Actors.Hosting;
using Xunit;

namespace Inspection.Actors.Tests;

/// <summary>
/// What Akka reads on a started node: the address, seeds and roles of its options (given through Akka.Hosting's typed
/// options), with the shared settings of hocon/base.conf still in force beside them.
/// </summary>
public sealed class NodeHoconTests
{
    [Fact]
    public async Task A_node_runs_with_its_options_address_seeds_and_roles_and_the_shared_settings()
    {
        using var folder = new TempFolder();
        int port = TestSupport.FreePort();
        string seed = $"akka.tcp://inspection@127.0.0.1:{port}";
        await using var node = await InspectionNodeHost.Start(new InspectionNodeOptions
        {
            Hostname = "127.0.0.1", Port = port, SeedNodes = [seed], Roles = ["gpu", "api"], Database = folder.File("node.db"),
        });
        var config = node.System.Settings.Config;

        Assert.Equal(new Address("akka.tcp", "inspection", "127.0.0.1", port), Akka.Cluster.Cluster.Get(node.System).SelfAddress);
        Assert.Equal([seed], config.GetStringList("akka.cluster.seed-nodes"));
        Assert.Equal(["gpu", "api"], config.GetStringList("akka.cluster.roles"));
        Assert.False(config.GetBoolean("akka.remote.dot-netty.tcp.enable-ssl"));
        Assert.Equal(32L << 20, config.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size"));
        Assert.Equal("keep-majority", config.GetString("akka.cluster.split-brain-resolver.active-strategy"));
        Assert.Equal($"Data Source={folder.File("node.db")}", config.GetString("akka.persistence.journal.sql.connection-string"));
    }
}
