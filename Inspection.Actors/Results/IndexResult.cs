using Akka.Actor;
using Inspection.Actors.Messages;

namespace Inspection.Actors.Results;

/// <summary>A stored result for the index on this node, and who waits for it once it can be queried (local only).</summary>
public sealed record IndexResult(StoredResult Result, IReadOnlyList<IActorRef> Waiters);

/// <summary>Registry key of this node's <see cref="ResultIndexActor"/>.</summary>
public sealed class ResultIndex;
