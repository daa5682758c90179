using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Inspection.Engine.Backbones;

/// <summary>
/// ResNet basic block (two 3x3 convolutions). With <paramref name="asymmetricPadding"/> its stride-2 convolution pads
/// one pixel at the top/left only, as the CNTK export of ResNet18 does (ONNX pads [1,1,0,0]).
/// Field names follow torchvision so state-dict keys read <c>layer2.0.conv1.weight</c>.
/// </summary>
public sealed class ResNetBasicBlock : nn.Module<Tensor, Tensor>, IFoldedInference
{
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly Sequential? downsample;
    private readonly bool _padTopLeftOnly;
    private FoldedConvolution? _folded1, _folded2, _foldedDownsample;

    public ResNetBasicBlock(long inChannels, long outChannels, long stride, bool asymmetricPadding) : base(nameof(ResNetBasicBlock))
    {
        _padTopLeftOnly = asymmetricPadding && stride == 2;
        conv1 = nn.Conv2d(inChannels, outChannels, 3, stride: stride, padding: _padTopLeftOnly ? 0 : 1, bias: false);
        bn1 = nn.BatchNorm2d(outChannels);
        conv2 = nn.Conv2d(outChannels, outChannels, 3, stride: 1, padding: 1, bias: false);
        bn2 = nn.BatchNorm2d(outChannels);
        if (stride != 1 || inChannels != outChannels)
            downsample = nn.Sequential(nn.Conv2d(inChannels, outChannels, 1, stride: stride, bias: false), nn.BatchNorm2d(outChannels));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var input = _padTopLeftOnly ? F.pad(x, [1, 0, 1, 0]) : x;
        var y = F.relu(bn1.forward(Convolution.Apply(conv1, input)));
        y = bn2.forward(Convolution.Apply(conv2, y));
        var identity = downsample is null ? x : ((BatchNorm2d)downsample[1]).forward(Convolution.Apply((Conv2d)downsample[0], x));
        return F.relu(y.add_(identity)).MoveToOuterDisposeScope();
    }

    void IFoldedInference.Fold(ScalarType dtype, bool channelsLast)
    {
        DisposeFolds();
        _folded1 = FoldedConvolution.Fold(conv1, bn1, dtype, channelsLast);
        _folded2 = FoldedConvolution.Fold(conv2, bn2, dtype, channelsLast);
        if (downsample is not null)
            _foldedDownsample = FoldedConvolution.Fold((Conv2d)downsample[0], (BatchNorm2d)downsample[1], dtype, channelsLast);
    }

    Tensor IFoldedInference.Infer(Tensor x)
    {
        using var scope = NewDisposeScope();
        var input = _padTopLeftOnly ? F.pad(x, [1, 0, 1, 0]) : x;
        var y = _folded1!.Forward(input).relu_();
        y = _folded2!.Forward(y);
        var identity = _foldedDownsample?.Forward(x) ?? x;
        return y.add_(identity).relu_().MoveToOuterDisposeScope();
    }

    private void DisposeFolds()
    {
        _folded1?.Dispose();
        _folded2?.Dispose();
        _foldedDownsample?.Dispose();
        _folded1 = _folded2 = _foldedDownsample = null;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) DisposeFolds();
        base.Dispose(disposing);
    }
}
