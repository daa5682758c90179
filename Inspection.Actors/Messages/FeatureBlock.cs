using System.Runtime.InteropServices;

namespace Inspection.Actors.Messages;

/// <summary>
/// A [Rows x Columns] matrix of feature values as raw little-endian bytes, so that messages carrying tensors serialise
/// as one block copy (see <c>InspectionSerializer</c>) rather than element by element. Plain data: the conversions to
/// and from tensors are <c>Shards.FeatureBlockTensors</c>, on the nodes that compute.
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
