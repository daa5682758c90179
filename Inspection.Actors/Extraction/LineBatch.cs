using Akka.Actor;
using Inspection.Actors.Messages;
using Inspection.Engine.Imaging;

namespace Inspection.Actors.Extraction;

/// <summary>
/// One line's micro-batch on its way to the backbone: its frames, each frame's decode (on the thread pool; null where
/// the image was unusable) and who to answer for it, all for one model version.
/// </summary>
public sealed class LineBatch(ModelDeployment deployment)
{
    /// <summary>The version its frames were sent for, even if the line has moved on since.</summary>
    public ModelDeployment Deployment { get; } = deployment;
    public string Version => Deployment.Version;
    public List<FrameId> Frames { get; } = [];
    public List<CapturedFrame> Captured { get; } = [];
    public List<Task<PreparedImage?>> Decodes { get; } = [];
    public List<IActorRef> ReplyTo { get; } = [];
    public List<PreparedImage> Images { get; } = [];

    public int Count => Frames.Count;

    public void Add(CapturedFrame frame, Task<PreparedImage?> decode, IActorRef replyTo)
    {
        Decodes.Add(decode);
        Frames.Add(frame.Frame);
        Captured.Add(frame);
        ReplyTo.Add(replyTo);
    }

    /// <summary>
    /// Keeps the frames that decoded (every decode has ended), with <see cref="Frames"/>, <see cref="Captured"/>,
    /// <see cref="ReplyTo"/> and <see cref="Images"/> aligned.
    /// </summary>
    public void KeepDecoded()
    {
        var frames = new List<FrameId>();
        var captured = new List<CapturedFrame>();
        var replies = new List<IActorRef>();
        for (int i = 0; i < Decodes.Count; i++)
        {
            if (Decodes[i].Result is not { } image) continue; // ended: the batch was closed once all of them had
            Images.Add(image);
            frames.Add(Frames[i]);
            captured.Add(Captured[i]);
            replies.Add(ReplyTo[i]);
        }
        Frames.Clear();
        Frames.AddRange(frames);
        Captured.Clear();
        Captured.AddRange(captured);
        ReplyTo.Clear();
        ReplyTo.AddRange(replies);
    }

    /// <summary>
    /// The batch's features (<paramref name="block"/>, the kept frames' rows in order) as one scoring batch per
    /// requester, so each result goes back to the line that sent the frame.
    /// </summary>
    public List<(IActorRef ReplyTo, ScoreFrames Batch)> ByRequester(FeatureBlock block)
    {
        var groups = Enumerable.Range(0, Frames.Count).GroupBy(i => ReplyTo[i]).ToList();
        if (groups.Count == 1) return [(groups[0].Key, new ScoreFrames(Frames, block, Captured))];
        int rowsPerFrame = block.Rows / Frames.Count, width = block.Data.Length / Frames.Count; // bytes per frame
        return groups.Select(group =>
        {
            var frames = group.ToList();
            var bytes = new byte[frames.Count * width];
            for (int g = 0; g < frames.Count; g++) Array.Copy(block.Data, (long)frames[g] * width, bytes, (long)g * width, width);
            return (group.Key, new ScoreFrames(frames.Select(i => Frames[i]).ToList(),
                new FeatureBlock(frames.Count * rowsPerFrame, block.Columns, block.Precision, bytes), frames.Select(i => Captured[i]).ToList()));
        }).ToList();
    }
}
