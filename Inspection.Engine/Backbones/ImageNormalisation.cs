using static TorchSharp.torch;

namespace Inspection.Engine.Backbones;

/// <summary>How a backbone expects its input: RGB 0..255 in, network input out.</summary>
public sealed class ImageNormalisation
{
    private readonly bool _toBgr;
    private readonly float[] _mean;
    private readonly float[] _std;

    private ImageNormalisation(bool toBgr, float[] mean, float[] std)
    {
        _toBgr = toBgr;
        _mean = mean;
        _std = std;
    }

    /// <summary>
    /// CNTK ResNet18 (ML.NET ResNetPreprocess.onnx): reorder to BGR and subtract the mean image. We subtract the mean
    /// image's per-channel averages (B,G,R) because our inputs are not 224x224; the values are those of MeanImage.
    /// </summary>
    public static readonly ImageNormalisation CntkResNetBgrMean = new(true, [103.0626f, 115.9029f, 123.1516f], [1f, 1f, 1f]);

    /// <summary>torchvision ImageNet models: RGB scaled to 0..1, then mean/std per channel.</summary>
    public static readonly ImageNormalisation ImageNetMeanStd =
        new(false, [0.485f * 255, 0.456f * 255, 0.406f * 255], [0.229f * 255, 0.224f * 255, 0.225f * 255]);

    public Tensor Apply(Tensor rgb255)
    {
        using var scope = NewDisposeScope();
        var x = _toBgr ? rgb255.flip(1) : rgb255;
        var mean = tensor(_mean, [1, 3, 1, 1], dtype: rgb255.dtype, device: rgb255.device);
        var std = tensor(_std, [1, 3, 1, 1], dtype: rgb255.dtype, device: rgb255.device);
        return ((x - mean) / std).MoveToOuterDisposeScope();
    }
}
