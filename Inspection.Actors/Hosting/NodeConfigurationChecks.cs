using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Inspection.Engine.Models;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Inspection.Actors.Hosting;

/// <summary>
/// Checks of a node's configuration that can be made before its actor system starts, each returning why a value
/// cannot be used (null when it can). Started with such a value, a node fails later and noisily: Akka throws a
/// UriFormatException for a bad seed, persistence logs a stack trace a second for a database it cannot open.
/// </summary>
public static class NodeConfigurationChecks
{
    public static readonly IReadOnlyList<string> KnownRoles = ["gpu", "ingest", "api"];

    /// <summary>
    /// A seed must be <c>akka.tcp://{system}@host:port</c> (<c>akka.ssl.tcp://</c> on a cluster with TLS): another
    /// protocol or system name never joins.
    /// </summary>
    public static string? SeedNodeProblem(string seed, string systemName, string protocol = "akka.tcp")
    {
        string expected = $"expected {protocol}://{systemName}@host:port";
        if (!Address.TryParse(seed, out var address) || address is null) return $"it is not a node address ({expected})";
        if (address.Protocol != protocol)
            return $"its protocol is '{address.Protocol}' ({expected}{(protocol == ClusterTls.Protocol ? ": this node runs TLS" : address.Protocol == ClusterTls.Protocol ? ": TLS needs a certificate" : "")})";
        if (address.System != systemName) return $"its actor system is '{address.System}', but every node runs '{systemName}' ({expected})";
        if (string.IsNullOrEmpty(address.Host) || address.Port is not (>= 1 and <= 65535)) return $"it has no host or no port between 1 and 65535 ({expected})";
        return null;
    }

    /// <summary>
    /// SQLite: a file path or connection string whose file exists as a SQLite database (or is absent or empty) in a
    /// folder that exists and takes new files. PostgreSQL: a connection string that parses and names a host (whether
    /// the server answers is only known once the node connects).
    /// </summary>
    public static string? DatabaseProblem(PersistenceBackend backend, string database)
    {
        if (string.IsNullOrWhiteSpace(database)) return "it is empty";
        return backend == PersistenceBackend.PostgreSql ? PostgresProblem(database) : SqliteProblem(database);
    }

    private static string? PostgresProblem(string connection)
    {
        // The value is not repeated in messages: it usually holds a password.
        if (!connection.Contains('=')) return "it is not a PostgreSQL connection string (expected Host=...;Database=...;Username=...)";
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(connection);
            return string.IsNullOrWhiteSpace(builder.Host) ? "the PostgreSQL connection string names no Host" : null;
        }
        catch (ArgumentException e)
        {
            return $"it is not a valid PostgreSQL connection string ({e.Message})";
        }
    }

    private static string? SqliteProblem(string database)
    {
        string file = database;
        if (database.Contains('='))
        {
            try
            {
                var builder = new SqliteConnectionStringBuilder(database);
                if (builder.Mode == SqliteOpenMode.Memory) return "an in-memory SQLite database keeps nothing; give a file";
                file = builder.DataSource;
            }
            catch (ArgumentException e)
            {
                return $"it is neither a SQLite file nor a SQLite connection string ({e.Message}); a PostgreSQL connection string needs --postgres";
            }
            if (string.IsNullOrWhiteSpace(file)) return "the SQLite connection string names no Data Source file";
        }
        if (file == ":memory:") return "an in-memory SQLite database keeps nothing; give a file";
        string full = Path.GetFullPath(file);
        if (Directory.Exists(full)) return $"'{file}' is a folder; give a database file";
        string folder = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(folder)) return $"its folder '{folder}' does not exist";
        if (File.Exists(full))
        {
            var header = new byte[16];
            int got;
            try
            {
                using var stream = File.OpenRead(full);
                got = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return $"'{file}' cannot be read ({e.Message})";
            }
            // An empty file is an empty database to SQLite; anything else must start with SQLite's header.
            if (got > 0 && (got < header.Length || !header.AsSpan().SequenceEqual("SQLite format 3\0"u8)))
                return $"'{file}' is not a SQLite database";
        }
        return OutputLocation.FolderProblem(folder);
    }

    /// <summary>Whether this machine can listen on <paramref name="hostname"/>:<paramref name="port"/> now.</summary>
    public static string? ListenProblem(string hostname, int port)
    {
        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(hostname, out var literal) ? [literal] : Dns.GetHostAddresses(hostname);
        }
        catch (SocketException e)
        {
            return $"host name '{hostname}' cannot be resolved ({e.Message})";
        }
        var address = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault();
        if (address == null) return $"host name '{hostname}' resolves to no address";
        var listener = new TcpListener(address, port);
        try
        {
            listener.Start();
            return null;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            return $"port {port} is already in use on {address}";
        }
        catch (SocketException e)
        {
            return $"this machine cannot listen on {address}:{port} ({e.Message})";
        }
        finally
        {
            listener.Stop();
        }
    }
}
