using Inspection.Engine.Sampling;
using Inspection.Engine.Search;
using Inspection.Engine.Tiling;

namespace Inspection.Engine.PatchCore;

/// <summary>Training and inference settings; defaults follow anomalib's PatchCore except the backbone.</summary>
public sealed record PatchCoreSettings
{
    /// <summary><c>resnet18</c> (embedded ImageNet weights) or <c>wide_resnet50_2</c> (needs <see cref="BackboneWeights"/>).</summary>
    public string Backbone { get; init; } = Backbones.BackboneFactory.ResNet18;
    public IReadOnlyList<string> Layers { get; init; } = ["layer2", "layer3"];
    /// <summary>torchvision-layout weights file (.safetensors or .pth); required for wide_resnet50_2.</summary>
    public string? BackboneWeights { get; init; }
    /// <summary>Model input, height x width; the patch grid is a eighth of it each way (layer2's stride).</summary>
    public Imaging.Extent ImageSize { get; init; } = 256;
    /// <summary>
    /// Pixel budget of <c>--image-size auto</c>: when set, training replaces <see cref="ImageSize"/> by the training
    /// images' median aspect within this many pixels (<see cref="Imaging.AutoImageSize"/>); null: the size as given.
    /// </summary>
    public int? AutoImagePixels { get; init; }
    /// <summary>
    /// Tiled inspection: when set, images are not resized to <see cref="ImageSize"/> but cut into tiles of that size
    /// overlapping by this many pixels (<see cref="TileLayout"/>), for training and for scoring; null: whole images.
    /// </summary>
    public int? TileOverlap { get; init; }

    /// <summary>The overlap of tiled inspection when none is given: a patch's receptive field reaches about this far.</summary>
    public const int DefaultTileOverlap = 32;
    public double CoresetRatio { get; init; } = 0.1;
    /// <summary>
    /// Dimensions of the coreset's random projection; null (the default): anomalib's Johnson-Lindenstrauss choice for the
    /// number of training patches (<see cref="RandomProjection.DimensionsFor"/>, about 300), at most the embedding's.
    /// </summary>
    public int? ProjectionDimensions { get; init; }
    /// <summary>
    /// When the calibration images are held back from train/good (no validation/good), add their patches to the bank
    /// after calibrating on them (<see cref="MemoryBankExtension"/>), so the bank covers every good image, as anomalib's
    /// does, while the threshold comes from images the bank did not hold.
    /// </summary>
    public bool BankIncludesHoldout { get; init; } = true;
    /// <summary>Fewest readable training images (bank and added hold-out) to train on; unreadable ones are skipped.</summary>
    public int MinTrainingImages { get; init; } = 1;
    public int Seed { get; init; } = 0;
    /// <summary>k of the Eq. 7 reweighting (anomalib's num_neighbors).</summary>
    public int NumNeighbors { get; init; } = 9;
    public double BlurSigma { get; init; } = 4.0;
    public int BatchSize { get; init; } = 8;
    /// <summary>Largest distance block of the nearest-neighbour search, in bytes.</summary>
    public long KnnBudgetBytes { get; init; } = NearestNeighbourSearch.DefaultBudgetBytes;
    /// <summary>Share of train/good held out to calibrate threshold and normalisation when no validation/good exists.</summary>
    public double HoldoutFraction { get; init; } = 0.1;
    /// <summary><c>fp32</c> (default), <c>bf16</c> or <c>fp16</c> for backbone and kNN (see <see cref="ComputePrecision"/>).</summary>
    public string Precision { get; init; } = ComputePrecision.Float32;
    /// <summary>
    /// Number format of the kNN matrix products when it should differ from <see cref="Precision"/> (null: the same).
    /// Reduced-precision products only nominate candidates that are re-ranked in float32, so a bf16 kNN with a float32
    /// backbone keeps fp32 accuracy while the bank search, the cost that grows with the bank, runs at bf16 speed.
    /// </summary>
    public string? KnnPrecision { get; init; }
    /// <summary>
    /// The image threshold's policy: null, anomalib's (F1-adaptive with defective calibration images, else the highest
    /// held-out good score); a rate, the smallest threshold whose false-reject rate is at most it, from the held-out
    /// good images alone (<see cref="Metrics.ConformalThreshold"/>).
    /// </summary>
    public double? FalseRejectTarget { get; init; }

    public string EffectiveKnnPrecision => KnnPrecision ?? Precision;

    /// <summary>What the backbone needs each image side to be a multiple of (the CNTK ResNet18's padding; 1: any).</summary>
    public int SizeMultiple => Backbone == Backbones.BackboneFactory.ResNet18 ? Backbones.ResNetBackbone.CntkSizeMultiple(Layers) : 1;

    /// <summary>
    /// Patch rows x columns of one image: the input over the first feature layer's stride (4 for layer1, doubling per
    /// layer), rounded up as the backbone's padded stride-2 steps do; deeper layers are upsampled to it.
    /// </summary>
    public Imaging.Extent PatchGrid
    {
        get
        {
            int stride = 4 << Math.Max(0, Array.IndexOf(Backbones.ResNetBackbone.AllLayers, Layers[0]));
            return new Imaging.Extent((ImageSize.Height + stride - 1) / stride, (ImageSize.Width + stride - 1) / stride);
        }
    }

