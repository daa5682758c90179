using static TorchSharp.torch;

namespace Inspection.Engine.Backbones;

/// <summary>
/// The channels-last memory layout (NHWC strides for a logical NCHW tensor). TorchSharp 0.107 has no
/// <c>memory_format</c> argument, but libtorch reads the layout from the strides, so a permuted copy is channels-last
/// to it, and its convolutions, element-wise ops and pooling keep that layout through the network.
/// </summary>
/// <remarks>
/// Faster than NCHW for ResNet18 and Wide ResNet50 on this project's 2-core CPU (oneDNN convolutions, folded batch
/// norms); docs/benchmark-history.md, 'Backbone: folded batch norms, channels-last'.
/// </remarks>
internal static class ChannelsLast
{
    /// <summary>A channels-last copy of a 4-d tensor (NCHW shape kept).</summary>
    public static Tensor Apply(Tensor x) => x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);

    /// <summary>
    /// Whether to run a network channels-last: always on the CPU (faster above); on accelerators only in reduced precision,
    /// the recipe PyTorch's own bf16 reference figure used (tensor-core kernels want NHWC); float32 there keeps NCHW, as
    /// PyTorch's float32 reference did. Not measured on a GPU yet.
    /// </summary>
    public static bool Suits(Device device, ScalarType dtype) =>
        device.type == TorchSharp.DeviceType.CPU || dtype != ScalarType.Float32;
}
