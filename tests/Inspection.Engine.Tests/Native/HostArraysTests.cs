using Inspection.Engine.Native;
using Xunit;
using static TorchSharp.torch;

namespace Inspection.Engine.Tests.Native;

public class HostArraysTests
{
    [Fact]
    public void Values_come_in_row_major_order_from_contiguous_transposed_and_offset_views()
    {
        using var x = arange(0, 24, dtype: ScalarType.Float32).reshape(4, 6);
        Assert.Equal(Enumerable.Range(0, 24).Select(i => (float)i), HostArrays.ToArray<float>(x));
        using var transposed = x.t(); // not contiguous
        Assert.Equal(transposed.contiguous().data<float>().ToArray(), HostArrays.ToArray<float>(transposed));
        using var rows = x.narrow(0, 2, 2); // contiguous, but starts 12 values into the storage
        Assert.Equal(Enumerable.Range(12, 12).Select(i => (float)i), HostArrays.ToArray<float>(rows));
        using var columns = x.narrow(1, 3, 2); // strided
        Assert.Equal([3f, 4, 9, 10, 15, 16, 21, 22], HostArrays.ToArray<float>(columns));
        using var indices = arange(5, 9, dtype: ScalarType.Int64);
        Assert.Equal([5L, 6, 7, 8], HostArrays.ToArray<long>(indices));
        using var doubles = tensor(new[] { 0.25, -1.5 });
        Assert.Equal([0.25, -1.5], HostArrays.ToArray<double>(doubles));
    }

    [Fact]
    public void An_empty_tensor_gives_an_empty_array_and_a_wrong_type_is_refused()
    {
        using var empty = zeros(0, 384);
        Assert.Empty(HostArrays.ToArray<float>(empty));
        using var longs = arange(0, 3, dtype: ScalarType.Int64);
        var e = Assert.Throws<ArgumentException>(() => HostArrays.ToArray<float>(longs));
        Assert.Contains("Int64", e.Message);
    }
}
