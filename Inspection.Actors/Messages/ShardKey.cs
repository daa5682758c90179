namespace Inspection.Actors.Messages;

/// <summary>
/// Names one replica of one memory-bank shard: <c>&lt;line&gt;/&lt;model version&gt;/&lt;shard&gt;/&lt;replica&gt;</c>.
/// The replicas of a shard hold the same slice and share its journal (<see cref="PersistenceId"/>), so a replica
/// restarted on any node, or one added later, loads the slice without it being stored again. Entity ids written
/// before replicas existed (<c>line/version/shard</c>) parse as replica 0.
/// </summary>
public readonly record struct ShardKey(string Line, string Version, int Shard, int Replica = 0)
{
    public static string Of(string line, string version, int shard, int replica = 0) => new ShardKey(line, version, shard, replica).ToString();

    /// <summary>The shard without its replica number: what the replicas of one shard have in common.</summary>
    public string ShardName => $"{Line}/{Version}/{Shard}";

    /// <summary>The journal of the shard's slice, one for all its replicas (the name it had before replicas existed).</summary>
    public string PersistenceId => "bank-shard/" + ShardName;

    public override string ToString()
    {
        if (Line.Contains('/') || Version.Contains('/')) throw new ArgumentException("Line and version names cannot contain '/'.");
        if (Shard < 0 || Replica < 0) throw new ArgumentException($"Shard {Shard} and replica {Replica} cannot be negative.");
        return $"{ShardName}/{Replica}";
    }

    public static ShardKey Parse(string entityId) =>
        TryParse(entityId, out var key) ? key : throw new FormatException($"'{entityId}' is not a shard key (line/version/shard/replica).");

    public static bool TryParse(string? entityId, out ShardKey key)
    {
        key = default;
        var parts = entityId?.Split('/');
        if (parts is not { Length: 3 or 4 } || parts[0].Length == 0 || parts[1].Length == 0) return false;
        if (!int.TryParse(parts[2], System.Globalization.NumberStyles.None, null, out int shard)) return false;
        int replica = 0;
        if (parts.Length == 4 && !int.TryParse(parts[3], System.Globalization.NumberStyles.None, null, out replica)) return false;
        key = new ShardKey(parts[0], parts[1], shard, replica);
        return true;
    }
}
