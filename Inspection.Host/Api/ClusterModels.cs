namespace Inspection.Host.Api;

/// <summary>One cluster member: status as Akka.Cluster says (Joining, Up, Leaving, Exiting, Down, Removed...).</summary>
public sealed record MemberView(string Address, IReadOnlyList<string> Roles, string Status, bool Reachable, bool Leader, bool Self, int Shards);

/// <summary>One replica of one shard of a line's current model: which node holds it, how many bank rows, on which device.</summary>
public sealed record ShardView(int Index, string Entity, string? Node, long Rows, string? Device, string State, int Replica);

public sealed record LineShardsView(string Line, string Version, IReadOnlyList<ShardView> Shards);

/// <summary>The cluster: members, leader, every shard of every line, and what an operator should know (Notes).</summary>
public sealed record ClusterView(string Self, string? Leader, IReadOnlyList<MemberView> Members, IReadOnlyList<LineShardsView> Lines, IReadOnlyList<string> Notes);
