using System.Text.Json.Nodes;
using Inspection.Engine.Models;
using Xunit;

namespace Inspection.Engine.Tests.Models;

/// <summary>
/// A model file whose container is sound (magic, version, lengths, checksum) but whose header fields are not: each is
/// refused on loading with a message naming the field, not left to fail inside the backbone or the kNN.
/// </summary>
public class ModelFileFieldTests
{
    private static string Write(TempFolder folder)
    {
        string path = folder.File("m.inspection");
        ModelFile.Write(path, ModelFileTests.Metadata(), new float[6], 2, 3); // bank 2 x 3, as the metadata says
        return path;
    }

    [Fact]
    public void An_edited_but_valid_header_still_loads()
    {
        using var folder = new TempFolder();
        string path = Write(folder);
        ModelHeaderEditor.Edit(path, h => h["Seed"] = 11);
        var (metadata, bank) = ModelFile.Read(path);
        bank.Dispose();
        Assert.Equal(11, metadata.Seed);
    }

    [Theory]
    [InlineData("ImageSize", "0", "Image size 0 is outside 32..2048")]
    [InlineData("ImageSize", "100", "Image size 100 does not suit resnet18")]
    [InlineData("Backbone", "\"vgg16\"", "Backbone 'vgg16' is not known")]
    [InlineData("Backbone", "null", "field Backbone is missing")]
    [InlineData("Layers", "[]", "No feature layers")]
    [InlineData("Layers", "[\"layer3\", \"layer2\"]", "shallow to deep")]
    [InlineData("Layers", "[\"conv9\"]", "Feature layer 'conv9' is not known")]
    [InlineData("EmbeddingDimensions", "384", "field EmbeddingDimensions is 384 but the memory bank has 3 dimensions")]
    [InlineData("PatchGrid", "0", "field PatchGrid is 0")]
    [InlineData("CoresetRatio", "0", "Coreset ratio 0 is outside (0, 1]")]
    [InlineData("ProjectionDimensions", "-1", "Projection dimensions must be positive")]
    [InlineData("NumNeighbors", "0", "num_neighbors must be at least 1")]
    [InlineData("BlurSigma", "-4", "Blur sigma -4")]
    [InlineData("Precision", "\"fp8\"", "Precision 'fp8' is not valid")]
    [InlineData("Calibration", "null", "field Calibration is missing")]
    [InlineData("Training", "null", "field Training is missing")]
    public void A_bad_top_level_field_is_refused_naming_it(string field, string json, string expected)
    {
        using var folder = new TempFolder();
        string path = Write(folder);
        ModelHeaderEditor.Edit(path, h => h[field] = JsonNode.Parse(json));
        var e = Assert.Throws<ModelFileException>(() => ModelFile.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData("Calibration", "ImageThreshold", "1e39", "ImageThreshold")] // beyond float: infinite
    [InlineData("Calibration", "ImageMin", "5", "field Calibration.ImageMin (5) is above Calibration.ImageMax (3)")]
    [InlineData("Calibration", "GoodImages", "-1", "Calibration.GoodImages")]
    [InlineData("Training", "BankSize", "7", "field Training.BankSize is 7 but the memory bank has 2 rows")]
    [InlineData("Training", "Patches", "1", "Training.Patches (1)")]
    public void A_bad_nested_field_is_refused_naming_it(string parent, string field, string json, string expected)
    {
        using var folder = new TempFolder();
        string path = Write(folder);
        ModelHeaderEditor.Edit(path, h => h[parent]![field] = JsonNode.Parse(json));
        var e = Assert.Throws<ModelFileException>(() => ModelFile.Read(path));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_missing_required_field_is_named()
    {
        using var folder = new TempFolder();
        string path = Write(folder);
        ModelHeaderEditor.Edit(path, h => h.Remove("ImageSize"));
        var e = Assert.Throws<ModelFileException>(() => ModelFile.Read(path));
        Assert.Contains("header is unreadable", e.Message);
        Assert.Contains("ImageSize", e.Message);
    }

    [Fact]
    public void An_empty_file_and_a_folder_are_told_apart_from_foreign_files()
    {
        using var folder = new TempFolder();
        File.WriteAllBytes(folder.File("empty.inspection"), []);
        Assert.Contains("the file is empty", Assert.Throws<ModelFileException>(() => ModelFile.Read(folder.File("empty.inspection"))).Message);
        Assert.Contains("it is a folder, not a model file", Assert.Throws<ModelFileException>(() => ModelFile.Read(folder.Path)).Message);
    }
}
