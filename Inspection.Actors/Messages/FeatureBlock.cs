using System.Runtime.InteropServices;
using Inspection.Engine.Native;
using static TorchSharp.torch;

namespace Inspection.Actors.Messages;

/// <summary>
/// A [Rows x Columns] matrix of feature values as raw little-endian bytes, so that messages carrying tensors serialise
/// as one block copy (see <c>InspectionSerializer</c>) rather than element by element.
/// </summary>
public sealed record FeatureBlock(int Rows, int Columns, FeaturePrecision Precision, byte[] Data)
{
    public static FeatureBlock FromFloats(ReadOnlySpan<float> values, int rows, int columns, FeaturePrecision precision = FeaturePrecision.Float32)
    {
        if ((long)rows * columns != values.Length) throw new ArgumentException($"{values.Length} values are not {rows} x {columns}.");
        if (precision == FeaturePrecision.Float32)
            return new FeatureBlock(rows, columns, precision, MemoryMarshal.AsBytes(values).ToArray());
        var halves = new Half[values.Length];
        for (int i = 0; i < values.Length; i++) halves[i] = (Half)values[i];
        return new FeatureBlock(rows, columns, precision, MemoryMarshal.AsBytes(halves.AsSpan()).ToArray());
    }

    /// <summary>A 2-D tensor (any device) to a block.</summary>
    public static FeatureBlock FromTensor(Tensor matrix, FeaturePrecision precision = FeaturePrecision.Float32)
    {
        // The conversions may each create a tensor; the scope releases them all.
        using var scope = NewDisposeScope();
        var host = matrix.to(ScalarType.Float32).cpu().contiguous();
        return FromFloats(host.data<float>().ToArray(), (int)matrix.shape[0], (int)matrix.shape[1], precision);
    }

    public float[] ToFloats()
    {
        if (Precision == FeaturePrecision.Float32) return MemoryMarshal.Cast<byte, float>(Data).ToArray();
        var halves = MemoryMarshal.Cast<byte, Half>(Data);
        var result = new float[halves.Length];
        for (int i = 0; i < halves.Length; i++) result[i] = (float)halves[i];
        return result;
    }

    public Tensor ToTensor(Device device)
    {
        using var host = tensor(ToFloats(), [Rows, Columns]);
        return DeviceTransfer.ToDevice(host, device);
    }
}
