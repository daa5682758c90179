using System.Diagnostics;
using Inspection.Engine.Backbones;
using Inspection.Engine.Imaging;
using Inspection.Engine.Models;
using Inspection.Engine.Native;
using Microsoft.Extensions.Logging;
using static TorchSharp.torch;
using Inspection.Engine.Search;

namespace Inspection.Engine.PatchCore;

/// <summary>
/// A trained PatchCore model resident on a device: backbone, coreset memory bank and map generator. Scores batches of
/// images (anomalib's <c>PatchcoreModel.forward</c> in eval mode).
/// </summary>
public sealed class PatchCoreModel : IDisposable
{
    private readonly ResNetBackbone _backbone;
    private readonly Tensor _bank;
    private readonly NearestNeighbourSearch _search;
    private readonly AnomalyMapGenerator _maps;

    public ModelMetadata Metadata { get; }
    public Device Device { get; }
    public int BankSize => (int)_bank.shape[0];
    /// <summary>Number format the bank search's matrix products run in.</summary>
    public ScalarType KnnProductType => _search.ProductType;

    /// <summary>Takes ownership of <paramref name="backbone"/>; copies <paramref name="bank"/> ([rows x dims]) to the device.</summary>
    public PatchCoreModel(ModelMetadata metadata, ResNetBackbone backbone, float[] bank, int rows, int dims, long knnBudgetBytes = NearestNeighbourSearch.DefaultBudgetBytes)
        : this(metadata, backbone, tensor(bank, [rows, dims]), knnBudgetBytes)
    {
    }

    /// <summary>
    /// Takes ownership of <paramref name="backbone"/> and of <paramref name="bank"/> ([rows x dims] float32, any device; moved
    /// to the backbone's device). A bank already there is used as it is, so a bank of any size is never copied twice.
    /// </summary>
    public PatchCoreModel(ModelMetadata metadata, ResNetBackbone backbone, Tensor bank, long knnBudgetBytes = NearestNeighbourSearch.DefaultBudgetBytes)
    {
        Metadata = metadata;
        Device = backbone.Device;
        _backbone = backbone;
        bank.DetachFromDisposeScope();
        if (bank.device_type == Device.type && bank.device_index == Device.index)
        {
            _bank = bank;
        }
        else
        {
            _bank = bank.to(Device).DetachFromDisposeScope();
            bank.Dispose();
        }
        _search = new NearestNeighbourSearch(_bank, knnBudgetBytes, ComputePrecision.ToScalarType(metadata.EffectiveKnnPrecision));
        _maps = new AnomalyMapGenerator(metadata.BlurSigma, Device);
    }

    public static PatchCoreModel Load(string path, Device device, ILogger? logger = null, long knnBudgetBytes = NearestNeighbourSearch.DefaultBudgetBytes)
    {
        var (metadata, bank) = ModelFile.Read(path);
        ResNetBackbone backbone;
        try
        {
            backbone = BackboneFactory.Create(metadata.Backbone, metadata.Layers, device, metadata.BackboneWeights, logger, metadata.Precision);
        }
        catch
        {
            bank.Dispose();
            throw;
        }
        long dims = bank.shape[1];
        if (backbone.LayerChannels.Sum() != dims)
        {
            backbone.Dispose();
            bank.Dispose();
            throw new ModelFileException(path, $"its bank has {dims} dimensions but {metadata.Backbone} [{string.Join(",", metadata.Layers)}] produces {backbone.LayerChannels.Sum()}");
        }
        return new PatchCoreModel(metadata, backbone, bank, knnBudgetBytes);
    }

    public void Save(string path)
    {
        using var host = _bank.cpu();
        ModelFile.Write(path, Metadata, host);
    }

    public ResNetBackbone Backbone => _backbone;

    private PatchCoreModel(PatchCoreModel source, ModelMetadata metadata)
    {
        Metadata = metadata;
        Device = source.Device;
        _backbone = source._backbone;
        _bank = source._bank;
        _search = source._search;
        _maps = source._maps;
    }

