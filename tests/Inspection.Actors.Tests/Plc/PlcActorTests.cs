using System.Net;
using System.Text.Json;
using Akka.Actor;
using Akka.TestKit;
using Inspection.Actors.Cameras;
using Inspection.Actors.Messages;
using Inspection.Actors.Plc;
using Inspection.Engine.Tests.Cameras;
using Xunit;

namespace Inspection.Actors.Tests.Plc;

/// <summary>
/// The PLC handshake end to end on this machine: a PLC nobody here wrote (pymodbus) triggers over Modbus TCP, a real
/// GigE Vision camera (aravis' simulator) takes the software trigger, the camera actor offers the frame to the line (a
/// probe here, answering as a line does, or late, or not at all), and the verdict comes back to the PLC with the
/// part's id. Timeouts at the deadline, late results, a trigger storm, a camera that is away and a PLC that stops
/// polling each get their test.
/// </summary>
public sealed class PlcActorTests : CameraTestKit
{
    public PlcActorTests() : base("plc")
    {
    }

    private static void Require()
    {
        Skip.If(FakeGigECamera.Missing != null, FakeGigECamera.Missing);
        Skip.If(PlcClient.PymodbusMissing != null, PlcClient.PymodbusMissing);
    }

    private (IActorRef Plc, IActorRef Camera, TestProbe Line, int Port) Start(FakeGigECamera simulator, NoVerdictMeaning meaning = NoVerdictMeaning.Ng,
        TimeSpan? deadline = null, TimeSpan? silentAfter = null, bool lineJournalsTimeouts = false)
    {
        var line = CreateTestProbe();
        var (name, open) = CameraSources.Open(simulator.Url("pixel-format=Mono8&width=128&height=128&trigger=software"));
        var camera = Sys.ActorOf(CameraActor.Props("line-p", name, open, line.Ref, new CameraOptions { MinBackoff = TimeSpan.FromMilliseconds(100), MaxBackoff = TimeSpan.FromMilliseconds(300) }));
        AwaitAssert(() => Assert.True(camera.Ask<CameraStats>(new GetCameraStats(), TimeSpan.FromSeconds(5)).Result.Connected), TimeSpan.FromSeconds(20));
        var plc = Sys.ActorOf(PlcActor.Props(new PlcOptions
        {
            Endpoint = new IPEndPoint(IPAddress.Loopback, 0), Cameras = [new PlcCamera("line-p", name, camera, lineJournalsTimeouts ? line.Ref : null)], NoVerdict = meaning,
            Deadline = deadline ?? TimeSpan.FromSeconds(5), SilentAfter = silentAfter ?? TimeSpan.FromSeconds(3),
        }));
        int port = IPEndPoint.Parse(Stats(plc).Endpoint!).Port;
        return (plc, camera, line, port);
    }

    private static PlcStats Stats(IActorRef plc) => plc.Ask<PlcStats>(GetPlcStats.Instance, TimeSpan.FromSeconds(5)).Result;

    private static CapturedFrame Accept(TestProbe line)
    {
        var frame = line.ExpectMsg<CapturedFrame>(TimeSpan.FromSeconds(20));
        line.Reply(new FrameAccepted(frame.Frame, "r" + frame.Frame.Sequence));
        return frame;
    }

    private static StoredResult Result(CapturedFrame frame, bool defective, float normalised, string? error = null) =>
        new(frame.Frame, frame.Source, "v1", normalised * 2, normalised, defective, error, 5, null, DateTimeOffset.UtcNow, "r" + frame.Frame.Sequence);

