using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Inspection.Engine.Backbones;

/// <summary>
/// A convolution with the inference-mode batch norm after it folded into its weights and bias:
/// <c>bn(conv(x)) = conv'(x)</c> with <c>w' = w * g / sqrt(v + eps)</c> per output channel and
/// <c>b' = beta - m * g / sqrt(v + eps)</c>. One kernel instead of two, and the batch norm's pass over every activation
/// (a read and a write of each layer's output) is gone.
/// </summary>
/// <remarks>
/// The fold is computed in float64 from the modules' current parameters, then stored in the inference number format, so
/// a bf16 network rounds the folded weights once. The modules keep their own parameters (state-dict layout, reference
/// path); a fold does not follow later changes to them.
/// </remarks>
internal sealed class FoldedConvolution : IDisposable
{
    private readonly Tensor _weight;
    private readonly Tensor _bias;
    private readonly long[] _stride;
    private readonly long[] _padding;
    private readonly long[] _dilation;
    private readonly long _groups;

    private FoldedConvolution(Tensor weight, Tensor bias, Conv2d conv)
    {
        _weight = weight;
        _bias = bias;
        _stride = conv.stride;
        _padding = conv.padding ?? throw new ArgumentException("The convolution has no explicit padding.", nameof(conv));
        _dilation = conv.dilation;
        _groups = conv.groups;
    }

    /// <param name="conv">A zero-padded convolution.</param>
    /// <param name="norm">The batch norm applied to its output (running statistics, affine).</param>
    /// <param name="dtype">Number format of the folded weights (that of the inputs).</param>
    /// <param name="channelsLast">Store the weights channels-last (<see cref="ChannelsLast"/>), for channels-last inputs.</param>
    public static FoldedConvolution Fold(Conv2d conv, BatchNorm2d norm, ScalarType dtype, bool channelsLast)
    {
        if (conv.padding_mode != TorchSharp.PaddingModes.Zeros || conv.padding_type is not null)
            throw new ArgumentException("Only explicitly zero-padded convolutions are folded.", nameof(conv));
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var scale = norm.weight!.to(ScalarType.Float64) / (norm.running_var!.to(ScalarType.Float64) + norm.eps).sqrt();
        var weight = conv.weight!.to(ScalarType.Float64) * scale.view(-1, 1, 1, 1);
        var bias = norm.bias!.to(ScalarType.Float64) - norm.running_mean!.to(ScalarType.Float64) * scale;
        if (conv.bias is not null) bias += conv.bias.to(ScalarType.Float64) * scale;
        weight = weight.to(dtype);
        weight = channelsLast ? ChannelsLast.Apply(weight) : weight.contiguous();
        return new FoldedConvolution(weight.DetachFromDisposeScope(), bias.to(dtype).DetachFromDisposeScope(), conv);
    }

    public Tensor Forward(Tensor x) => Convolution.Apply(x, _weight, _bias, _stride, _padding, _dilation, _groups);

    public void Dispose()
    {
        _weight.Dispose();
        _bias.Dispose();
    }
}
