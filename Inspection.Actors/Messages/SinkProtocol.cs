namespace Inspection.Actors.Messages;

/// <summary>Snapshot of a result sink: results of the line's journal up to this sequence number are delivered.</summary>
public sealed record SinkOffset(long SequenceNr) : IEvent;
