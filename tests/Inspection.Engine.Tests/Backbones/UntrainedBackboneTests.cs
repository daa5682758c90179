using Inspection.Engine.Backbones;
using Xunit;
using static TorchSharp.torch;

namespace Inspection.Engine.Tests.Backbones;

public class UntrainedBackboneTests
{
    /// <summary>
    /// Timing runs on machines without weights build the network in several places (engine, extraction nodes); they
    /// must all get the same one, whatever the global random state, or pipeline and engine scores disagree.
    /// </summary>
    [Fact]
    public void Untrained_backbones_are_the_same_network_wherever_they_are_built()
    {
        manual_seed(1);
        using var first = BackboneFactory.Create(BackboneFactory.ResNet18, ["layer2", "layer3"], CPU, BackboneFactory.Untrained);
        manual_seed(2);
        using var second = BackboneFactory.Create(BackboneFactory.ResNet18, ["layer2", "layer3"], CPU, BackboneFactory.Untrained);
        manual_seed(3);
        using var input = rand(2, 3, 64, 64) * 255;
        var a = first.Extract(input);
        var b = second.Extract(input);
        Assert.Equal(2, a.Length);
        for (int i = 0; i < a.Length; i++)
        {
            Assert.True(a[i].abs().max().item<float>() > 0, "features must not be all zero");
            Assert.Equal(0f, (a[i] - b[i]).abs().max().item<float>()); // the same network gives bit-identical features
        }
        foreach (var t in a.Concat(b)) t.Dispose();
    }
}
