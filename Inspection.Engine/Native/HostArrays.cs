using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Inspection.Engine.Native;

/// <summary>
/// Tensor values into a .NET array as one block copy. TorchSharp's <c>data&lt;T&gt;().ToArray()</c> goes element by
/// element through its accessor, several times slower than a copy of the tensor's bytes for a batch's patch features
/// (docs/benchmark-history.md, 'Where the pipeline's time goes (per stage)'); the coreset's projected values and every
/// kNN call's rotated queries paid that too.
/// </summary>
public static class HostArrays
{
    /// <summary>The values of <paramref name="tensor"/> (any device, any layout; its dtype must be T's) in row-major order.</summary>
    public static T[] ToArray<T>(Tensor tensor) where T : unmanaged
    {
        var expected = ScalarTypeOf<T>();
        if (tensor.dtype != expected)
            throw new ArgumentException($"A {tensor.dtype} tensor cannot be read as {typeof(T).Name} ({expected}).", nameof(tensor));
        if (tensor.numel() == 0) return [];
        using var scope = NewDisposeScope();
        var host = tensor.cpu().contiguous();
        return MemoryMarshal.Cast<byte, T>(host.bytes).ToArray();
    }

    private static ScalarType ScalarTypeOf<T>() => typeof(T) switch
    {
        var t when t == typeof(float) => ScalarType.Float32,
        var t when t == typeof(double) => ScalarType.Float64,
        var t when t == typeof(long) => ScalarType.Int64,
        var t when t == typeof(int) => ScalarType.Int32,
        var t when t == typeof(Half) => ScalarType.Float16,
        var t when t == typeof(byte) => ScalarType.Byte,
        _ => throw new NotSupportedException($"No tensor type for {typeof(T).Name}."),
    };
}
