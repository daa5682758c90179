using System.Data.Common;
using System.Text;
using Inspection.Actors.Hosting;
using Inspection.Actors.Messages;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Inspection.Actors.Results;

/// <summary>
/// Results as rows of one table (inspection_results) in the node's database (the SQLite file or PostgreSQL database
/// the journal uses), for queries the journal cannot answer: by id, by client key, filtered and paged newest first, and
/// the operators' reviews. The journal stays the record of what was scored; rows are written after it (idempotently:
/// a result is one row whatever the retries) and are rebuilt from it after a crash. A shadow version's verdicts are rows
/// of inspection_shadow beside them (ResultStoreShadows.cs), removed with their results; the audit trail of changes is
/// inspection_audit (ResultStoreAudit.cs).
/// </summary>
public sealed partial class ResultStore
{
    private const string Columns = "id, line, camera, sequence, source, client_key, model_version, score, normalised, verdict, error, " +
                                   "latency_ms, received_at, completed_at, heatmap_path, review_label, reviewed_by, reviewed_at, warning, images_not_kept, threshold, threshold_method, part, late";

    /// <summary>
    /// What a result costs besides its images, as retention counts it against a line's size limit: its row with the
    /// row's indexes, and its journal event until a snapshot lets it go (docs/benchmarks.md has the measured figure).
    /// </summary>
    public const long RowBytes = 1024;

    /// <summary>The condition of a flagged result (failed or reviewed): evidence an operator acted on, kept longer.</summary>
    private const string Flagged = "(verdict = 'fail' OR review_label IS NOT NULL)";
    private readonly PersistenceBackend _backend;
    private readonly string _connection;
    private readonly SemaphoreSlim _schema = new(1, 1);
    private bool _created;

    public ResultStore(PersistenceBackend backend, string database)
    {
        _backend = backend;
        _connection = backend == PersistenceBackend.Sqlite && !database.Contains('=') ? $"Data Source={database}" : database;
    }

    public static ResultStore For(InspectionNodeOptions options) => new(options.Persistence, options.Database);

    private async Task<DbConnection> Open(CancellationToken cancel)
    {
        DbConnection connection = _backend == PersistenceBackend.Sqlite
            ? new SqliteConnection(_connection + (_connection.Contains("Default Timeout", StringComparison.OrdinalIgnoreCase) ? "" : ";Default Timeout=30"))
            : new NpgsqlConnection(_connection);
        await connection.OpenAsync(cancel);
        if (!_created) await EnsureSchema(connection, cancel);
        return connection;
    }

