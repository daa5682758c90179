namespace Inspection.Host.Api;

/// <summary>The line took the frame but could not store its result (<see cref="Inspection.Actors.Messages.FrameLost"/>).</summary>
public sealed class FrameLostException(string reason) : Exception(reason);
