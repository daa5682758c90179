using System.Runtime.CompilerServices;
using Akka.Configuration;
using Inspection.Actors.Hosting;
using Inspection.Actors.Serialization;
using Xunit;

namespace Inspection.Actors.Tests;

internal static class TestSupport
{
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void LoadLibTorch() => Inspection.Engine.Native.LibTorchLoader.EnsureLoaded();

    /// <summary>An ActorSystem config as a node has it (cluster provider, binary serializer, SQLite persistence).</summary>
    public static Config NodeConfig(string sqliteFile) => ConfigurationFactory.ParseString($$"""
            akka.remote.dot-netty.tcp.port = 0
            akka.persistence.journal.sql.connection-string = "Data Source={{sqliteFile}}"
            akka.persistence.snapshot-store.sql.connection-string = "Data Source={{sqliteFile}}"
            akka.loglevel = WARNING
            akka.stdout-loglevel = WARNING
            # A message that comes is taken at once; the default wait only bounds a failure. CI machines under the
            # whole suite's load took more than the 3 s default for a line's first persisted event.
            akka.test.single-expect-default = 15s
            """)
        .WithFallback(ConfigurationFactory.ParseString(InspectionSerializer.Hocon))
        .WithFallback(ConfigurationFactory.ParseString(InspectionNodeHosting.EmbeddedHocon("persistence-sqlite.conf")))
        .WithFallback(ConfigurationFactory.ParseString(InspectionNodeHosting.EmbeddedHocon("base.conf")));

    public static int FreePort() => InspectionNodeHost.FreePort();

    /// <summary>Events of one persistent actor in the journal's table (Akka.Persistence.Sql's default "journal"), deleted ones included.</summary>
    public static async Task<long> JournalRows(PersistenceBackend backend, string database, string persistenceId)
    {
        await using System.Data.Common.DbConnection connection = backend == PersistenceBackend.Sqlite
            ? new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={database}")
            : new Npgsql.NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM journal WHERE persistence_id = @id";
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@id";
        parameter.Value = persistenceId;
        command.Parameters.Add(parameter);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    /// <summary>../shared/datasets/&lt;name&gt;, or a skip with a message when absent.</summary>
    public static string Dataset(string name)
    {
        string? root = Environment.GetEnvironmentVariable("INSPECTION_DATASETS");
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); root == null && dir != null; dir = dir.Parent)
            foreach (var candidate in new[] { Path.Combine(dir.FullName, "shared", "datasets"), Path.Combine(dir.FullName, "..", "shared", "datasets") })
                if (Directory.Exists(candidate)) { root = candidate; break; }
        string? folder = root == null ? null : Path.Combine(root, name);
        Skip.If(folder == null || !Directory.Exists(folder), $"dataset '{name}' not found: expected ../shared/datasets/{name} beside the repository (or set INSPECTION_DATASETS)");
        return Path.GetFullPath(folder!);
    }
}

/// <summary>A temporary folder deleted with the test.</summary>
public sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("inspection-actors-").FullName;
    public string File(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
