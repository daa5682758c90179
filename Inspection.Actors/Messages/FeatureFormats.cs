namespace Inspection.Actors.Messages;

/// <summary>
/// Names the messages use for number formats and backbones: the engine's own names (ComputePrecision,
/// BackboneFactory), spelled here so that messages depend on no engine type; a test keeps the two equal.
/// </summary>
public static class FeatureFormats
{
    public const string Float32 = "fp32";
    public const string ResNet18 = "resnet18";
}
