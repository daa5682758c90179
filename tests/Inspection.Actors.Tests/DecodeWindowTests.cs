using Inspection.Actors.Extraction;
using Xunit;

namespace Inspection.Actors.Tests;

/// <summary>The window of frames a tiled extractor holds decoded: at most its size at once, the rest started in order as others end.</summary>
public sealed class DecodeWindowTests
{
    [Fact]
    public void At_most_the_window_is_started_and_the_next_waits_until_one_is_done()
    {
        var window = new DecodeWindow<string>(2);
        foreach (var frame in new[] { "a", "b", "c", "d" }) window.Enqueue(frame);
        Assert.Equal(["a", "b"], window.Start());
        Assert.Empty(window.Start());
        Assert.Equal((2, 2), (window.Active, window.Waiting));
        window.Done();
        Assert.Equal(["c"], window.Start());
        window.Done();
        window.Done();
        Assert.Equal(["d"], window.Start());
        Assert.Equal((1, 0), (window.Active, window.Waiting));
    }
}
