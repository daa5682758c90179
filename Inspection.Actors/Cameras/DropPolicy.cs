namespace Inspection.Actors.Cameras;

/// <summary>What a folder camera does with a frame the line refuses.</summary>
public enum DropPolicy
{
    /// <summary>Offer it again shortly: the file is still there, nothing is lost, intake slows down.</summary>
    Wait,
    /// <summary>Skip it and count it as dropped.</summary>
    Drop,
}
