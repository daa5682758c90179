using Inspection.Engine.Models;
using TorchSharp;
using Xunit;

namespace Inspection.Engine.Tests.Models;

public class ModelFileTests
{
    internal static ModelMetadata Metadata() => new()
    {
        Backbone = "resnet18",
        Layers = ["layer2", "layer3"],
        ImageSize = 256,
        EmbeddingDimensions = 3,
        PatchGrid = 32,
        CoresetRatio = 0.1,
        ProjectionDimensions = 128,
        Seed = 4,
        NumNeighbors = 9,
        BlurSigma = 4,
        Calibration = new Calibration { ImageThreshold = 1.5f, PixelThreshold = 2f, ImageMin = 0.5f, ImageMax = 3f, PixelMin = 0, PixelMax = 4, Method = "test", GoodImages = 3, DefectiveImages = 0, GoodScores = [1.25f, 1.5f, 0.75f] },
        Training = new TrainingSet { Source = "somewhere", Images = 10, Patches = 10240, BankSize = 2, TrainedAt = DateTimeOffset.UnixEpoch, Seconds = 1.5, CoresetSeconds = 0.5 },
    };

    [Fact]
    public void Round_trip_keeps_bank_and_metadata()
    {
        using var folder = new TempFolder();
        string path = folder.File("m.inspection");
        var bank = new float[] { 1, 2, 3, 4, 5, 6.5f };
        ModelFile.Write(path, Metadata(), bank, 2, 3);
        var (metadata, read) = ModelFile.Read(path);
        using (read)
        {
            Assert.Equal(bank, read.data<float>().ToArray());
            Assert.Equal([2L, 3L], read.shape);
        }
        Assert.Equal(Metadata().Calibration, metadata.Calibration);
        Assert.Equal(Metadata().Training, metadata.Training);
        Assert.Equal(["layer2", "layer3"], metadata.Layers);
        Assert.Equal([path], Directory.GetFileSystemEntries(Path.GetDirectoryName(path)!)); // no temporary file left beside it
    }

    [Fact]
    public void A_bank_larger_than_one_copy_block_round_trips_exactly()
    {
        using var folder = new TempFolder();
        string path = folder.File("large.inspection");
        // 3,001 x 384 floats: the file is streamed in blocks of 1,048,576 values, so two whole blocks and a remainder.
        using var bank = torch.randn(3001, 384);
        var metadata = Metadata();
        ModelFile.Write(path, metadata with { EmbeddingDimensions = 384, Training = metadata.Training with { BankSize = 3001, Patches = 30010 } }, bank);
        var (_, read) = ModelFile.Read(path);
        using (read)
        {
            Assert.Equal(bank.shape, read.shape);
            Assert.Equal(bank.data<float>().ToArray(), read.data<float>().ToArray());
        }
        Assert.Equal(3001L * 384 * 4 + 32, new FileInfo(path).Length - HeaderBytes(path));
    }

    /// <summary>Bytes before the bank: magic, version, header length, header, rows, dims.</summary>
    private static long HeaderBytes(string path)
    {
        var start = File.ReadAllBytes(path).AsSpan(0, 16);
        return 16 + BitConverter.ToInt32(start[12..]) + 8;
    }

    [Fact]
    public void Truncated_file_is_refused_as_truncated()
    {
        using var folder = new TempFolder();
        string path = folder.File("m.inspection");
        ModelFile.Write(path, Metadata(), new float[6], 2, 3);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^40]);
        var e = Assert.Throws<ModelFileException>(() => ModelFile.Read(path));
        Assert.Contains("truncated", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Flipped_byte_is_refused_as_corrupt()
    {
        using var folder = new TempFolder();
        string path = folder.File("m.inspection");
        ModelFile.Write(path, Metadata(), new float[6], 2, 3);
        var bytes = File.ReadAllBytes(path);
        bytes[^40] ^= 0x10;
        File.WriteAllBytes(path, bytes);
        Assert.Contains("checksum", Assert.Throws<ModelFileException>(() => ModelFile.Read(path)).Message);
    }

    [Fact]
    public void Other_format_version_is_refused_with_both_versions()
    {
        using var folder = new TempFolder();
        string path = folder.File("m.inspection");
        ModelFile.Write(path, Metadata(), new float[6], 2, 3);
        var bytes = File.ReadAllBytes(path);
        bytes[8] = 9;
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<ModelFileException>(() => ModelFile.Read(path));
        Assert.Contains("version 9", e.Message);
        Assert.Contains($"version {ModelFile.FormatVersion}", e.Message);
    }

    [Fact]
    public void Foreign_and_missing_files_are_refused()
    {
        using var folder = new TempFolder();
        string path = folder.File("image.png");
        File.WriteAllText(path, "not a model at all");
        Assert.Contains("not an Inspection model file", Assert.Throws<ModelFileException>(() => ModelFile.Read(path)).Message);
        Assert.Contains("does not exist", Assert.Throws<ModelFileException>(() => ModelFile.Read(folder.File("none"))).Message);
    }

    [Fact]
    public void Normalisation_maps_threshold_to_one_half_and_clamps()
    {
        var c = Metadata().Calibration; // threshold 1.5, min 0.5, max 3
        Assert.Equal(0.5f, c.NormaliseImage(1.5f));
        Assert.Equal(0.5f + 1f / 2.5f, c.NormaliseImage(2.5f), 5);
        Assert.Equal(0f, c.NormaliseImage(-10f));
        Assert.Equal(1f, c.NormaliseImage(10f));
    }
}
