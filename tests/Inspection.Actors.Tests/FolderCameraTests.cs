using Akka.Actor;
using Akka.TestKit;
using Inspection.Actors.Cameras;
using Inspection.Actors.Messages;
using Xunit;

namespace Inspection.Actors.Tests;

/// <summary>
/// A folder camera offers each file once it is whole, retries one still being written, gives every file exactly one
/// result across restarts (its journal in SQLite), keeps frame ids unique across restarts, sees a file written again
/// under the same name as a new frame, and moves files with a result to a done folder when asked. The line is a probe
/// here, answering as a line does.
/// </summary>
public sealed class FolderCameraTests : CameraTestKit
{
    public FolderCameraTests() : base("camera")
    {
    }

    private string Folder(string name) => Directory.CreateDirectory(Data.File(name)).FullName;

    private IActorRef Camera(string folder, TestProbe line, FolderCameraOptions? options = null, string name = "cam") =>
        Sys.ActorOf(FolderCameraActor.Props("line-f", name, folder, line.Ref, options ?? new FolderCameraOptions()));

    /// <summary>Takes the next offered frame and answers it as a line: accepted, then a stored result under its client key.</summary>
    private static CapturedFrame Answer(TestProbe line, string? error = null)
    {
        var frame = line.ExpectMsg<CapturedFrame>(TimeSpan.FromSeconds(10));
        line.Reply(new FrameAccepted(frame.Frame, "r" + frame.Frame.Sequence));
        line.Reply(new StoredResult(frame.Frame, frame.Source, "v1", 1f, 0.1f, false, error, 5, null, DateTimeOffset.UtcNow, "r" + frame.Frame.Sequence, frame.ClientKey));
        return frame;
    }

    private void Stop(IActorRef camera)
    {
        Watch(camera);
        Sys.Stop(camera);
        ExpectTerminated(camera);
    }

