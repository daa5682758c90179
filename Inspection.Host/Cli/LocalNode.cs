using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Hosting;
using Inspection.Actors.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Inspection.Host.Cli;

/// <summary>A one-node cluster with every role on 127.0.0.1, for the demo and the bench.</summary>
public sealed class LocalNode : IAsyncDisposable
{
    private readonly IHost _host;

    private LocalNode(IHost host, InspectionPipeline pipeline, int port)
    {
        _host = host;
        Pipeline = pipeline;
        Port = port;
    }

    public InspectionPipeline Pipeline { get; }
    public int Port { get; }
    public ActorSystem System => Pipeline.System;

    /// <summary>Starts the node; <paramref name="configure"/> adjusts the options (address and seed are set here).</summary>
    public static async Task<LocalNode> Start(string database, Func<InspectionNodeOptions, InspectionNodeOptions> configure)
    {
        int port = FreePort();
        var options = configure(new InspectionNodeOptions
        {
            Port = port,
            SeedNodes = [$"akka.tcp://inspection@127.0.0.1:{port}"],
            Database = database,
        });
        var host = new HostBuilder()
            .ConfigureLogging(l => l.ClearProviders())
            .ConfigureServices(s => s.AddAkka(options.SystemName, (b, _) => b
                .AddHocon("akka.loglevel = ERROR\nakka.stdout-loglevel = ERROR", HoconAddMode.Prepend)
                .WithInspectionNode(options)))
            .Build();
        await host.StartAsync();
        var pipeline = await InspectionPipeline.For(host.Services.GetRequiredService<ActorSystem>());
        return new LocalNode(host, pipeline, port);
    }

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