    /// <summary>These settings with <see cref="ImageSize"/> chosen for training images of these aspects when <see cref="AutoImagePixels"/> is set.</summary>
    public PatchCoreSettings WithImageSizeFor(IReadOnlyList<double> aspects) =>
        AutoImagePixels is int pixels ? this with { ImageSize = Imaging.AutoImageSize.Choose(aspects, pixels, SizeMultiple) } : this;

    /// <summary>The projection's dimensions for <paramref name="patches"/> training patches of <paramref name="embeddingDimensions"/> values.</summary>
    public int ProjectionDimensionsFor(long patches, int embeddingDimensions) =>
        ProjectionDimensions ?? Math.Min(RandomProjection.DimensionsFor(patches), embeddingDimensions);

    /// <summary>
    /// Refuses settings training or inference cannot use, before any work: the command line checks each option as it
    /// parses, this is the same for every other caller (cluster nodes, model files). Comparisons are written so that
    /// NaN fails them.
    /// </summary>
    public void Validate()
    {
        string[] known = [Backbones.BackboneFactory.ResNet18, Backbones.BackboneFactory.WideResNet50];
        if (!known.Contains(Backbone)) throw new ArgumentException($"Backbone '{Backbone}' is not known: use {string.Join(" or ", known)}.");
        string[] layerNames = ["layer1", "layer2", "layer3", "layer4"];
        if (Layers is null || Layers.Count == 0) throw new ArgumentException($"No feature layers are given: choose from {string.Join(", ", layerNames)}.");
        var indices = Layers.Select(l => Array.IndexOf(layerNames, l)).ToList();
        if (indices.Contains(-1))
            throw new ArgumentException($"Feature layer '{Layers[indices.IndexOf(-1)]}' is not known: choose from {string.Join(", ", layerNames)}.");
        if (indices.Zip(indices.Skip(1)).Any(p => p.First >= p.Second))
            throw new ArgumentException($"Feature layers must be listed shallow to deep without repeats (for example layer2 layer3), not {string.Join(" ", Layers)}.");
        int multiple = SizeMultiple;
        foreach (int side in new[] { ImageSize.Height, ImageSize.Width }.Distinct())
        {
            if (side < Imaging.AutoImageSize.MinSide || side > Imaging.AutoImageSize.MaxSide)
                throw new ArgumentException($"Image size {ImageSize} is outside 32..2048.");
            if (side % multiple != 0)
                throw new ArgumentException($"Image size {ImageSize} does not suit {Backbone} with layers up to {Layers[^1]}: each side must be a multiple of {multiple} " +
                    $"(for example {side / multiple * multiple} or {(side / multiple + 1) * multiple}{(ImageSize.IsSquare ? "" : $" instead of {side}")}).");
        }
        if (TileOverlap is int overlap && (overlap < 0 || overlap >= ImageSize.ShortSide))
            throw new ArgumentException($"A tile overlap of {overlap} pixels must be from 0 to less than the tile's shorter side ({ImageSize.ShortSide}).");
        if (TileOverlap != null && AutoImagePixels != null)
            throw new ArgumentException("Tiles have the model's input size, so auto image size and tiling exclude each other: give a tile size (--image-size 256) with tiling.");
        if (AutoImagePixels is int budget && (budget < 32 * 32 || budget > 2048 * 2048))
            throw new ArgumentException($"The pixel budget of auto image size, {budget}, is outside {32 * 32}..{2048 * 2048}.");
        if (!(CoresetRatio > 0 && CoresetRatio <= 1)) throw new ArgumentException($"Coreset ratio {CoresetRatio} is outside (0, 1].");
        if (ProjectionDimensions is < 1) throw new ArgumentException("Projection dimensions must be positive.");
        if (NumNeighbors < 1) throw new ArgumentException("num_neighbors must be at least 1.");
        if (MinTrainingImages < 1) throw new ArgumentException($"The minimum number of training images must be at least 1; got {MinTrainingImages}.");
        if (!(BlurSigma > 0 && BlurSigma <= ImageSize.ShortSide))
            throw new ArgumentException($"Blur sigma {BlurSigma} is outside (0, {ImageSize.ShortSide}] (the image's shorter side).");
        if (BatchSize < 1) throw new ArgumentException("Batch size must be at least 1.");
        if (KnnBudgetBytes < 1) throw new ArgumentException("The nearest-neighbour budget must be at least one byte.");
        if (!(HoldoutFraction >= 0 && HoldoutFraction < 1)) throw new ArgumentException($"Hold-out fraction {HoldoutFraction} is outside [0, 1).");
        ComputePrecision.ToScalarType(Precision);
        ComputePrecision.ToScalarType(EffectiveKnnPrecision);
        if (FalseRejectTarget is double target) Metrics.ConformalThreshold.CheckTarget(target);
    }
}
