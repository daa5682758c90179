using System.Reflection;
using Akka.Cluster.Hosting;
using Akka.Remote.Hosting;
using Akka.Hosting;
using Akka.Actor;
using Akka.Cluster.Routing;
using Akka.Routing;
using Inspection.Actors.Extraction;
using Inspection.Actors.Lines;
using Inspection.Actors.Results;
using Inspection.Actors.Registry;
using Inspection.Actors.Serialization;
using Inspection.Actors.Training;
using Inspection.Actors.Shards;
using Inspection.Engine.Native;

namespace Inspection.Actors.Hosting;

/// <summary>
/// Wires an Inspection node into Akka.Hosting: the node's address, seeds, roles and TLS (typed options), its database,
/// the HOCON files under <c>hocon/</c> (embedded in this assembly), the binary serializer and the actors its roles call for.
/// </summary>
public static class InspectionNodeHosting
{
    public const string FeatureExtractorPath = "feature-extractor";
    public const string TrainingExtractorPath = "training-extractor";
    public const string TrainingPath = "training";

    public static AkkaConfigurationBuilder WithInspectionNode(this AkkaConfigurationBuilder builder, InspectionNodeOptions options)
    {
        string persistence = options.Persistence == PersistenceBackend.Sqlite ? "persistence-sqlite.conf" : "persistence-postgresql.conf";
        string connection = options.Persistence == PersistenceBackend.Sqlite && !options.Database.Contains('=')
            ? $"Data Source={options.Database}"
            : options.Database;
        // Address, seeds, roles and TLS through Akka.Hosting's typed options; they go before the files below.
        builder.WithClustering(new ClusterOptions { SeedNodes = [.. options.SeedNodes], Roles = [.. options.Roles] });
        builder.WithRemoting(new RemoteOptions
        {
            HostName = options.Hostname,
            Port = options.Port,
            EnableSsl = options.Tls is not null,
            Ssl = options.Tls?.Ssl() ?? new SslOptions(),
        });
        // Akka.Hosting has no typed option for Akka.Persistence.Sql's connection strings (its package is not used here).
        string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
        builder.AddHocon($$"""
            akka.persistence.journal.sql.connection-string = {{Quote(connection)}}
            akka.persistence.snapshot-store.sql.connection-string = {{Quote(connection)}}
            akka.persistence.query.journal.sql.connection-string = {{Quote(connection)}}
            """, HoconAddMode.Prepend);
        foreach (var file in new[] { persistence, "roles.conf", "base.conf" })
            builder.AddHocon(EmbeddedHocon(file), HoconAddMode.Append);
        // Akka.Persistence.Sql's own defaults, the read journal's among them (result sinks query the journal).
        builder.AddHocon(Akka.Persistence.Sql.SqlPersistence.DefaultConfiguration, HoconAddMode.Append);

        builder.WithCustomSerializer("inspection", InspectionSerializer.MessageTypes, system => new InspectionSerializer(system));
        bool gpu = options.Roles.Contains("gpu");
        if (gpu)
            builder.WithMemoryBankShards("gpu", ComputeDevice.Resolve(options.Device), options.ShardFaults);
        else
            builder.WithShardRegionProxy<MemoryBankShardRegion>(MemoryBankShardHosting.TypeName, "gpu", new ShardMessageExtractor());
        builder.WithModelRegistry();
        // Lines live on ingest nodes as shard entities; every other node reaches them through a proxy.
        if (options.Roles.Contains("ingest"))
            builder.WithShardRegion<LineRegion>(LineRegion.TypeName,
                (_, registry, _) => line => LineActor.Props(line, registry.Get<ModelRegistry>(), registry.Get<FeatureExtractors>(),
                    options.Lines with { Index = registry.Get<ResultIndex>(), Directory = registry.Get<ReplicaDirectory>() }),
                new LineMessageExtractor(),
                new ShardOptions { Role = "ingest", StateStoreMode = Akka.Cluster.Sharding.StateStoreMode.DData, RememberEntities = false });
        else
            builder.WithShardRegionProxy<LineRegion>(LineRegion.TypeName, "ingest", new LineMessageExtractor());
        builder.WithActors(async (system, registry, _) =>
        {
            var shards = await registry.GetAsync<MemoryBankShardRegion>();
            var models = await registry.GetAsync<ModelRegistry>();
            // Lines and training reach the extractors of every gpu node (this one included) through a cluster-aware group router.
            var extractors = system.ActorOf(Props.Empty.WithRouter(new ClusterRouterGroup(
                new RoundRobinGroup(["/user/" + FeatureExtractorPath]),
                new ClusterRouterGroupSettings(10_000, ["/user/" + FeatureExtractorPath], allowLocalRoutees: true, useRole: "gpu"))), "extractors");
            registry.Register<FeatureExtractors>(extractors);
            // Training features come from every gpu node's training extractor, through a router of their own.
            var trainingExtractors = system.ActorOf(Props.Empty.WithRouter(new ClusterRouterGroup(
                new RoundRobinGroup(["/user/" + TrainingExtractorPath]),
                new ClusterRouterGroupSettings(10_000, ["/user/" + TrainingExtractorPath], allowLocalRoutees: true, useRole: "gpu"))), "training-extractors");
            registry.Register<TrainingExtractors>(trainingExtractors);
            // Training reaches the coordinators of the gpu nodes the same way (a cancel is broadcast to all of them).
            registry.Register<TrainingCoordinators>(system.ActorOf(Props.Empty.WithRouter(new ClusterRouterGroup(
                new RoundRobinGroup(["/user/" + TrainingPath]),
                new ClusterRouterGroupSettings(10_000, ["/user/" + TrainingPath], allowLocalRoutees: true, useRole: "gpu"))), "trainers"));
            var directory = system.ActorOf(ReplicaDirectoryActor.Props(shards), "replica-directory");
            registry.Register<ReplicaDirectory>(directory);
            registry.Register<ResultIndex>(system.ActorOf(ResultIndexActor.Props(ResultStore.For(options)), "result-index"));
            if (gpu)
            {
                var extraction = new ExtractionOptions { BatchSize = options.BatchSize, BatchDeadline = options.BatchDeadline, Device = options.Device, ShardTimeout = options.ShardTimeout, ShardRetryBudget = options.ShardRetryBudget, PreferLocalReplicas = options.PreferLocalReplicas,
                    ShipFrames = options.ShipFrames, MaxMapPixels = options.MaxMapPixels };
                registry.Register<TrainingExtractor>(system.ActorOf(TrainingExtractorActor.Props(options.Device).WithDispatcher(ComputeDispatcher.Id), TrainingExtractorPath));
                registry.Register<FeatureExtractor>(system.ActorOf(FeatureExtractorActor.Props(models, shards, extraction, directory).WithDispatcher(ComputeDispatcher.Id), FeatureExtractorPath));
                registry.Register<TrainingCoordinator>(system.ActorOf(TrainingCoordinatorActor.Props(models, shards, options.Training, options.Device, trainingExtractors), TrainingPath));
            }
        });
        return builder;
    }

    /// <summary>The text of one of the hocon/*.conf files.</summary>
    public static string EmbeddedHocon(string file)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("hocon/" + file)
                           ?? throw new InvalidOperationException($"hocon/{file} is not embedded in {Assembly.GetExecutingAssembly().GetName().Name}.");
        return new StreamReader(stream).ReadToEnd();
    }
}
