using Akka.TestKit.Xunit2;
using Inspection.Actors.Extraction;
using Inspection.Actors.Messages;
using Inspection.Engine.Imaging;
using Xunit;

namespace Inspection.Actors.Tests;

/// <summary>A line's micro-batch alone: the frames that decoded are kept in order, and its features go back one batch per requester.</summary>
public sealed class LineBatchTests : TestKit
{
    private static readonly ModelDeployment Deployment =
        new("line", "v1", 1, 4, 3, 1, "resnet18", ["layer2", "layer3"], null, 64, 8, 4.0, 1, 0, 2, 1, 0, 2);

    private static PreparedImage Image(int i) => new($"{i}.png", 1, 1, [i], new Extent(1, 1));

    /// <summary>Frames 0..n-1, frame i answered to replies[i], frame i's decode yielding null where <paramref name="corrupt"/> says.</summary>
    private static LineBatch Batch(IReadOnlyList<Akka.Actor.IActorRef> replies, params int[] corrupt)
    {
        var batch = new LineBatch(Deployment);
        for (int i = 0; i < replies.Count; i++)
            batch.Add(new CapturedFrame(new FrameId("line", "c", i), [], $"{i}.png"), Task.FromResult(corrupt.Contains(i) ? null : Image(i)), replies[i]);
        return batch;
    }

    /// <summary>Two rows of three columns per frame, every value the frame's sequence.</summary>
    private static FeatureBlock Rows(IEnumerable<long> frames) =>
        FeatureBlock.FromFloats(frames.SelectMany(f => Enumerable.Repeat((float)f, 6)).ToArray(), 2 * frames.Count(), 3);

    [Fact]
    public void Frames_that_did_not_decode_leave_the_batch_and_the_rest_stay_aligned()
    {
        var line = CreateTestProbe().Ref;
        var batch = Batch([line, line, line, line], 1, 3);
        batch.KeepDecoded();
        Assert.Equal([0L, 2L], batch.Frames.Select(f => f.Sequence));
        Assert.Equal(["0.png", "2.png"], batch.Captured.Select(c => c.Source));
        Assert.Equal(["0.png", "2.png"], batch.Images.Select(i => i.Name));
        Assert.Equal(2, batch.ReplyTo.Count);
    }

    [Fact]
    public void One_requester_gets_the_whole_batch_and_two_get_their_own_frames_rows()
    {
        var (a, b) = (CreateTestProbe().Ref, CreateTestProbe().Ref);
        var alone = Batch([a, a]);
        alone.KeepDecoded();
        var block = Rows([0, 1]);
        var whole = Assert.Single(alone.ByRequester(block));
        Assert.Equal(a, whole.ReplyTo);
        Assert.Same(block, whole.Batch.Patches);

        var shared = Batch([a, b, a, b], 2); // frame 2 did not decode: the block holds frames 0, 1 and 3
        shared.KeepDecoded();
        var split = shared.ByRequester(Rows([0, 1, 3]));
        Assert.Equal(2, split.Count);
        foreach (var (replyTo, frames) in split)
        {
            long[] want = replyTo.Equals(a) ? [0] : [1, 3];
            Assert.Equal(want, frames.Frames.Select(f => f.Sequence));
            Assert.Equal(want, frames.Encoded!.Select(c => c.Frame.Sequence));
            Assert.Equal((2 * want.Length, 3), (frames.Patches.Rows, frames.Patches.Columns));
            Assert.Equal(want.SelectMany(f => Enumerable.Repeat((float)f, 6)), frames.Patches.ToFloats());
        }
    }
}
