using Akka.Actor;
using Inspection.Actors.Messages;

namespace Inspection.Actors.Results;

/// <summary>
/// A stored result for the index on this node, and who waits for it once it can be queried (local only). Replayed: a
/// result the line offers again after its recovery; it is published only if it was not indexed before (then it never was).
/// </summary>
public sealed record IndexResult(StoredResult Result, IReadOnlyList<IActorRef> Waiters, bool Replayed = false);

/// <summary>Registry key of this node's <see cref="ResultIndexActor"/>.</summary>
public sealed class ResultIndex;