    [SkippableFact]
    public async Task A_plc_trigger_gets_the_parts_verdict_with_its_id_and_score()
    {
        Require();
        using var simulator = new FakeGigECamera();
        var (plc, _, line, port) = Start(simulator);

        var handshake = Task.Run(() => PlcClient.Pymodbus(port, "handshake 0 4711"));
        var frame = Accept(line);
        using (var bitmap = Engine.Imaging.ImageDecoder.Decode(frame.Encoded, frame.Source)) Assert.Equal(128, bitmap.Width); // the camera's real frame
        line.Reply(Result(frame, defective: true, normalised: 0.73f));
        var answer = await handshake;
        Assert.Equal((4711, "ng", "inspected", 730), (answer.GetProperty("part").GetInt32(), answer.GetProperty("verdict").GetString(),
            answer.GetProperty("code").GetString(), answer.GetProperty("score").GetInt32()));

        // No part id from the PLC: one is assigned (top bit set) and echoed.
        handshake = Task.Run(() => PlcClient.Pymodbus(port, "handshake 0 0"));
        line.Reply(Result(Accept(line), defective: false, normalised: 0.2f));
        var assigned = await handshake;
        uint id = assigned.GetProperty("part").GetUInt32();
        Assert.True(id >= 0x8000_0000u);
        Assert.Equal(("ok", 200), (assigned.GetProperty("verdict").GetString(), assigned.GetProperty("score").GetInt32()));

        var stats = Stats(plc).Cameras.Single();
        Assert.Equal((2L, 1L, 1L, 0L, 0L), (stats.Parts, stats.Ok, stats.Ng, stats.Timeouts, stats.Refused));
        Assert.Equal(id.ToString(), stats.LastPart);
    }

    [SkippableFact]
    public async Task A_part_without_a_verdict_by_its_deadline_gets_the_timeout_verdict_and_its_late_result_is_not_sent()
    {
        Require();
        using var simulator = new FakeGigECamera();
        var (plc, _, line, port) = Start(simulator, NoVerdictMeaning.Hold, deadline: TimeSpan.FromMilliseconds(300), lineJournalsTimeouts: true);

        var handshake = Task.Run(() => PlcClient.Pymodbus(port, "handshake 0 7"));
        var frame = Accept(line); // taken, and its result held back past the deadline
        var cameraActor = line.LastSender;
        // The frame carries its part and the part's deadline, so the line can mark a result that comes after it.
        Assert.Equal("7", frame.Part);
        Assert.InRange(frame.PartDeadline, DateTimeOffset.UtcNow.AddSeconds(-20), DateTimeOffset.UtcNow.AddSeconds(1));
        var answer = await handshake;
        Assert.Equal((7, "hold", "timeout"), (answer.GetProperty("part").GetInt32(), answer.GetProperty("verdict").GetString(), answer.GetProperty("code").GetString()));
        Assert.True(answer.GetProperty("ms").GetDouble() >= 300);
        // The line hears of the timeout, for its journal and so its sinks.
        var timedOut = line.ExpectMsg<PartTimedOut>(TimeSpan.FromSeconds(10));
        Assert.Equal(("line-p", "7", "hold"), (timedOut.Line, timedOut.Part, timedOut.Means));
        Assert.True((timedOut.At - timedOut.TriggeredAt).TotalMilliseconds >= 300);

        cameraActor.Tell(Result(frame, defective: false, normalised: 0.1f), line.Ref); // the result, late
        AwaitAssert(() => Assert.Equal(1, Stats(plc).Cameras.Single().Late), TimeSpan.FromSeconds(10));
        var registers = PlcClient.Pymodbus(port, "read 0");
        Assert.Equal((3, 1, 7, 1, 1), (registers.GetProperty("verdict").GetInt32(), registers.GetProperty("result_code").GetInt32(),
            registers.GetProperty("result_part_low").GetInt32(), registers.GetProperty("timeouts").GetInt32(), registers.GetProperty("late").GetInt32()));
        var stats = Stats(plc).Cameras.Single();
        Assert.Equal((1L, 1L, 1L, 0L), (stats.Parts, stats.Hold, stats.Timeouts, stats.Ok));
    }

