namespace Inspection.Actors.Messages;

/// <summary>A message for one memory-bank shard entity; <see cref="EntityId"/> is <c>line/version/index</c>.</summary>
public interface IShardMessage
{
    string EntityId { get; }
}
