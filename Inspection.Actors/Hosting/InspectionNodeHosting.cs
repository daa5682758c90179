using System.Reflection;
using Akka.Cluster.Hosting;
using Akka.Remote.Hosting;
using Akka.Hosting;
using Akka.Actor;
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

        // What the node runs, by role.
        bool gpu = options.Roles.Contains("gpu");
        if (gpu) builder.WithMemoryBankShards("gpu", ComputeDevice.Resolve(options.Device), options.ShardFaults);
        else builder.WithShardRegionProxy<MemoryBankShardRegion>(MemoryBankShardHosting.TypeName, "gpu", new ShardMessageExtractor());
        builder.WithModelRegistry()
            .WithGpuRouters()
            .WithReplicaDirectory()
            .WithResultIndex(ResultStore.For(options))
            .WithLines(options.Lines, ingest: options.Roles.Contains("ingest"));
        if (options.Roles.Contains("ingest")) builder.WithRetention(ResultStore.For(options), options.Retention, options.RetentionInterval);
        if (gpu)
            builder.WithTrainingExtractor(options.Device)
                .WithFeatureExtractor(new ExtractionOptions
                {
                    BatchSize = options.BatchSize, BatchDeadline = options.BatchDeadline, Device = options.Device, ShardTimeout = options.ShardTimeout,
                    ShardRetryBudget = options.ShardRetryBudget, PreferLocalReplicas = options.PreferLocalReplicas, ShipFrames = options.ShipFrames,
                    MaxMapPixels = options.MaxMapPixels, ImagesFolder = options.ResultImagesFolder, Disk = options.Disk,
                    ShadowStore = ResultStore.For(options),
                })
                .WithTrainingCoordinator(options.Training, options.Device);
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