    [Fact]
    public void A_file_still_being_written_is_offered_only_once_it_is_whole()
    {
        string folder = Folder("growing");
        byte[] image = Png(80);
        File.WriteAllBytes(Path.Combine(folder, "a.png"), image[..(image.Length / 2)]);
        var line = CreateTestProbe();
        Camera(folder, line, new FolderCameraOptions { SettleTimeout = TimeSpan.FromSeconds(30) });
        // Its size stays the same for many ticks: only the missing end of the image tells that it is not done.
        line.ExpectNoMsg(TimeSpan.FromSeconds(1));
        using (var append = new FileStream(Path.Combine(folder, "a.png"), FileMode.Append)) append.Write(image, image.Length / 2, image.Length - image.Length / 2);
        var frame = Answer(line);
        Assert.Equal(image, frame.Encoded);
        line.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public void A_file_that_stays_truncated_is_offered_after_the_settle_timeout_so_the_line_fails_it_with_the_reason()
    {
        string folder = Folder("stuck");
        byte[] image = Png(90);
        File.WriteAllBytes(Path.Combine(folder, "cut.png"), image[..(image.Length / 2)]);
        var line = CreateTestProbe();
        Camera(folder, line, new FolderCameraOptions { SettleTimeout = TimeSpan.FromMilliseconds(600) });
        var frame = Answer(line, "Image 'cut.png' cannot be used: the file is truncated (incomplete image data)");
        Assert.Equal(image.Length / 2, frame.Encoded.Length);
        line.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public void Files_are_held_in_the_folder_while_the_node_refuses_frames_and_offered_once_it_takes_them_again()
    {
        string folder = Folder("held");
        File.WriteAllBytes(Path.Combine(folder, "a.png"), Png(60));
        File.WriteAllBytes(Path.Combine(folder, "b.png"), Png(70));
        string? full = "the data volume is 98 % full, at or above its hard limit of 97 %";
        int asked = 0;
        var line = CreateTestProbe();
        Camera(folder, line, new FolderCameraOptions
        {
            HeldBack = () =>
            {
                Interlocked.Increment(ref asked);
                return Volatile.Read(ref full);
            },
        });
        // Asked many times with both files queued, and nothing offered meanwhile: none refused, none lost.
        AwaitCondition(() => Volatile.Read(ref asked) >= 20, TimeSpan.FromSeconds(10));
        line.ExpectNoMsg(TimeSpan.Zero);
        Volatile.Write(ref full, null);
        var frames = new[] { Answer(line), Answer(line) };
        Assert.Equal(["a.png", "b.png"], frames.Select(f => Path.GetFileName(f.Source)).Order());
        Assert.Equal([Png(60), Png(70)], frames.OrderBy(f => f.Source).Select(f => f.Encoded));
    }

    [Fact]
    public void After_a_restart_inspected_files_are_not_offered_again_and_frame_ids_stay_unique()
    {
        string folder = Folder("restart");
        File.WriteAllBytes(Path.Combine(folder, "a.png"), Png(10));
        File.WriteAllBytes(Path.Combine(folder, "b.png"), Png(20));
        File.WriteAllBytes(Path.Combine(folder, "c.png"), Png(30));
        var line = CreateTestProbe();
        var camera = Camera(folder, line);
        var first = new[] { Answer(line), Answer(line) };
        // c.png is offered and accepted, but the camera stops before its result comes (a crash, as the camera sees it).
        var open = line.ExpectMsg<CapturedFrame>(TimeSpan.FromSeconds(10));
        line.Reply(new FrameAccepted(open.Frame, "r-open"));
        Stop(camera);

        File.WriteAllBytes(Path.Combine(folder, "d.png"), Png(40));
        Camera(folder, line);
        // c.png again, under the same client key (so a line that stored its result answers with that one), then d.png.
        var again = Answer(line);
        var fresh = Answer(line);
        line.ExpectNoMsg(TimeSpan.FromMilliseconds(800));
        Assert.Equal(["a.png", "b.png"], first.Select(f => Path.GetFileName(f.Source)));
        Assert.Equal(("c.png", open.ClientKey), (Path.GetFileName(again.Source), again.ClientKey));
        Assert.Equal("d.png", Path.GetFileName(fresh.Source));
        var ids = first.Append(open).Append(again).Append(fresh).Select(f => f.Frame.Sequence).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.True(again.Frame.Sequence > open.Frame.Sequence, string.Join(", ", ids));
    }

    [Fact]
    public void A_file_written_again_under_its_name_is_a_new_frame()
    {
        string folder = Folder("overwrite");
        string latest = Path.Combine(folder, "latest.png");
        File.WriteAllBytes(latest, Png(50));
        var line = CreateTestProbe();
        Camera(folder, line);
        var one = Answer(line);
        File.WriteAllBytes(latest, Png(200));
        File.SetLastWriteTimeUtc(latest, DateTime.UtcNow.AddSeconds(1)); // a coarse clock cannot make it look unchanged
        var two = Answer(line);
        Assert.NotEqual(one.Encoded, two.Encoded);
        Assert.NotEqual(one.ClientKey, two.ClientKey);
        Assert.Equal(Png(200), two.Encoded);
        line.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public void Files_with_a_result_move_to_the_done_folder_and_a_reused_name_keeps_both()
    {
        string folder = Folder("moving");
        string done = Path.Combine(folder, "done");
        File.WriteAllBytes(Path.Combine(folder, "a.png"), Png(60));
        var line = CreateTestProbe();
        var observer = CreateTestProbe();
        Sys.ActorOf(FolderCameraActor.Props("line-f", "mover", folder, line.Ref, new FolderCameraOptions { DoneFolder = done }, observer.Ref));
        Answer(line);
        observer.ExpectMsg<StoredResult>(TimeSpan.FromSeconds(10));
        AwaitCondition(() => File.Exists(Path.Combine(done, "a.png")) && !File.Exists(Path.Combine(folder, "a.png")), TimeSpan.FromSeconds(10));

        File.WriteAllBytes(Path.Combine(folder, "a.png"), Png(70));
        var second = Answer(line);
        AwaitCondition(() => Directory.GetFiles(done).Length == 2 && !File.Exists(Path.Combine(folder, "a.png")), TimeSpan.FromSeconds(10));
        Assert.Equal(Png(70), File.ReadAllBytes(Path.Combine(done, $"a.{second.Frame.Sequence}.png")));
        Assert.Equal(Png(60), File.ReadAllBytes(Path.Combine(done, "a.png")));
    }

    [Fact]
    public void A_file_whose_frame_the_line_could_not_store_is_offered_again_under_its_own_key()
    {
        string folder = Folder("lost");
        File.WriteAllBytes(Path.Combine(folder, "a.png"), Png(40));
        var line = CreateTestProbe();
        Camera(folder, line, name: "lost");
        var first = line.ExpectMsg<CapturedFrame>(TimeSpan.FromSeconds(10));
        line.Reply(new FrameAccepted(first.Frame, "r1"));
        line.Reply(new FrameLost(first.Frame, "r1", "the line's journal could not store a result (connection refused)"));
        // Offered again (a new frame, the same file and key), and once stored, not again.
        var again = Answer(line);
        Assert.Equal((first.Source, first.ClientKey), (again.Source, again.ClientKey));
        Assert.Equal(first.Encoded, again.Encoded);
        line.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
    }
}
