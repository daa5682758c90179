using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Inspection.Engine.Backbones;

/// <summary>
/// Every convolution the backbones run, folded or module by module. A 1x1 convolution (any stride, no padding, one
/// group) is computed as the matrix product it is, <c>y[n, :, i, j] = W x[n, :, s*i, s*j] + b</c>, and never reaches
/// libtorch's convolution dispatch: on some AMD EPYC servers the oneDNN bundled with libtorch 2.10 divides by zero
/// (SIGFPE, which kills the process) while it plans its brgemm 1x1 convolution for some shapes, and every Wide ResNet50
/// bottleneck and every ResNet downsample is a 1x1 convolution. The product is exact (the same sums in another order)
/// and goes to the BLAS the other matrix products use. Larger kernels keep <c>conv2d</c>, and so do accelerators, whose
/// convolution libraries do not have the fault and whose speed with the matrix form is not measured yet.
/// </summary>
/// <remarks>
/// The layout of the input decides the product's shape, so the output keeps it: channels-last inputs (NHWC strides, see
/// <see cref="ChannelsLast"/>) are already a [N*H*W, C] matrix and give a channels-last output without a copy; NCHW
/// inputs are multiplied per image as [C, H*W] and stay NCHW. Strided 1x1 convolutions pick every s-th row and column
/// first.
/// </remarks>
internal static class Convolution
{
    /// <summary>The module's convolution of <paramref name="x"/>, with its own weights.</summary>
    public static Tensor Apply(Conv2d conv, Tensor x) =>
        Apply(x, conv.weight!, conv.bias, conv.stride, conv.padding ?? throw new ArgumentException("The convolution has no explicit padding.", nameof(conv)),
            conv.dilation, conv.groups);

    public static Tensor Apply(Tensor x, Tensor weight, Tensor? bias, long[] stride, long[] padding, long[] dilation, long groups) =>
        x.device_type == TorchSharp.DeviceType.CPU && IsPointwise(weight, padding, groups)
            ? Pointwise(x, weight, bias, stride)
            : F.conv2d(x, weight, bias, stride, padding, dilation, groups);

    /// <summary>Whether a convolution with these parameters is computed as a matrix product.</summary>
    public static bool IsPointwise(Tensor weight, long[] padding, long groups) =>
        weight.shape[2] == 1 && weight.shape[3] == 1 && groups == 1 && padding.All(p => p == 0);

    private static Tensor Pointwise(Tensor x, Tensor weight, Tensor? bias, long[] stride)
    {
        using var scope = NewDisposeScope();
        if (stride.Any(s => s != 1))
            x = x.slice(2, 0, x.shape[2], stride[0]).slice(3, 0, x.shape[3], stride.Length > 1 ? stride[1] : stride[0]);
        long n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        long outChannels = weight.shape[0];
        var matrix = weight.reshape(outChannels, c); // [Cout, Cin]; a copy only when the weights are stored channels-last
        Tensor y;
        if (IsChannelsLast(x))
        {
            var rows = x.permute(0, 2, 3, 1).reshape(n * h * w, c); // a view unless a stride picked every s-th pixel
            var product = bias is null ? rows.matmul(matrix.t()) : addmm(bias, rows, matrix.t(), beta: 1, alpha: 1);
            y = product.view(n, h, w, outChannels).permute(0, 3, 1, 2);
        }
        else
        {
            var product = matrix.matmul(x.reshape(n, c, h * w)); // [N, Cout, H*W]
            if (bias is not null) product.add_(bias.view(1, outChannels, 1));
            y = product.view(n, outChannels, h, w);
        }
        return y.MoveToOuterDisposeScope();
    }

    /// <summary>NHWC strides: channels are adjacent in memory (libtorch's channels-last format).</summary>
    private static bool IsChannelsLast(Tensor x)
    {
        var strides = x.stride();
        return x.shape[1] > 1 && strides[1] == 1 && strides[3] >= x.shape[1];
    }
}
