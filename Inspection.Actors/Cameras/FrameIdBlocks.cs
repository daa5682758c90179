using Inspection.Actors.Messages;

namespace Inspection.Actors.Cameras;

/// <summary>
/// A camera's frame ids, unique across its restarts without one journal write per frame: the camera reserves a block
/// of ids in its journal (<see cref="CameraFrameIdsReserved"/>) and takes ids from it; after a restart it starts at the
/// next block, since the ids of the last one may have been used. Shared by every camera actor.
/// </summary>
public sealed class FrameIdBlocks(int blockSize)
{
    private long _next, _reservedUpTo;

    public long ReservedUpTo => _reservedUpTo;

    /// <summary>Whether the next id needs a new block persisted first.</summary>
    public bool Exhausted => _next >= _reservedUpTo;

    /// <summary>The event that reserves the next block.</summary>
    public CameraFrameIdsReserved NextBlock() => new(_reservedUpTo + blockSize);

    /// <summary>A block reserved: from the journal while recovering, or persisted now.</summary>
    public void Reserved(long upTo) => _reservedUpTo = upTo;

    /// <summary>Recovery is over: ids start after every block reserved before.</summary>
    public void Recovered() => _next = _reservedUpTo;

    public long Take() => Exhausted ? throw new InvalidOperationException("no frame id reserved: persist NextBlock() first") : _next++;
}