    /// <summary>The same resident model under new metadata (after calibration); this instance must not be used afterwards.</summary>
    public PatchCoreModel WithMetadata(ModelMetadata metadata) => new(this, metadata);

    /// <summary>The bank on the model's device (owned by the model).</summary>
    internal Tensor Bank => _bank;

    /// <summary>
    /// The same backbone and metadata over another bank (an extended one): takes ownership of <paramref name="bank"/>
    /// and releases this instance's bank and search; this instance must not be used afterwards.
    /// </summary>
    public PatchCoreModel WithBank(Tensor bank)
    {
        var model = new PatchCoreModel(Metadata, _backbone, bank, _search.BudgetBytes);
        _search.Dispose();
        _maps.Dispose();
        _bank.Dispose();
        return model;
    }

    /// <summary>Scores prepared images (all of the model's input size).</summary>
    public BatchInspection Inspect(IReadOnlyList<PreparedImage> images)
    {
        var size = Metadata.ImageSize;
        foreach (var image in images)
            if (image.Size != size)
                throw new ArgumentException($"Image '{image.Name}' was prepared at {image.Size}; the model needs {size} (height x width).");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var batch = ImageTensorConverter.ToBatch(images.Select(i => i.Pixels).ToList(), size.Width, size.Height, Device);
        var clock = Stopwatch.StartNew();
        var features = _backbone.Extract(batch);
        double backboneMs = Lap(clock);
        var embedding = FeatureEmbedder.Embed(features);
        long b = embedding.shape[0], rows = embedding.shape[2], columns = embedding.shape[3];
        var patches = FeatureEmbedder.ToPatches(embedding);
        double embedMs = Lap(clock);
        var (distances, indices) = _search.Search(patches, 1); // float32 distances whatever the precision
        var patchScores = distances.reshape(b, -1);
        var locations = indices.reshape(b, -1);
        var imageScores = ImageScoreReweighting.Score(patchScores, locations, patches.reshape(b, rows * columns, -1), _search, Metadata.NumNeighbors);
        double knnMs = Lap(clock);
        var maps = _maps.Generate(patchScores.reshape(b, rows, columns), size.Height, size.Width);
        var onHost = DeviceTransfer.ToHost(maps.contiguous(), imageScores);
        double mapMs = Lap(clock);

        var all = HostArrays.ToArray<float>(onHost[0]);
        var scores = HostArrays.ToArray<float>(onHost[1]);
        var perImage = new float[b][];
        int pixels = (int)size.Area;
        for (int i = 0; i < b; i++) perImage[i] = all.AsSpan(i * pixels, pixels).ToArray();
        return new BatchInspection(scores, perImage, size, new StageTimings(backboneMs, embedMs, knnMs, mapMs));
    }

    /// <summary>
    /// Backbone and embedding only: [B, P, D] patch features on the device (caller disposes), for pipelines that search a
    /// bank held elsewhere.
    /// </summary>
    public Tensor ExtractPatches(IReadOnlyList<PreparedImage> images) => new PatchExtractor(_backbone, Metadata.ImageSize).Extract(images);
    // (PatchExtractor only borrows the backbone here: it is not disposed, the model disposes the backbone.)

    /// <summary>Rows [start, start + count) of the bank on the host, row-major, for storing in shards a chunk at a time.</summary>
    public float[] BankRows(long start, int count)
    {
        using var rows = _bank.narrow(0, start, count);
        using var host = DeviceTransfer.ToHost(rows)[0];
        return HostArrays.ToArray<float>(host);
    }

    /// <summary>Milliseconds since the last lap, after waiting for queued device work so stages are not misattributed.</summary>
    private double Lap(Stopwatch clock)
    {
        if (Device.type == TorchSharp.DeviceType.CUDA) cuda.synchronize(Device);
        double ms = clock.Elapsed.TotalMilliseconds;
        clock.Restart();
        return ms;
    }

    public void Dispose()
    {
        _search.Dispose();
        _maps.Dispose();
        _bank.Dispose();
        _backbone.Dispose();
    }
}
