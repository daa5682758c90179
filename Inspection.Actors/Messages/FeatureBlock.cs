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
        // One block copy of the bytes in the block's format (libtorch converts to half precision, rounding to nearest even
        // as .NET's Half does); the scope releases the conversions' tensors.
        using var scope = NewDisposeScope();
        var type = precision == FeaturePrecision.Float32 ? ScalarType.Float32 : ScalarType.Float16;
        var host = matrix.to(type).cpu().contiguous();
        return new FeatureBlock((int)matrix.shape[0], (int)matrix.shape[1], precision, matrix.numel() == 0 ? [] : host.bytes.ToArray());
    }

    public float[] ToFloats()
    {
        var result = new float[Rows * Columns];
        CopyTo(result);
        return result;
    }

    /// <summary>The values as float32 into <paramref name="destination"/> (Rows x Columns long), without an intermediate array.</summary>
    public void CopyTo(Span<float> destination)
    {
        if (Precision == FeaturePrecision.Float32)
        {
            MemoryMarshal.Cast<byte, float>(Data).CopyTo(destination);
            return;
        }
        var halves = MemoryMarshal.Cast<byte, Half>(Data);
        for (int i = 0; i < halves.Length; i++) destination[i] = (float)halves[i];
    }

    /// <summary>
    /// The values as a float32 [Rows, Columns] tensor on <paramref name="device"/>: one copy of the bytes into the host
    /// tensor (half precision is widened by libtorch), never through an intermediate .NET array, which for a batch's
    /// patches would be megabytes of large-object heap per query.
    /// </summary>
    public Tensor ToTensor(Device device)
    {
        using var scope = NewDisposeScope();
        var type = Precision == FeaturePrecision.Float32 ? ScalarType.Float32 : ScalarType.Float16;
        var host = empty([Rows, Columns], type);
        if (Data.Length > 0) Data.CopyTo(host.bytes);
        var values = type == ScalarType.Float32 ? host : host.to(ScalarType.Float32);
        return DeviceTransfer.ToDevice(values, device).MoveToOuterDisposeScope();
    }

    /// <summary>Row <paramref name="row"/> as float32 into <paramref name="destination"/> (Columns long).</summary>
    public void CopyRow(int row, Span<float> destination)
    {
        if (Precision == FeaturePrecision.Float32)
        {
            MemoryMarshal.Cast<byte, float>(Data).Slice(row * Columns, Columns).CopyTo(destination);
            return;
        }
        var halves = MemoryMarshal.Cast<byte, Half>(Data).Slice(row * Columns, Columns);
        for (int i = 0; i < halves.Length; i++) destination[i] = (float)halves[i];
    }
}