    private async Task EnsureSchema(DbConnection connection, CancellationToken cancel)
    {
        await _schema.WaitAsync(cancel);
        try
        {
            if (_created) return;
            string real = "DOUBLE PRECISION";
            await Execute(connection, $"""
                CREATE TABLE IF NOT EXISTS inspection_results (
                  id TEXT PRIMARY KEY, line TEXT NOT NULL, camera TEXT NOT NULL, sequence BIGINT NOT NULL, source TEXT NOT NULL,
                  client_key TEXT NULL, model_version TEXT NOT NULL, score {real} NULL, normalised {real} NULL, verdict TEXT NOT NULL,
                  error TEXT NULL, latency_ms {real} NOT NULL, received_at BIGINT NOT NULL, completed_at BIGINT NOT NULL,
                  heatmap_path TEXT NULL, review_label TEXT NULL, reviewed_by TEXT NULL, reviewed_at BIGINT NULL, warning TEXT NULL)
                """, cancel);
            // Stores made before warnings existed get the column (SQLite has no ADD COLUMN IF NOT EXISTS).
            if (!await HasColumn(connection, "warning", cancel))
                await Execute(connection, "ALTER TABLE inspection_results ADD COLUMN warning TEXT NULL", cancel);
            if (!await HasColumn(connection, "images_not_kept", cancel))
                await Execute(connection, "ALTER TABLE inspection_results ADD COLUMN images_not_kept TEXT NULL", cancel);
            if (!await HasColumn(connection, "image_bytes", cancel))
                await Execute(connection, "ALTER TABLE inspection_results ADD COLUMN image_bytes BIGINT NOT NULL DEFAULT 0", cancel);
            if (!await HasColumn(connection, "threshold", cancel))
                await Execute(connection, $"ALTER TABLE inspection_results ADD COLUMN threshold {real} NULL", cancel);
            if (!await HasColumn(connection, "threshold_method", cancel))
                await Execute(connection, "ALTER TABLE inspection_results ADD COLUMN threshold_method TEXT NULL", cancel);
            if (!await HasColumn(connection, "part", cancel))
                await Execute(connection, "ALTER TABLE inspection_results ADD COLUMN part TEXT NULL", cancel);
            if (!await HasColumn(connection, "late", cancel))
                await Execute(connection, "ALTER TABLE inspection_results ADD COLUMN late INTEGER NOT NULL DEFAULT 0", cancel);
            await Execute(connection, "CREATE INDEX IF NOT EXISTS inspection_results_by_line ON inspection_results (line, completed_at)", cancel);
            await Execute(connection, "CREATE INDEX IF NOT EXISTS inspection_results_by_time ON inspection_results (completed_at)", cancel);
            await Execute(connection, "CREATE INDEX IF NOT EXISTS inspection_results_by_key ON inspection_results (line, client_key)", cancel);
            await Execute(connection, "CREATE INDEX IF NOT EXISTS inspection_results_by_part ON inspection_results (line, part)", cancel);
            await Execute(connection, $"""
                CREATE TABLE IF NOT EXISTS inspection_shadow (
                  id TEXT NOT NULL, line TEXT NOT NULL, version TEXT NOT NULL, score {real} NULL, verdict TEXT NOT NULL, error TEXT NULL,
                  completed_at BIGINT NOT NULL, PRIMARY KEY (id, version))
                """, cancel);
            await Execute(connection, "CREATE INDEX IF NOT EXISTS inspection_shadow_by_line ON inspection_shadow (line, version, completed_at)", cancel);
            await Execute(connection, """
                CREATE TABLE IF NOT EXISTS inspection_audit (
                  id TEXT PRIMARY KEY, at BIGINT NOT NULL, line TEXT NULL, kind TEXT NOT NULL, who TEXT NOT NULL,
                  old_value TEXT NULL, new_value TEXT NULL, detail TEXT NULL)
                """, cancel);
            await Execute(connection, "CREATE INDEX IF NOT EXISTS inspection_audit_by_time ON inspection_audit (at)", cancel);
            await Execute(connection, "CREATE INDEX IF NOT EXISTS inspection_audit_by_line ON inspection_audit (line, id)", cancel);
            _created = true;
        }
        finally { _schema.Release(); }
    }

