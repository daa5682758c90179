using Inspection.Engine.Backbones;
using Xunit;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Inspection.Engine.Tests.Backbones;

/// <summary>
/// <see cref="Convolution"/> computes 1x1 convolutions as matrix products; they must equal libtorch's convolution in
/// both memory layouts, with and without stride and bias. The reference runs in float64, which libtorch convolves with
/// its own direct kernel (oneDNN takes no float64), so the reference itself never reaches the oneDNN 1x1 path.
/// </summary>
public class ConvolutionTests
{
    [Theory]
    [InlineData(1, false, false)]
    [InlineData(1, true, false)]
    [InlineData(2, false, true)]
    [InlineData(2, true, true)]
    [InlineData(2, true, false)]
    public void A_one_by_one_convolution_as_a_matrix_product_equals_the_convolution(int stride, bool channelsLast, bool withBias)
    {
        manual_seed(stride * 4 + (channelsLast ? 2 : 0) + (withBias ? 1 : 0));
        using var x = randn(3, 24, 7, 9); // odd sides: a stride-2 grid keeps the last row and column
        using var weight = randn(40, 24, 1, 1);
        using var bias = randn(40);
        long[] strides = [stride, stride], padding = [0, 0], dilation = [1, 1];
        using var expected = F.conv2d(x.to(ScalarType.Float64), weight.to(ScalarType.Float64), withBias ? bias.to(ScalarType.Float64) : null,
            strides, padding, dilation, 1);
        var input = channelsLast ? ChannelsLast.Apply(x) : x;
        var w = channelsLast ? ChannelsLast.Apply(weight) : weight;
        Assert.True(Convolution.IsPointwise(w, padding, 1));
        using var actual = Convolution.Apply(input, w, withBias ? bias : null, strides, padding, dilation, 1);

        Assert.Equal(expected.shape, actual.shape);
        double difference = (actual.to(ScalarType.Float64) - expected).abs().max().item<double>();
        Assert.True(difference < 1e-4, $"largest difference {difference:G3}");
        // The layout comes out as it went in, so a channels-last network stays channels-last.
        Assert.Equal(channelsLast, actual.stride()[1] == 1);
    }

    [Fact]
    public void Larger_kernels_and_padded_or_grouped_one_by_one_kernels_stay_convolutions()
    {
        using var three = zeros(8, 8, 3, 3);
        using var one = zeros(8, 8, 1, 1);
        using var grouped = zeros(8, 4, 1, 1);
        Assert.False(Convolution.IsPointwise(three, [1, 1], 1));
        Assert.False(Convolution.IsPointwise(one, [1, 1], 1));
        Assert.False(Convolution.IsPointwise(grouped, [0, 0], 2));
        Assert.True(Convolution.IsPointwise(one, [0, 0], 1));
    }
}
