namespace Inspection.Actors.Messages;

/// <summary>Names a memory-bank shard: <c>&lt;line&gt;/&lt;model version&gt;/&lt;shard index&gt;</c>.</summary>
public static class ShardKey
{
    public static string Of(string line, string version, int index)
    {
        if (line.Contains('/') || version.Contains('/')) throw new ArgumentException("Line and version names cannot contain '/'.");
        return $"{line}/{version}/{index}";
    }
}
