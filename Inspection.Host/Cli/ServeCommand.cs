using System.CommandLine;
using Akka.Actor;
using Inspection.Actors.Hosting;
using Inspection.Actors.Lines;
using Inspection.Host.Api;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Logging;

namespace Inspection.Host.Cli;

/// <summary>
/// <c>inspection serve</c>: one node of the cluster with the HTTP API. With no arguments, a whole one-machine factory:
/// every role, HTTP on 127.0.0.1:8080, SQLite and result images under ./inspection-data. Settings come from options,
/// INSPECTION_* variables and an optional JSON file (<see cref="ServeSettingKey"/>). Runs until SIGTERM or Ctrl+C,
/// then leaves the cluster and exits.
/// </summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var command = new Command("serve", "Run a cluster node with the HTTP API (with no options: a whole factory on this machine).");
        var options = new Dictionary<ServeSettingKey, Option>();
        foreach (var key in ServeSettingKey.All)
        {
            Option option = key.Key == nameof(ServeSettings.PublicRead)
                ? new Option<bool>(key.Flag) { Description = $"{Describe(key)}" }
                : key.List
                    ? new Option<string[]>(key.Flag) { Description = Describe(key), AllowMultipleArgumentsPerToken = true }
                    : new Option<string>(key.Flag) { Description = Describe(key) };
            options[key] = option;
            command.Options.Add(option);
        }
        var settingsFile = new Option<string?>(ServeSettingKey.SettingsFile.Flag) { Description = Describe(ServeSettingKey.SettingsFile) };
        command.Options.Add(settingsFile);
        command.SetAction(result => CommandRunner.Run(() => Run(ServeConfiguration.Load(result, options, settingsFile)).GetAwaiter().GetResult()));
        return command;
    }

    /// <summary>Null when this node's journal is the cluster's; a registry that does not answer is only warned about.</summary>
    private static async Task<string?> JournalProblem(ActorSystem system)
    {
        try
        {
            var pipeline = await InspectionPipeline.For(system);
            return await JournalCheck.Problem(system, pipeline.Registry, TimeSpan.FromSeconds(60));
        }
        catch (Exception e) when (e is AskTimeoutException or TimeoutException)
        {
            Console.Error.WriteLine($"warning: the journal could not be compared with the cluster's ({e.Message}); check that every node uses the same database");
            return null;
        }
    }

    private static string Describe(ServeSettingKey key) => $"{char.ToUpperInvariant(key.Description[0])}{key.Description[1..]} [{key.Environment}].";

    private static async Task<int> Run(ServeSettings settings)
    {
        bool api = settings.Roles.Contains("api");
        settings.Http ??= api ? "127.0.0.1:8080" : "127.0.0.1:0";
        try { Directory.CreateDirectory(settings.DataDir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new ArgumentException($"the data folder '{settings.DataDir}' cannot be created: {e.Message}"); }
        string? generated = null;
        var keys = settings.ApiKeys.ToList();
        if (keys.Count == 0 && api)
        {
            var (key, created) = ApiKeys.LoadOrCreate(settings.DataDir);
            keys.Add(key);
            generated = created ? $"API key (generated, stored in {Path.Combine(Path.GetFullPath(settings.DataDir), "api-key")}): {key}"
                : $"API key (stored in {Path.Combine(Path.GetFullPath(settings.DataDir), "api-key")}): {key}";
        }
        int port = settings.Port > 0 ? settings.Port : InspectionNodeHost.FreePort();
        if (NodeConfigurationChecks.ListenProblem(settings.Hostname, port) is { } listen)
            throw new ArgumentException($"cluster address {settings.Hostname}:{port}: {listen}");
        string protocol = settings.Tls is null ? "akka.tcp" : ClusterTls.Protocol;
        var node = new InspectionNodeOptions
        {
            Tls = settings.Tls,
            Database = settings.Database,
            Persistence = settings.Persistence,
            Hostname = settings.Hostname,
            Port = port,
            SeedNodes = settings.Seeds.Length > 0 ? settings.Seeds : [$"{protocol}://{InspectionNodeOptions.DefaultSystemName}@{settings.Hostname}:{port}"],
            Roles = settings.Roles,
            Device = settings.Device,
            // Scorers keep asking a restarting shard for most of the frame deadline; the line keeps the rest to try again.
            ShardRetryBudget = TimeSpan.FromSeconds(Math.Max(0, settings.FrameDeadlineSeconds - 5)),
            Training = new Engine.PatchCore.PatchCoreSettings { BackboneWeights = settings.BackboneWeights },
            Lines = new LineOptions
            {
                MaxInFlight = settings.MaxInFlight,
                FrameTimeout = TimeSpan.FromSeconds(settings.FrameDeadlineSeconds),
                HeatmapFolder = settings.HeatmapFolder,
                ImagesOnRequest = true,
                MqttBroker = settings.Mqtt,
            },
        };
        var app = ApiServer.Build(settings, node, new ApiKeys(keys),
            l => l.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; }).SetMinimumLevel(LogLevel.Warning));
        try { await app.StartAsync(); }
        catch (IOException e) { throw new ArgumentException($"HTTP endpoint {settings.Http}: {e.Message}"); }
        var system = app.Services.GetRequiredService<ActorSystem>();
        string http = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "http://" + settings.Http;
        Console.WriteLine($"node {node.Address}{(node.Tls is null ? "" : " (TLS)")} roles [{string.Join(", ", node.Roles)}] " +
                          $"seeds [{string.Join(", ", node.SeedNodes)}] {(node.Persistence == PersistenceBackend.Sqlite ? "SQLite " + node.Database : "PostgreSQL")}");
        if (api)
        {
            Console.WriteLine($"dashboard: point a browser at {http}/ and sign in with the API key");
            Console.WriteLine($"HTTP API on {http}/api/v1 (reference: {http}/api-reference, OpenAPI: {http}/openapi/v1.json)");
            if (generated != null) Console.WriteLine(generated);
            Console.WriteLine($"try: curl -H \"X-Api-Key: {(generated != null ? keys[0] : "<your key>")}\" {http}/api/v1/lines");
        }
        Console.WriteLine($"health: {http}/healthz/ready, metrics: {http}/metrics");
        var cluster = Akka.Cluster.Cluster.Get(system);
        var joined = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cluster.RegisterOnMemberUp(() =>
        {
            Console.WriteLine($"joined the cluster: {cluster.State.Members.Count} member(s) up");
            joined.TrySetResult();
        });

        var stopping = app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        var stopped = Task.Delay(Timeout.InfiniteTimeSpan, stopping).ContinueWith(_ => { });
        var ended = Task.WhenAny(stopped, system.WhenTerminated);
        // The journal check waits for the registry; a stop during it is not kept waiting.
        var check = Task.WhenAny(joined.Task, ended).ContinueWith(t => t.Result == joined.Task ? JournalProblem(system) : Task.FromResult<string?>(null)).Unwrap();
        if (await Task.WhenAny(check, ended) == check && await check is { } problem)
        {
            Console.Error.WriteLine($"error: {problem}. Every node of a cluster must use the cluster's one journal: the same PostgreSQL database " +
                                    "(--postgres \"Host=...\" on every node). SQLite, the default, is for a one-machine factory. This node leaves the cluster.");
            await app.StopAsync();
            await app.DisposeAsync();
            return ExitCodes.BadInput;
        }
        if (!ended.IsCompleted) Console.WriteLine("ready: the cluster's registry answers");
        await ended;
        bool downed = CoordinatedShutdown.Get(system).ShutdownReason is CoordinatedShutdown.ClusterDowningReason, tls = TlsShutdown.Happened(system);
        await app.StopAsync();
        await app.DisposeAsync();
        if (tls)
        {
            Console.Error.WriteLine(TlsShutdown.Error);
            return ExitCodes.Failure;
        }
        if (downed)
        {
            Console.Error.WriteLine("error: this node was downed by the cluster: its peers could not reach it, or it was on the smaller side of a split; restart it to rejoin.");
            return ExitCodes.Failure;
        }
        Console.WriteLine("node stopped");
        return ExitCodes.Success;
    }
}
