using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;
using Inspection.Actors.Hosting;
using Inspection.Actors.Shards;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Inspection.Actors.Tests;

/// <summary>One Inspection node as a real host: Akka.Hosting, TCP on 127.0.0.1, SQLite persistence.</summary>
public sealed class ClusterNode : IAsyncDisposable
{
    private readonly IHost _host;
    public int Port { get; }
    public ActorSystem System { get; }
    public string Address => $"akka.tcp://inspection@127.0.0.1:{Port}";

    private ClusterNode(IHost host, int port)
    {
        _host = host;
        Port = port;
        System = host.Services.GetRequiredService<ActorSystem>();
    }

    public static async Task<ClusterNode> Start(int port, int seedPort, string database, Func<InspectionNodeOptions, InspectionNodeOptions>? configure = null)
    {
        var options = new InspectionNodeOptions
        {
            Port = port,
            SeedNodes = [$"akka.tcp://inspection@127.0.0.1:{seedPort}"],
            Database = database,
        };
        if (configure != null) options = configure(options);
        var host = new HostBuilder()
            .ConfigureLogging(l => l.ClearProviders())
            .ConfigureServices(services => services.AddAkka(options.SystemName, (builder, _) => builder
                // Terminate() must not leave the cluster gracefully, so Crash() is a crash; StopAsync still leaves properly.
                .AddHocon("akka.loglevel = WARNING\nakka.stdout-loglevel = WARNING\nakka.coordinated-shutdown.run-by-actor-system-terminate = off", HoconAddMode.Prepend)
                .WithInspectionNode(options)))
            .Build();
        await host.StartAsync();
        return new ClusterNode(host, port);
    }

    public Task<IActorRef> ShardRegion() => ActorRegistry.For(System).GetAsync<MemoryBankShardRegion>();

    public int UpMembers => Cluster.Get(System).State.Members.Count(m => m.Status == MemberStatus.Up);

    /// <summary>Kills the node without leaving the cluster: the others must notice, down it and move its shards.</summary>
    public Task Crash() => System.Terminate();

    public async ValueTask DisposeAsync()
    {
        try { await _host.StopAsync(TimeSpan.FromSeconds(10)); } catch (OperationCanceledException) { }
        _host.Dispose();
    }
}
