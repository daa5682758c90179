using Inspection.Engine.Backbones;
using static TorchSharp.torch;

namespace Inspection.Engine.Tests.Backbones;

/// <summary>
/// Runs every convolution the product runs on the CPU, in a child process whose oneDNN reports each primitive
/// (<c>ONEDNN_VERBOSE</c>): both backbones with all four layers, folded (inference and training extraction) and module
/// by module (the reference path, and the import check's pooled output), float32 and bf16, batch 1 and 8, at the
/// smallest size each network takes, the default 256 and a size whose grids are odd.
/// </summary>
internal static class ConvolutionProbe
{
    public const string Name = "convolution-probe";
    public const string DoneLine = "convolution-probe: done";

    public static int Run(string[] args)
    {
        var layers = new[] { "layer1", "layer2", "layer3", "layer4" };
        int configurations = 0;
        foreach (var backbone in new[] { BackboneFactory.ResNet18, BackboneFactory.WideResNet50 })
        foreach (var precision in new[] { "fp32", "bf16" })
        {
            using var network = BackboneFactory.Create(backbone, layers, CPU, BackboneFactory.Untrained, precision: precision);
            // ResNet18 (CNTK padding) with layer4 takes multiples of 32; 96 gives odd grids (3x3 at layer4).
            var sizes = precision == "fp32" ? new[] { 32, 96, 256 } : new[] { 32, 96 };
            foreach (int size in sizes)
            foreach (int batch in new[] { 1, 8 })
            {
                using var scope = NewDisposeScope();
                manual_seed(size * 10 + batch);
                var images = rand(batch, 3, size, size) * 255;
                network.Extract(images);
                network.ExtractModuleByModule(images);
                if (precision == "fp32") network.PooledOutput(images);
                configurations++;
                Console.Error.WriteLine($"{backbone} {precision} {size}x{size} batch {batch}: ran");
            }
        }
        Console.Error.WriteLine($"{DoneLine} ({configurations} configurations)");
        return 0;
    }
}
