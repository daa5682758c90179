namespace Inspection.Actors.Hosting;

public enum PersistenceBackend
{
    /// <summary>Embedded default: a SQLite file.</summary>
    Sqlite,
    PostgreSql,
}
