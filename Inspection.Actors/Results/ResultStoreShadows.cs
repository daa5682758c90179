using System.Data.Common;

namespace Inspection.Actors.Results;

/// <summary>A shadow version's verdict on a frame, stored beside the frame's result (same id), never in it.</summary>
public sealed record ShadowVerdict(string ResultId, string Line, string Version, float Score, string Verdict, string? Error, DateTimeOffset CompletedAt);

/// <summary>
/// How a shadow's verdicts compare with the active version's on the same frames: both pass, both fail, and the flips
/// each way (the active passed and the shadow fails, or the reverse); Errors: frames either version could not score;
/// Waiting: shadow verdicts whose frame's result is not stored yet (or was removed by retention).
/// </summary>
public sealed record ShadowAgreement(string Version, long BothPass, long BothFail, long PassToFail, long FailToPass, long Errors, long Waiting)
{
    public long Compared => BothPass + BothFail + PassToFail + FailToPass;
}

/// <summary>A frame on which the shadow's verdict differs from the active one's.</summary>
public sealed record ShadowFlip(string ResultId, string ActiveVerdict, double? ActiveScore, string ActiveVersion, string ShadowVerdict, double? ShadowScore,
    DateTimeOffset CompletedAt);

public sealed partial class ResultStore
{
    /// <summary>Stores shadow verdicts; one already stored (same frame and version) is left as it is.</summary>
    public async Task InsertShadow(IReadOnlyList<ShadowVerdict> verdicts, CancellationToken cancel = default)
    {
        if (verdicts.Count == 0) return;
        await using var connection = await Open(cancel);
        await using var transaction = await connection.BeginTransactionAsync(cancel);
        foreach (var v in verdicts)
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "INSERT INTO inspection_shadow (id, line, version, score, verdict, error, completed_at) " +
                                  "VALUES (@id, @line, @version, @score, @verdict, @error, @completed) ON CONFLICT (id, version) DO NOTHING";
            Add(command, "id", v.ResultId);
            Add(command, "line", v.Line);
            Add(command, "version", v.Version);
            Add(command, "score", v.Error == null && float.IsFinite(v.Score) ? (double)v.Score : null);
            Add(command, "verdict", v.Verdict);
            Add(command, "error", v.Error);
            Add(command, "completed", Micros(v.CompletedAt));
            await command.ExecuteNonQueryAsync(cancel);
        }
        await transaction.CommitAsync(cancel);
    }

    /// <summary>The stored verdicts (pass, fail, error) of these results; ids not stored yet are absent.</summary>
    public async Task<IReadOnlyDictionary<string, string>> Verdicts(IReadOnlyList<string> ids, CancellationToken cancel = default)
    {
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        if (ids.Count == 0) return found;
        await using var connection = await Open(cancel);
        foreach (var chunk in ids.Chunk(200))
        {
            await using var command = connection.CreateCommand();
            var names = chunk.Select((id, i) => { Add(command, "id" + i, id); return "@id" + i; });
            command.CommandText = $"SELECT id, verdict FROM inspection_results WHERE id IN ({string.Join(", ", names)})";
            await using var reader = await command.ExecuteReaderAsync(cancel);
            while (await reader.ReadAsync(cancel)) found[reader.GetString(0)] = reader.GetString(1);
        }
        return found;
    }

    /// <summary>Agreement of each shadow version of the line with the active verdicts of the same frames, over the stored results.</summary>
    public async Task<IReadOnlyList<ShadowAgreement>> ShadowAgreements(string line, CancellationToken cancel = default)
    {
        await using var connection = await Open(cancel);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT s.version,
              SUM(CASE WHEN r.verdict = 'pass' AND s.verdict = 'pass' THEN 1 ELSE 0 END),
              SUM(CASE WHEN r.verdict = 'fail' AND s.verdict = 'fail' THEN 1 ELSE 0 END),
              SUM(CASE WHEN r.verdict = 'pass' AND s.verdict = 'fail' THEN 1 ELSE 0 END),
              SUM(CASE WHEN r.verdict = 'fail' AND s.verdict = 'pass' THEN 1 ELSE 0 END),
              SUM(CASE WHEN r.id IS NOT NULL AND (r.verdict = 'error' OR s.verdict = 'error') THEN 1 ELSE 0 END),
              SUM(CASE WHEN r.id IS NULL THEN 1 ELSE 0 END)
            FROM inspection_shadow s LEFT JOIN inspection_results r ON r.id = s.id
            WHERE s.line = @line GROUP BY s.version ORDER BY s.version
            """;
        Add(command, "line", line);
        var rows = new List<ShadowAgreement>();
        await using var reader = await command.ExecuteReaderAsync(cancel);
        while (await reader.ReadAsync(cancel))
            rows.Add(new ShadowAgreement(reader.GetString(0), Long(reader, 1), Long(reader, 2), Long(reader, 3), Long(reader, 4), Long(reader, 5), Long(reader, 6)));
        return rows;
    }

    /// <summary>The latest frames of the line on which the shadow <paramref name="version"/> disagreed with the active verdict, newest first.</summary>
    public async Task<IReadOnlyList<ShadowFlip>> ShadowFlips(string line, string version, int limit, CancellationToken cancel = default)
    {
        await using var connection = await Open(cancel);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT s.id, r.verdict, r.score, r.model_version, s.verdict, s.score, r.completed_at
            FROM inspection_shadow s JOIN inspection_results r ON r.id = s.id
            WHERE s.line = @line AND s.version = @version AND r.verdict <> s.verdict AND r.verdict <> 'error' AND s.verdict <> 'error'
            ORDER BY r.completed_at DESC, s.id LIMIT @limit
            """;
        Add(command, "line", line);
        Add(command, "version", version);
        Add(command, "limit", limit);
        var flips = new List<ShadowFlip>();
        await using var reader = await command.ExecuteReaderAsync(cancel);
        while (await reader.ReadAsync(cancel))
            flips.Add(new ShadowFlip(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetDouble(2), reader.GetString(3),
                reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetDouble(5), FromMicros(Convert.ToInt64(reader.GetValue(6)))));
        return flips;
    }

    private static long Long(DbDataReader reader, int column) => reader.IsDBNull(column) ? 0 : Convert.ToInt64(reader.GetValue(column));
}
