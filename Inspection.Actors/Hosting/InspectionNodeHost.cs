using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Inspection.Actors.Hosting;

/// <summary>
/// One running Inspection node: a generic host with Akka.Hosting and <see cref="InspectionNodeHosting.WithInspectionNode"/>,
/// and the pipeline facade over it. The CLI's node, demo and bench and the tests' clusters all start nodes this way.
/// </summary>
public sealed class InspectionNodeHost : IAsyncDisposable
{
    private readonly IHost _host;

    private InspectionNodeHost(IHost host, InspectionPipeline pipeline, InspectionNodeOptions options)
    {
        _host = host;
        Pipeline = pipeline;
        Options = options;
    }

    public InspectionPipeline Pipeline { get; }
    public InspectionNodeOptions Options { get; }
    public ActorSystem System => Pipeline.System;

    /// <summary>
    /// Cancelled when the host begins to stop: SIGTERM, SIGINT and SIGQUIT reach the process as a stop of the host (its
    /// console lifetime cancels the runtime's default exit), so code that runs until stopped must wait on this token.
    /// </summary>
    public CancellationToken Stopping => _host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;

    /// <param name="hocon">Settings placed before all others (log levels, shutdown behaviour).</param>
    /// <param name="logging">Where Microsoft.Extensions.Logging goes; null: nowhere.</param>
    public static async Task<InspectionNodeHost> Start(InspectionNodeOptions options, string hocon = "akka.loglevel = ERROR\nakka.stdout-loglevel = ERROR",
        Action<ILoggingBuilder>? logging = null)
    {
        var host = new HostBuilder()
            .ConfigureLogging(l =>
            {
                l.ClearProviders();
                logging?.Invoke(l);
            })
            .ConfigureServices(s => s.AddAkka(options.SystemName, (b, _) => b
                .AddHocon(hocon, HoconAddMode.Prepend)
                .WithInspectionNode(options)))
            .Build();
        await host.StartAsync();
        var pipeline = await InspectionPipeline.For(host.Services.GetRequiredService<ActorSystem>());
        return new InspectionNodeHost(host, pipeline, options);
    }

    /// <summary>A node on a free 127.0.0.1 port that is its own seed, with every role: demo, bench, tests.</summary>
    public static Task<InspectionNodeHost> StartSingle(string database, Func<InspectionNodeOptions, InspectionNodeOptions> configure)
    {
        int port = FreePort();
        return Start(configure(new InspectionNodeOptions
        {
            Port = port,
            SeedNodes = [$"akka.tcp://inspection@127.0.0.1:{port}"],
            Database = database,
        }));
    }

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>Stops the host: the node leaves the cluster and its shards hand over.</summary>
    public async ValueTask DisposeAsync()
    {
        try { await _host.StopAsync(TimeSpan.FromSeconds(30)); } catch (OperationCanceledException) { }
        _host.Dispose();
    }
}
