using static TorchSharp.torch;

namespace Inspection.Engine.Backbones;

/// <summary>
/// A residual block that can run inference with its batch norms folded into its convolutions
/// (<see cref="FoldedConvolution"/>): same outputs to float rounding, fewer passes over memory.
/// </summary>
internal interface IFoldedInference
{
    /// <summary>
    /// Folds the block's current parameters (replacing an earlier fold), stored in <paramref name="dtype"/> and, when
    /// <paramref name="channelsLast"/>, in that layout.
    /// </summary>
    void Fold(ScalarType dtype, bool channelsLast);

    /// <summary>The block's output through the folded convolutions; only after <see cref="Fold"/>.</summary>
    Tensor Infer(Tensor x);
}
