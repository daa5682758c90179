using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Inspection.Engine.Backbones;

/// <summary>torchvision's Bottleneck (ResNet v1.5: stride on the 3x3 convolution), widened for Wide ResNet.</summary>
public sealed class ResNetBottleneck : nn.Module<Tensor, Tensor>, IFoldedInference
{
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly Conv2d conv3;
    private readonly BatchNorm2d bn3;
    private readonly Sequential? downsample;
    private FoldedConvolution? _folded1, _folded2, _folded3, _foldedDownsample;

    public const int Expansion = 4;

    public ResNetBottleneck(long inChannels, long planes, long stride, long width) : base(nameof(ResNetBottleneck))
    {
        long outChannels = planes * Expansion;
        conv1 = nn.Conv2d(inChannels, width, 1, bias: false);
        bn1 = nn.BatchNorm2d(width);
        conv2 = nn.Conv2d(width, width, 3, stride: stride, padding: 1, bias: false);
        bn2 = nn.BatchNorm2d(width);
        conv3 = nn.Conv2d(width, outChannels, 1, bias: false);
        bn3 = nn.BatchNorm2d(outChannels);
        if (stride != 1 || inChannels != outChannels)
            downsample = nn.Sequential(nn.Conv2d(inChannels, outChannels, 1, stride: stride, bias: false), nn.BatchNorm2d(outChannels));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = F.relu(bn1.forward(Convolution.Apply(conv1, x)));
        y = F.relu(bn2.forward(Convolution.Apply(conv2, y)));
        y = bn3.forward(Convolution.Apply(conv3, y));
        var identity = downsample is null ? x : ((BatchNorm2d)downsample[1]).forward(Convolution.Apply((Conv2d)downsample[0], x));
        return F.relu(y.add_(identity)).MoveToOuterDisposeScope();
    }

    void IFoldedInference.Fold(ScalarType dtype, bool channelsLast)
    {
        DisposeFolds();
        _folded1 = FoldedConvolution.Fold(conv1, bn1, dtype, channelsLast);
        _folded2 = FoldedConvolution.Fold(conv2, bn2, dtype, channelsLast);
        _folded3 = FoldedConvolution.Fold(conv3, bn3, dtype, channelsLast);
        if (downsample is not null)
            _foldedDownsample = FoldedConvolution.Fold((Conv2d)downsample[0], (BatchNorm2d)downsample[1], dtype, channelsLast);
    }

    Tensor IFoldedInference.Infer(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = _folded1!.Forward(x).relu_();
        y = _folded2!.Forward(y).relu_();
        y = _folded3!.Forward(y);
        var identity = _foldedDownsample?.Forward(x) ?? x;
        return y.add_(identity).relu_().MoveToOuterDisposeScope();
    }

    private void DisposeFolds()
    {
        _folded1?.Dispose();
        _folded2?.Dispose();
        _folded3?.Dispose();
        _foldedDownsample?.Dispose();
        _folded1 = _folded2 = _folded3 = _foldedDownsample = null;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) DisposeFolds();
        base.Dispose(disposing);
    }
}
