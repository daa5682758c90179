namespace Inspection.Actors.Results;

/// <summary>
/// One change, as the audit trail keeps it: when, to which line (null: the server), what kind of change, who made it
/// (an API key's name, never the key), the value before and after (JSON, null where there was none) and a detail
/// (a result id for a review, a job id for a job).
/// </summary>
public sealed record AuditRecord(string Id, DateTimeOffset At, string? Line, string Kind, string Who, string? Old, string? New, string? Detail);

/// <summary>Filters of an audit query, newest first: a line, a kind, changes at or after Since, at most Limit, after the change Before (an id) in that order.</summary>
public sealed record AuditQuery(string? Line, string? Kind, DateTimeOffset? Since, int Limit, string? Before = null);

public sealed partial class ResultStore
{
    /// <summary>Stores one change of the audit trail.</summary>
    public async Task InsertAudit(AuditRecord record, CancellationToken cancel = default)
    {
        await using var connection = await Open(cancel);
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO inspection_audit (id, at, line, kind, who, old_value, new_value, detail) " +
                              "VALUES (@id, @at, @line, @kind, @who, @old, @new, @detail) ON CONFLICT (id) DO NOTHING";
        Add(command, "id", record.Id);
        Add(command, "at", Micros(record.At));
        Add(command, "line", record.Line);
        Add(command, "kind", record.Kind);
        Add(command, "who", record.Who);
        Add(command, "old", record.Old);
        Add(command, "new", record.New);
        Add(command, "detail", record.Detail);
        await command.ExecuteNonQueryAsync(cancel);
    }

    /// <summary>Changes of the audit trail, newest first (ties of the same microsecond by id), the page after the change Before.</summary>
    public async Task<IReadOnlyList<AuditRecord>> Audit(AuditQuery query, CancellationToken cancel = default)
    {
        await using var connection = await Open(cancel);
        await using var command = connection.CreateCommand();
        var where = new List<string>();
        if (query.Line != null) { where.Add("line = @line"); Add(command, "line", query.Line); }
        if (query.Kind != null) { where.Add("kind = @kind"); Add(command, "kind", query.Kind); }
        if (query.Since is { } since) { where.Add("at >= @since"); Add(command, "since", Micros(since)); }
        if (query.Before != null)
        {
            where.Add("(at < (SELECT at FROM inspection_audit WHERE id = @before) OR (at = (SELECT at FROM inspection_audit WHERE id = @before) AND id < @before))");
            Add(command, "before", query.Before);
        }
        command.CommandText = "SELECT id, at, line, kind, who, old_value, new_value, detail FROM inspection_audit" +
                              (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "") + " ORDER BY at DESC, id DESC LIMIT @limit";
        Add(command, "limit", query.Limit);
        var rows = new List<AuditRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancel);
        while (await reader.ReadAsync(cancel))
        {
            string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            rows.Add(new AuditRecord(reader.GetString(0), FromMicros(Convert.ToInt64(reader.GetValue(1))), Text(2), reader.GetString(3), reader.GetString(4),
                Text(5), Text(6), Text(7)));
        }
        return rows;
    }

    /// <summary>Deletes the audit trail's changes made before <paramref name="before"/> (retention); returns how many.</summary>
    public async Task<int> RemoveAuditBefore(DateTimeOffset before, CancellationToken cancel = default)
    {
        await using var connection = await Open(cancel);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM inspection_audit WHERE at < @before";
        Add(command, "before", Micros(before));
        return await command.ExecuteNonQueryAsync(cancel);
    }
}
