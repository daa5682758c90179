using Inspection.Engine.Imaging;
using Xunit;

namespace Inspection.Engine.Tests.Imaging;

/// <summary>A file a camera is still writing is told apart from a whole image, whatever the format.</summary>
public class ImageCompletenessTests
{
    private static readonly string[] Marked = [".png", ".jpg", ".webp", ".bmp", ".gif"];

    public static TheoryData<string, byte[]> Whole()
    {
        var data = new TheoryData<string, byte[]>();
        foreach (var row in ImageFormatTests.Readable()) data.Add((string)row[0], (byte[])row[1]);
        return data;
    }

    [Theory]
    [MemberData(nameof(Whole))]
    public void A_whole_image_is_complete(string name, byte[] bytes) => Assert.False(ImageCompleteness.IsTruncated(bytes), name);

    [Theory]
    [MemberData(nameof(Whole))]
    public void An_image_cut_anywhere_is_truncated_for_formats_that_mark_their_end(string name, byte[] bytes)
    {
        if (!Marked.Contains(Path.GetExtension(name))) return; // ico, wbmp: not judged here (the decoder says what is wrong)
        foreach (int length in new[] { 1, 2, 3, bytes.Length / 4, bytes.Length / 2, bytes.Length * 3 / 4 }.Where(l => l > 0 && l < bytes.Length).Distinct())
            Assert.True(ImageCompleteness.IsTruncated(bytes[..length]), $"{name} cut to {length} of {bytes.Length} bytes");
    }

    /// <summary>
    /// Without its end marker a file is decoded: one that lacks only the marker's last bytes has all its pixels and
    /// counts as whole (the price of accepting images with bytes after their end).
    /// </summary>
    [Fact]
    public void A_whole_image_with_bytes_after_its_end_is_complete()
    {
        foreach (var row in ImageFormatTests.Readable().Where(r => (string)r[0] is "a.jpg" or "a.png"))
            Assert.False(ImageCompleteness.IsTruncated([.. (byte[])row[1], 1, 2, 3, 4]), (string)row[0]);
    }

    [Fact]
    public void An_empty_file_is_truncated_and_a_file_of_no_known_format_is_left_to_the_decoder()
    {
        Assert.True(ImageCompleteness.IsTruncated([]));
        Assert.False(ImageCompleteness.IsTruncated("this is text, not an image\n"u8.ToArray()));
        Assert.False(ImageCompleteness.IsTruncated([0x49, 0x49, 0x2A, 0, 8, 0, 0, 0])); // TIFF: refused by the decoder, by name
    }
}
