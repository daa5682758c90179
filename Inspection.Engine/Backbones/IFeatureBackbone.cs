using static TorchSharp.torch;

namespace Inspection.Engine.Backbones;

/// <summary>A pretrained CNN that turns images into intermediate feature maps.</summary>
public interface IFeatureBackbone : IDisposable
{
    /// <summary>Stable name stored in model files (for example <c>resnet18</c>).</summary>
    string Name { get; }

    /// <summary>The layers returned by <see cref="Extract"/>, shallow to deep.</summary>
    IReadOnlyList<string> Layers { get; }

    /// <summary>Channels of each returned layer, in the order of <see cref="Layers"/>.</summary>
    IReadOnlyList<int> LayerChannels { get; }

    Device Device { get; }

    /// <summary>
    /// Feature maps of <see cref="Layers"/> for a batch of RGB images with values 0..255, shape [B,3,H,W], on <see cref="Device"/>.
    /// The backbone applies its own normalisation.
    /// </summary>
    Tensor[] Extract(Tensor rgb255);
}
