namespace Inspection.Actors.Messages;

/// <summary>How feature values travel: exact float32, or float16 at half the bytes (for links that are the bottleneck).</summary>
public enum FeaturePrecision : byte
{
    Float32 = 0,
    Float16 = 1,
}
