using Akka.Actor;
using Inspection.Actors.Hosting;
using Inspection.Host.Api;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Inspection.Host.Cli;

/// <summary>
/// A started node, with its web server (<see cref="ApiServer"/>: API, health, metrics) or without one
/// (<see cref="InspectionNodeHost"/>); disposing it stops it, and the node leaves the cluster.
/// </summary>
internal sealed class StartedNode : IAsyncDisposable
{
    private readonly Func<ValueTask> _stop;

    private StartedNode(ActorSystem system, InspectionNodeOptions options, CancellationToken stopping, string? http, Func<ValueTask> stop)
    {
        System = system;
        Options = options;
        Stopping = stopping;
        Http = http;
        _stop = stop;
    }

    public ActorSystem System { get; }
    public InspectionNodeOptions Options { get; }
    /// <summary>Cancelled when the host begins to stop (SIGTERM, SIGINT).</summary>
    public CancellationToken Stopping { get; }
    /// <summary>http://host:port of the web server; null without one.</summary>
    public string? Http { get; }

    public static async Task<StartedNode> WithHttp(ServeSettings settings, InspectionNodeOptions node, ApiKeys keys, Action<ILoggingBuilder> logging)
    {
        var app = ApiServer.Build(settings, node, keys, logging);
        try { await app.StartAsync(); }
        catch (IOException e) { throw new ArgumentException($"HTTP endpoint {settings.Http}: {e.Message}"); }
        string http = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "http://" + settings.Http;
        return new StartedNode(app.Services.GetRequiredService<ActorSystem>(), node, app.Lifetime.ApplicationStopping, http, async () =>
        {
            await app.StopAsync();
            await app.DisposeAsync();
        });
    }

    public static async Task<StartedNode> Alone(InspectionNodeOptions node, Action<ILoggingBuilder> logging)
    {
        var host = await InspectionNodeHost.Start(node, "akka.loglevel = WARNING\nakka.stdout-loglevel = WARNING", logging);
        return new StartedNode(host.System, node, host.Stopping, null, host.DisposeAsync);
    }

    public ValueTask DisposeAsync() => _stop();
}