    [SkippableFact]
    public void Parts_triggered_before_the_last_verdict_each_get_theirs_in_turn_as_the_plc_acknowledges()
    {
        Require();
        using var simulator = new FakeGigECamera();
        var (_, _, line, port) = Start(simulator);

        // A line faster than one verdict: part 21 is triggered while part 20 is still pending.
        PlcClient.Pymodbus(port, "trigger 0 20");
        var first = Accept(line);
        var camera = line.LastSender;
        var pending = PlcClient.Pymodbus(port, "trigger 0 21");
        Assert.Equal(PlcRegisterMap.Busy, pending.GetProperty("status").GetInt32() & PlcRegisterMap.Busy); // part 20's
        var second = Accept(line);
        Assert.Equal(("20", "21"), (first.Part, second.Part));
        camera.Tell(Result(first, defective: true, normalised: 0.9f), line.Ref);
        camera.Tell(Result(second, defective: false, normalised: 0.1f), line.Ref);

        // Both verdicts wait: the registers show the older until the PLC acknowledges it, then the next.
        AwaitAssert(() => Assert.Equal(2, PlcClient.Pymodbus(port, "read 0").GetProperty("queued").GetInt32()), TimeSpan.FromSeconds(10));
        var shown = PlcClient.Pymodbus(port, "read 0");
        Assert.Equal((20, 2, PlcRegisterMap.ResultReady, 0, 0), (shown.GetProperty("result_part_low").GetInt32(), shown.GetProperty("verdict").GetInt32(),
            shown.GetProperty("status").GetInt32() & PlcRegisterMap.ResultReady, shown.GetProperty("status").GetInt32() & PlcRegisterMap.Busy,
            shown.GetProperty("refused").GetInt32()));
        PlcClient.Pymodbus(port, "ack 0");
        AwaitAssert(() => Assert.Equal(21, PlcClient.Pymodbus(port, "read 0").GetProperty("result_part_low").GetInt32()), TimeSpan.FromSeconds(10));
        shown = PlcClient.Pymodbus(port, "read 0");
        Assert.Equal((1, 1, PlcRegisterMap.ResultReady), (shown.GetProperty("verdict").GetInt32(), shown.GetProperty("queued").GetInt32(),
            shown.GetProperty("status").GetInt32() & PlcRegisterMap.ResultReady));
        PlcClient.Pymodbus(port, "ack 0");
        AwaitAssert(() => Assert.Equal(0, PlcClient.Pymodbus(port, "read 0").GetProperty("status").GetInt32() & PlcRegisterMap.ResultReady), TimeSpan.FromSeconds(10));
    }

    [SkippableFact]
    public void Triggers_written_back_to_back_each_keep_the_part_id_written_with_them()
    {
        Skip.If(PlcClient.PymodbusMissing != null, PlcClient.PymodbusMissing);
        // The camera is a probe here: what counts is the part each trigger asks it for.
        var camera = CreateTestProbe();
        var plc = Sys.ActorOf(PlcActor.Props(new PlcOptions
        {
            Endpoint = new IPEndPoint(IPAddress.Loopback, 0), Cameras = [new PlcCamera("line-p", "cam", camera.Ref)], Deadline = TimeSpan.FromSeconds(30),
        }));
        int port = IPEndPoint.Parse(Stats(plc).Endpoint!).Port;

        // Three writes of trigger and id in one TCP send (Modbus TCP lets a client pipeline requests): the registers hold
        // the last id before the first trigger is handled, yet each part is its own.
        using (var client = new System.Net.Sockets.TcpClient())
        {
            client.Connect(IPAddress.Loopback, port);
            var stream = client.GetStream();
            var frames = new List<byte>();
            for (ushort i = 0; i < 3; i++)
            {
                ushort part = (ushort)(1000 + i);
                // MBAP (transaction, protocol 0, length 13, unit 1), FC 16 at register 0, 3 registers, 6 bytes: trigger 1, id high 0, id low.
                frames.AddRange([0, (byte)i, 0, 0, 0, 13, 1, 16, 0, 0, 0, 3, 6, 0, 1, 0, 0, (byte)(part >> 8), (byte)part]);
            }
            stream.Write(frames.ToArray());
            var answers = new byte[3 * 12];
            for (int read = 0; read < answers.Length;) read += stream.Read(answers, read, answers.Length - read);
            Assert.All(Enumerable.Range(0, 3), i => Assert.Equal(16, answers[i * 12 + 7])); // each write answered, none an exception
        }
        var parts = Enumerable.Range(0, 3).Select(_ => camera.FishForMessage<CameraActor.TriggerPart>(_ => true, TimeSpan.FromSeconds(10)).Part).ToList();
        Assert.Equal(["1000", "1001", "1002"], parts);
    }

