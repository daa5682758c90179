using TorchSharp;
using static TorchSharp.torch;

namespace Inspection.Engine.Tests.Backbones;

/// <summary>
/// Random weights and batch-norm statistics from a seed: unlike the default statistics (mean 0, variance 1), random
/// ones make every batch-norm term change the output, so tests that move or fold weights can see a term lost.
/// </summary>
internal static class RandomWeights
{
    public static void Fill(nn.Module network, int seed)
    {
        using var noGrad = no_grad();
        manual_seed(seed);
        foreach (var (_, p) in network.named_parameters()) p.copy_(randn_like(p) * 0.05);
        foreach (var (name, b) in network.named_buffers())
            if (name.EndsWith("running_var", StringComparison.Ordinal)) b.copy_(rand_like(b) + 0.5);
            else if (name.EndsWith("running_mean", StringComparison.Ordinal)) b.copy_(randn_like(b) * 0.1);
    }
}
