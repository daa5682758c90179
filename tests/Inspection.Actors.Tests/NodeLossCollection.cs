using Xunit;

namespace Inspection.Actors.Tests;

/// <summary>
/// Tests that kill a node mid-stream and assert that no frame fails: their outcome rests on shard timeouts and the
/// failure detector, so they run after the parallel tests, alone, not while other clusters compete for the cores
/// (with a tiled cluster test beside it on 2 cores, a survivor once answered past the scorer's timeout).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NodeLossCollection
{
    public const string Name = "node loss";
}