    [SkippableFact]
    public void A_trigger_storm_is_refused_and_counted_and_every_part_taken_gets_one_verdict()
    {
        Require();
        using var simulator = new FakeGigECamera();
        var (plc, _, line, port) = Start(simulator);

        var storm = PlcClient.Pymodbus(port, "storm 0 50");
        // Every trigger is taken or refused. Each frame the storm caused is answered; a camera still exposing ignores a
        // software trigger, so some parts get no frame and their timeout verdict at the deadline (5 s here).
        AwaitAssert(() => Assert.Equal(50, Stats(plc).Cameras.Single() is var c ? c.Parts + c.Refused : 0), TimeSpan.FromSeconds(10));
        int answered = 0;
        while (line.ReceiveOne(TimeSpan.FromSeconds(2)) is CapturedFrame frame)
        {
            line.Reply(new FrameAccepted(frame.Frame, "r" + frame.Frame.Sequence));
            line.Reply(Result(frame, defective: false, normalised: 0.1f));
            answered++;
        }
        AwaitAssert(() => Assert.False(Stats(plc).Cameras.Single().Busy), TimeSpan.FromSeconds(15));
        var stats = Stats(plc).Cameras.Single();
        Assert.Equal(50, stats.Parts + stats.Refused);
        Assert.True(stats.Refused > 0, "50 triggers over one connection must outrun four pending parts");
        Assert.Equal(stats.Parts, stats.Ok + stats.Ng + stats.Hold); // one verdict per part taken
        Assert.InRange(answered, 1, stats.Parts);
        Assert.Equal(stats.Parts - answered, stats.Timeouts + stats.Failures); // the parts without a frame: said so, never silent
        Assert.Equal((int)stats.Refused, PlcClient.Pymodbus(port, "read 0").GetProperty("refused").GetInt32());
        Assert.True(storm.GetProperty("parts").GetInt32() >= 1);
    }

    [SkippableFact]
    public void A_camera_that_is_away_gives_the_no_frame_verdict_at_once_and_a_plc_that_stops_polling_shows_as_silent()
    {
        Require();
        using var simulator = new FakeGigECamera();
        var (plc, camera, line, port) = Start(simulator, silentAfter: TimeSpan.FromMilliseconds(500));
        Assert.True(Stats(plc).Silent); // no request yet

        simulator.Kill();
        AwaitAssert(() => Assert.False(camera.Ask<CameraStats>(new GetCameraStats(), TimeSpan.FromSeconds(5)).Result.Connected), TimeSpan.FromSeconds(60));
        var answer = PlcClient.Pymodbus(port, "handshake 0 99");
        Assert.Equal((99, "ng", "no-frame"), (answer.GetProperty("part").GetInt32(), answer.GetProperty("verdict").GetString(), answer.GetProperty("code").GetString()));
        Assert.True(answer.GetProperty("ms").GetDouble() < 5000 - 1); // not the deadline: said at once
        Assert.False(Stats(plc).Silent);
        Assert.Equal(0, PlcClient.Pymodbus(port, "read 0").GetProperty("status").GetInt32() & PlcRegisterMap.CameraConnected);

        // The PLC stops polling: shown as silent; the next verdict waits in the registers for it, unacknowledged.
        AwaitAssert(() => Assert.True(Stats(plc).Silent), TimeSpan.FromSeconds(10));
        plc.Tell(new PlcActor.TriggerFromMqtt("line-p", Stats(plc).Cameras.Single().Camera, 5));
        AwaitAssert(() => Assert.True(Stats(plc).Cameras.Single().Unacknowledged), TimeSpan.FromSeconds(10));
        Assert.True(Stats(plc).Silent);
        var waiting = PlcClient.Pymodbus(port, "read 0"); // the PLC is back: the verdict is there for it
        Assert.Equal((5, PlcRegisterMap.ResultReady), (waiting.GetProperty("result_part_low").GetInt32(), waiting.GetProperty("status").GetInt32() & PlcRegisterMap.ResultReady));
        PlcClient.Pymodbus(port, "ack 0");
        Assert.False(Stats(plc).Cameras.Single().Unacknowledged);
        line.ExpectNoMsg(TimeSpan.Zero);
    }
}