    private async Task<bool> HasColumn(DbConnection connection, string column, CancellationToken cancel)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = _backend == PersistenceBackend.Sqlite
            ? "SELECT COUNT(*) FROM pragma_table_info('inspection_results') WHERE name = @column"
            : "SELECT COUNT(*) FROM information_schema.columns WHERE table_name = 'inspection_results' AND column_name = @column AND table_schema = current_schema()";
        Add(command, "column", column);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancel)) > 0;
    }

    private static async Task Execute(DbConnection connection, string sql, CancellationToken cancel)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancel);
    }

    /// <summary>Stores results; one already stored (same id) is left as it is. Answers the ids of the rows it inserted.</summary>
    public async Task<IReadOnlySet<string>> Insert(IReadOnlyList<StoredResult> results, CancellationToken cancel = default)
    {
        var inserted = new HashSet<string>(StringComparer.Ordinal);
        if (results.Count == 0) return inserted;
        await using var connection = await Open(cancel);
        await using var transaction = await connection.BeginTransactionAsync(cancel);
        foreach (var r in results)
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = $"INSERT INTO inspection_results ({Columns}, image_bytes) VALUES (@id, @line, @camera, @sequence, @source, @key, @version, " +
                                  "@score, @normalised, @verdict, @error, @latency, @received, @completed, @heatmap, NULL, NULL, NULL, @warning, @notKept, @threshold, @method, @part, @late, @bytes) " +
                                  "ON CONFLICT (id) DO NOTHING";
            Add(command, "id", r.ResultId);
            Add(command, "line", r.Frame.Line);
            Add(command, "camera", r.Frame.Camera);
            Add(command, "sequence", r.Frame.Sequence);
            Add(command, "source", r.Source);
            Add(command, "key", r.ClientKey);
            Add(command, "version", r.ModelVersion);
            Add(command, "score", r.Error == null && float.IsFinite(r.Score) ? (double)r.Score : null);
            Add(command, "normalised", r.Error == null && float.IsFinite(r.NormalisedScore) ? (double)r.NormalisedScore : null);
            Add(command, "verdict", VerdictOf(r));
            Add(command, "error", r.Error);
            Add(command, "latency", r.LatencyMs);
            Add(command, "received", Micros(r.ReceivedAt == default ? r.CompletedAt : r.ReceivedAt));
            Add(command, "completed", Micros(r.CompletedAt));
            Add(command, "heatmap", r.HeatmapPath);
            Add(command, "warning", r.Warning);
            Add(command, "bytes", r.ImagesBytes);
            Add(command, "notKept", r.ImagesNotKept);
            Add(command, "threshold", r.Error == null && float.IsFinite(r.Threshold) ? (double)r.Threshold : null);
            Add(command, "method", r.Error == null ? r.ThresholdMethod : null);
            Add(command, "part", r.Part);
            Add(command, "late", r.Late ? 1 : 0);
            if (await command.ExecuteNonQueryAsync(cancel) > 0) inserted.Add(r.ResultId);
        }
        await transaction.CommitAsync(cancel);
        return inserted;
    }

    public static string VerdictOf(StoredResult r) => r.Error != null ? ResultWords.Error : r.Defective ? ResultWords.Fail : ResultWords.Pass;

    public async Task<ResultRecord?> Get(string id, CancellationToken cancel = default)
    {
        await using var connection = await Open(cancel);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM inspection_results WHERE id = @id";
        Add(command, "id", id);
        return (await Read(command, cancel)).FirstOrDefault();
    }

    /// <summary>The result of a line's frame with that client key, if one was stored.</summary>
    public async Task<ResultRecord?> FindByKey(string line, string clientKey, CancellationToken cancel = default)
    {
        await using var connection = await Open(cancel);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM inspection_results WHERE line = @line AND client_key = @key ORDER BY completed_at LIMIT 1";
        Add(command, "line", line);
        Add(command, "key", clientKey);
        return (await Read(command, cancel)).FirstOrDefault();
    }

    /// <summary>Results matching the query, newest first, one page.</summary>
    public async Task<ResultPage> Query(ResultQuery query, CancellationToken cancel = default)
    {
        await using var connection = await Open(cancel);
        await using var command = connection.CreateCommand();
        var where = new List<string>();
        if (query.Line != null) { where.Add("line = @line"); Add(command, "line", query.Line); }
        if (query.Camera != null) { where.Add("camera = @camera"); Add(command, "camera", query.Camera); }
        if (query.Verdict != null) { where.Add("verdict = @verdict"); Add(command, "verdict", query.Verdict); }
        if (query.Part != null) { where.Add("part = @part"); Add(command, "part", query.Part); }
        if (query.Since != null) { where.Add("completed_at >= @since"); Add(command, "since", Micros(query.Since.Value)); }
        if (query.Cursor != null)
        {
            var (at, id) = ParseCursor(query.Cursor);
            where.Add("(completed_at < @cursorAt OR (completed_at = @cursorAt AND id < @cursorId))");
            Add(command, "cursorAt", at);
            Add(command, "cursorId", id);
        }
        command.CommandText = $"SELECT {Columns} FROM inspection_results{(where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "")} " +
                              "ORDER BY completed_at DESC, id DESC LIMIT @limit";
        Add(command, "limit", query.Limit + 1);
        var rows = await Read(command, cancel);
        if (rows.Count <= query.Limit) return new ResultPage(rows, null);
        var page = rows.Take(query.Limit).ToList();
        return new ResultPage(page, Cursor(page[^1]));
    }

    /// <summary>
    /// The line's results completed since <paramref name="since"/>, oldest first, as narrow rows: an hour of a busy line
    /// is tens of thousands of rows, read for its counts, latency percentiles and recent scores.
    /// </summary>
    public async Task<IReadOnlyList<ResultSample>> Samples(string line, DateTimeOffset since, CancellationToken cancel = default)
    {
        await using var connection = await Open(cancel);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, verdict, latency_ms, score, normalised, completed_at FROM inspection_results " +
                              "WHERE line = @line AND completed_at >= @since ORDER BY completed_at, id";
        Add(command, "line", line);
        Add(command, "since", Micros(since));
        var samples = new List<ResultSample>();
        await using var reader = await command.ExecuteReaderAsync(cancel);
        while (await reader.ReadAsync(cancel))
            samples.Add(new ResultSample(reader.GetString(0), reader.GetString(1), Convert.ToDouble(reader.GetValue(2)),
                reader.IsDBNull(3) ? null : Convert.ToDouble(reader.GetValue(3)), reader.IsDBNull(4) ? null : Convert.ToDouble(reader.GetValue(4)),
                FromMicros(Convert.ToInt64(reader.GetValue(5)))));
        return samples;
    }

    /// <summary>The line's last <paramref name="limit"/> scored results (newest first), or with <paramref name="reviewedOnly"/> its reviewed ones.</summary>
    public async Task<IReadOnlyList<ScoredSample>> Scored(string line, int limit, bool reviewedOnly = false, CancellationToken cancel = default)
    {
        await using var connection = await Open(cancel);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT score, review_label FROM inspection_results WHERE line = @line AND score IS NOT NULL AND verdict <> 'error'" +
                              (reviewedOnly ? " AND review_label IS NOT NULL" : "") + " ORDER BY completed_at DESC, id DESC LIMIT @limit";
        Add(command, "line", line);
        Add(command, "limit", limit);
        var samples = new List<ScoredSample>();
        await using var reader = await command.ExecuteReaderAsync(cancel);
        while (await reader.ReadAsync(cancel))
            samples.Add(new ScoredSample(Convert.ToDouble(reader.GetValue(0)), reader.IsDBNull(1) ? null : reader.GetString(1)));
        return samples;
    }

    /// <summary>Records an operator's label for a result; false if there is no such result.</summary>
    public async Task<bool> Review(string id, string label, string by, DateTimeOffset at, CancellationToken cancel = default)
    {
        await using var connection = await Open(cancel);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE inspection_results SET review_label = @label, reviewed_by = @by, reviewed_at = @at WHERE id = @id";
        Add(command, "label", label);
        Add(command, "by", by);
        Add(command, "at", Micros(at));
        Add(command, "id", id);
        return await command.ExecuteNonQueryAsync(cancel) > 0;
    }

    public async Task<ReviewCounts> Reviews(string line, CancellationToken cancel = default)
    {
        await using var connection = await Open(cancel);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*), " +
                              "SUM(CASE WHEN verdict = 'fail' AND review_label = 'good' THEN 1 ELSE 0 END), " +
                              "SUM(CASE WHEN verdict = 'pass' AND review_label = 'defect' THEN 1 ELSE 0 END), " +
                              "SUM(CASE WHEN verdict = 'fail' AND review_label = 'defect' THEN 1 ELSE 0 END) " +
                              "FROM inspection_results WHERE line = @line AND review_label IS NOT NULL";
        Add(command, "line", line);
        await using var reader = await command.ExecuteReaderAsync(cancel);
        await reader.ReadAsync(cancel);
        long Value(int i) => reader.IsDBNull(i) ? 0 : Convert.ToInt64(reader.GetValue(i));
        return new ReviewCounts(Value(0), Value(1), Value(2), Value(3));
    }

    /// <summary>Removes a deleted line's rows.</summary>
    public async Task DeleteLine(string line, CancellationToken cancel = default)
    {
        await using var connection = await Open(cancel);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM inspection_results WHERE line = @line";
        Add(command, "line", line);
        await command.ExecuteNonQueryAsync(cancel);
        command.CommandText = "DELETE FROM inspection_shadow WHERE line = @line";
        await command.ExecuteNonQueryAsync(cancel);
    }

    /// <summary>The line's results kept and the bytes their images take (retention's measure, with <see cref="RowBytes"/> a row).</summary>
    public async Task<StoredUsage> Usage(string line, CancellationToken cancel = default)
    {
        await using var connection = await Open(cancel);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*), COALESCE(SUM(image_bytes), 0) FROM inspection_results WHERE line = @line";
        Add(command, "line", line);
        await using var reader = await command.ExecuteReaderAsync(cancel);
        await reader.ReadAsync(cancel);
        return new StoredUsage(Convert.ToInt64(reader.GetValue(0)), Convert.ToInt64(reader.GetValue(1)));
    }

    /// <summary>
    /// Up to <paramref name="limit"/> of the line's results past their age, oldest first: passing ones (and errors)
    /// completed before <paramref name="passedBefore"/>, flagged ones before <paramref name="flaggedBefore"/>.
    /// </summary>
    public async Task<IReadOnlyList<StoredFootprint>> Expired(string line, DateTimeOffset passedBefore, DateTimeOffset flaggedBefore, int limit,
        CancellationToken cancel = default)
    {
        await using var connection = await Open(cancel);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, heatmap_path, image_bytes, completed_at FROM inspection_results WHERE line = @line AND " +
                              $"((completed_at < @passed AND NOT {Flagged}) OR completed_at < @flagged) ORDER BY completed_at, id LIMIT @limit";
        Add(command, "line", line);
        Add(command, "passed", Micros(passedBefore));
        Add(command, "flagged", Micros(flaggedBefore));
        Add(command, "limit", limit);
        return await Footprints(command, cancel);
    }

    /// <summary>The line's <paramref name="limit"/> oldest results, passing ones (and errors) or flagged ones.</summary>
    public async Task<IReadOnlyList<StoredFootprint>> Oldest(string line, bool flagged, int limit, CancellationToken cancel = default)
    {
        await using var connection = await Open(cancel);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, heatmap_path, image_bytes, completed_at FROM inspection_results WHERE line = @line AND " +
                              (flagged ? Flagged : $"NOT {Flagged}") + " ORDER BY completed_at, id LIMIT @limit";
        Add(command, "line", line);
        Add(command, "limit", limit);
        return await Footprints(command, cancel);
    }

    /// <summary>Deletes these results' rows (their images are the gpu nodes' to delete).</summary>
    public async Task Remove(IReadOnlyList<string> ids, CancellationToken cancel = default)
    {
        if (ids.Count == 0) return;
        await using var connection = await Open(cancel);
        await using var transaction = await connection.BeginTransactionAsync(cancel);
        foreach (var chunk in ids.Chunk(200))
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            var names = string.Join(", ", chunk.Select((id, i) => { Add(command, "id" + i, id); return "@id" + i; }));
            command.CommandText = $"DELETE FROM inspection_results WHERE id IN ({names})";
            await command.ExecuteNonQueryAsync(cancel);
            // A result's shadow verdicts go with it.
            command.CommandText = $"DELETE FROM inspection_shadow WHERE id IN ({names})";
            await command.ExecuteNonQueryAsync(cancel);
        }
        await transaction.CommitAsync(cancel);
    }

    private static async Task<IReadOnlyList<StoredFootprint>> Footprints(DbCommand command, CancellationToken cancel)
    {
        var rows = new List<StoredFootprint>();
        await using var reader = await command.ExecuteReaderAsync(cancel);
        while (await reader.ReadAsync(cancel))
            rows.Add(new StoredFootprint(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), Convert.ToInt64(reader.GetValue(2)),
                FromMicros(Convert.ToInt64(reader.GetValue(3)))));
        return rows;
    }

    /// <summary>Answers when the database does (readiness).</summary>
    public async Task Ping(CancellationToken cancel = default)
    {
        await using var connection = await Open(cancel);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1";
        await command.ExecuteScalarAsync(cancel);
    }

    /// <summary>Whether a cursor given by a client is one this store wrote.</summary>
    public static bool IsCursor(string cursor)
    {
        try { ParseCursor(cursor); return true; }
        catch (FormatException) { return false; }
    }

    private static string Cursor(ResultRecord last) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Micros(last.CompletedAt)}|{last.Id}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static (long At, string Id) ParseCursor(string cursor)
    {
        try
        {
            string padded = cursor.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - padded.Length % 4) % 4);
            string text = Encoding.UTF8.GetString(Convert.FromBase64String(padded));
            int bar = text.IndexOf('|');
            if (bar <= 0 || !long.TryParse(text[..bar], out long at)) throw new FormatException("not a result cursor");
            return (at, text[(bar + 1)..]);
        }
        catch (ArgumentException e) { throw new FormatException("not a result cursor", e); }
    }

    private static async Task<List<ResultRecord>> Read(DbCommand command, CancellationToken cancel)
    {
        var rows = new List<ResultRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancel);
        while (await reader.ReadAsync(cancel))
        {
            string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            float? Real(int i) => reader.IsDBNull(i) ? null : (float)reader.GetDouble(i);
            DateTimeOffset Time(int i) => FromMicros(reader.GetInt64(i));
            rows.Add(new ResultRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetString(4), Text(5),
                reader.GetString(6), Real(7), Real(8), reader.GetString(9), Text(10), reader.GetDouble(11), Time(12), Time(13), Text(14),
                Text(15), Text(16), reader.IsDBNull(17) ? null : Time(17), Text(18), Text(19), Real(20), Text(21), Text(22), Convert.ToInt64(reader.GetValue(23)) != 0));
        }
        return rows;
    }

    private static void Add(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@" + name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }

    private static long Micros(DateTimeOffset t) => (t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    private static DateTimeOffset FromMicros(long micros) => new(DateTimeOffset.UnixEpoch.UtcTicks + micros * 10, TimeSpan.Zero);
}
