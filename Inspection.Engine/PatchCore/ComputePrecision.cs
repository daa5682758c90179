using static TorchSharp.torch;

namespace Inspection.Engine.PatchCore;

/// <summary>
/// Number format of the backbone and of the nearest-neighbour matrix products. Reduced precision roughly doubles
/// throughput on GPUs (and CPUs with bf16 units); squared norms, distance sums, maps and stored banks stay float32.
/// </summary>
public static class ComputePrecision
{
    public const string Float32 = "fp32";
    public const string BFloat16 = "bf16";
    public const string Float16 = "fp16";

    public static ScalarType ToScalarType(string precision) => precision switch
    {
        Float32 => ScalarType.Float32,
        BFloat16 => ScalarType.BFloat16,
        Float16 => ScalarType.Float16,
        _ => throw new ArgumentException($"Precision '{precision}' is not valid: use {Float32}, {BFloat16} or {Float16}."),
    };
}
