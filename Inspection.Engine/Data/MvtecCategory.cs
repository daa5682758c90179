namespace Inspection.Engine.Data;

/// <summary>
/// A product category in the MVTec AD layout: <c>train/good</c>, optional <c>validation/good</c>, <c>test/&lt;type&gt;</c>
/// and <c>ground_truth/&lt;type&gt;/&lt;stem&gt;_mask.png</c>. Lists are sorted by file name, so runs are reproducible.
/// </summary>
public sealed class MvtecCategory
{
    public const string Good = "good";
    /// <summary>Extensions of the images read (those <see cref="Imaging.ImageDecoder"/> decodes).</summary>
    public static readonly IReadOnlyList<string> ImageExtensions = Imaging.ImageDecoder.Extensions;

    public string Root { get; }
    public IReadOnlyList<string> TrainGood { get; }
    public IReadOnlyList<string> ValidationGood { get; }
    public IReadOnlyList<TestImage> Test { get; }

    private MvtecCategory(string root, IReadOnlyList<string> trainGood, IReadOnlyList<string> validationGood, IReadOnlyList<TestImage> test)
    {
        Root = root;
        TrainGood = trainGood;
        ValidationGood = validationGood;
        Test = test;
    }

    /// <summary>Reads the layout; <paramref name="requireTest"/> also demands a non-empty test folder (for evaluation).</summary>
    public static MvtecCategory Open(string root, bool requireTest = false)
    {
        if (string.IsNullOrWhiteSpace(root)) throw new DatasetException("The data folder path is empty.");
        if (File.Exists(root))
            throw new DatasetException($"Data folder '{root}' is a file; expected a category folder in MVTec layout (<category>/train/good/*.png).");
        if (!Directory.Exists(root)) throw new DatasetException($"Data folder '{root}' does not exist.");
        string train = Path.Combine(root, "train", Good);
        if (!Directory.Exists(train))
            throw new DatasetException($"Data folder '{root}' has no train/good folder: expected the MVTec layout <category>/train/good/*.png.");
        var trainGood = ImagesIn(train);
        if (trainGood.Count == 0) throw new DatasetException(NoImages(train));
        string validation = Path.Combine(root, "validation", Good);
        var validationGood = Directory.Exists(validation) ? ImagesIn(validation) : [];

        var test = new List<TestImage>();
        string testRoot = Path.Combine(root, "test");
        if (Directory.Exists(testRoot))
        {
            foreach (var typeFolder in Directory.GetDirectories(testRoot).Order(StringComparer.Ordinal))
            {
                string type = Path.GetFileName(typeFolder);
                foreach (var image in ImagesIn(typeFolder))
                {
                    string? mask = null;
                    if (type != Good)
                    {
                        string candidate = Path.Combine(root, "ground_truth", type, Path.GetFileNameWithoutExtension(image) + "_mask.png");
                        mask = File.Exists(candidate) ? candidate : null;
                    }
                    test.Add(new TestImage(image, type, mask));
                }
            }
        }
        if (requireTest && test.Count == 0)
            throw new DatasetException($"Data folder '{root}' has no test images: expected <category>/test/<type>/*.png to evaluate.");
        return new MvtecCategory(root, trainGood, validationGood, test);
    }

    /// <summary>"holds no images", and which unsupported images it does hold (a folder of TIFFs should not look empty).</summary>
    public static string NoImages(string folder)
    {
        var unsupported = Directory.EnumerateFiles(folder)
            .Select(f => Imaging.ImageDecoder.UnsupportedExtensions.GetValueOrDefault(Path.GetExtension(f).ToLowerInvariant()))
            .OfType<string>().GroupBy(f => f).Select(g => $"{g.Count()} {g.Key}").ToList();
        string held = unsupported.Count == 0 ? "" : $"; it holds {string.Join(", ", unsupported)} images, which are not read";
        return $"'{folder}' holds no images ({string.Join(", ", ImageExtensions)}){held}.";
    }

    /// <summary>Supported images in a folder, sorted by name; an empty list when there are none.</summary>
    public static List<string> ImagesIn(string folder) =>
        Directory.EnumerateFiles(folder)
            .Where(f => ImageExtensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Order(StringComparer.Ordinal)
            .ToList();
}
