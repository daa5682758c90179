namespace Inspection.Actors.Messages;

/// <summary>Correlation id of one camera frame: which line, which camera, which frame of that camera.</summary>
public sealed record FrameId(string Line, string Camera, long Sequence)
{
    public override string ToString() => $"{Line}/{Camera}/{Sequence}";
}
