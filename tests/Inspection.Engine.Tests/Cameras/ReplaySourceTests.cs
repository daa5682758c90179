using Inspection.Engine.Cameras;
using Xunit;

namespace Inspection.Engine.Tests.Cameras;

/// <summary>A replay hands out each file once, in order, paced by its frame rate; an unreadable file comes out empty; then it ends.</summary>
public sealed class ReplaySourceTests
{
    [Fact]
    public void It_plays_each_file_once_at_its_rate_and_ends()
    {
        using var folder = new TempFolder();
        var files = new[] { folder.File("a.png"), folder.File("b.png"), folder.File("missing.png") };
        File.WriteAllBytes(files[0], [1, 2]);
        File.WriteAllBytes(files[1], [3]);
        using var source = new ReplaySource(files, framesPerSecond: 20);
        source.Connect(CancellationToken.None);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var frames = Enumerable.Range(0, 3).Select(_ => source.Next(CancellationToken.None)!).ToList();
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(95), $"3 frames at 20/s take 100 ms; took {clock.ElapsedMilliseconds} ms");
        Assert.Equal(files, frames.Select(f => f.Source));
        Assert.Equal(new byte[] { 1, 2 }, frames[0].Encoded);
        Assert.Empty(frames[2].Encoded); // the line fails it with the decoder's reason
        Assert.Null(source.Next(CancellationToken.None));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReplaySource(files, 0));
    }
}
