using System.Text.Json;
using Akka.Actor;
using Akka.Serialization;
using Akka.TestKit.Xunit2;
using Inspection.Actors.Messages;
using Inspection.Actors.Serialization;
using Xunit;

namespace Inspection.Actors.Tests;

public class SerializerTests() : TestKit(Akka.Configuration.ConfigurationFactory.ParseString("akka.actor.provider = local").WithFallback(TestSupport.NodeConfig(Path.Combine(Path.GetTempPath(), "unused.db"))))
{
    private static FeatureBlock Block(int rows, int cols, FeaturePrecision p = FeaturePrecision.Float32) =>
        FeatureBlock.FromFloats(Enumerable.Range(0, rows * cols).Select(i => (i % 997) * 0.01f - 3).ToArray(), rows, cols, p);

    private static ModelDeployment Deployment() =>
        new("l", "v1", 3, 100, 384, 9, "resnet18", ["layer2", "layer3"], null, 256, 32, 4.0, 1, 0.5f, 3, 2, 0, 4, "bf16");

    public static IEnumerable<object[]> Messages()
    {
        var frame = new FrameId("line-a", "cam-2", 42);
        object[] all =
        [
            new StoreBankSlice("l/v1/0", 1, 3, 2048, Block(4, 3)),
            new RetireSlice("l/v1/0/1"),
            new BankSliceStored("l/v1/0", 1),
            new QueryNearest("l/v1/2", 7, Block(5, 2, FeaturePrecision.Float16), 9, "bf16"),
            new QueryNearest("l/v1/0", 8, Block(4, 2), 1, "fp32", PatchesPerFrame: 2, SupportK: 3),
            new NearestAnswer("l/v1/2", 7, 2, [0.5f, 1.5f, 2, 3], [10, 11, 12, 13]),
            new NearestAnswer("l/v1/0", 8, 1, [0.5f, 1.5f], [10, 11], new SupportAnswer("l/v1/0", 8, 2, [0, 1], [10, 12], [1.5f, 2.5f])),
            new QueryNearestOfFrames("l/v1/1/0", 7, "l", "v1", [new CapturedFrame(frame, [1, 2, 3], "cam.png"), new CapturedFrame(frame with { Sequence = 43 }, [4], "b.png")], 1, "fp16"),
            new QueryNearestOfFrames("l/v1/0/1", 8, "l", "v1", [new CapturedFrame(frame, [1, 2, 3], "cam.png")], 1, "fp32", 1024, 9),
            new FramesNotExtracted("l/v1/1/0", 7, "this node serves v2 of line 'l', not v1"),
            new QueryRows("l/v1/1", 8, [17, 4]),
            new RowsAnswer("l/v1/1", 8, [17], Block(1, 3)),
            new RowsAnswer("l/v1/0", 8, [], Block(0, 3)),
            new QuerySupport("l/v1/1", 8, Block(2, 3), Block(2, 3), 9, "fp16"),
            new SupportAnswer("l/v1/1", 8, 2, [0f, 1.5f, 0f, 2f], [17, 30, 4, 5], [3f, 3.5f, 1f, 1.25f]),
            new ShardUnavailable("l/v1/1", 9, "holds no bank slice"),
            new GetShardState("l/v1/0"),
            new ShardState("l/v1/0", "akka.tcp://inspection@127.0.0.1:1234", 2, 3, 4096, 0, "cuda:1"),
            new BankSliceChunk(2, 3, 4096, Block(3, 3)),
            new ShardSnapshot(3, 0, Block(6, 3)),
            Deployment(),
            new ActivateModel(Deployment()),
            new DeploymentChanged(Deployment() with { Precision = "fp32", KnnPrecision = "bf16", Replicas = 2 }),
            new ModelActivated("l", "v2"),
            new RegisterLine("l"),
            new LineRegistered("l"),
            new GetDeployment("l"),
            new NoDeployment("l", true, "no trained model yet"),
            new ListLines(),
            new LineSummary("l", null, 0, 0, float.NaN),
            new LineList([new LineSummary("l", "v1", 3, 100, 1.5f), new LineSummary("m", null, 0, 0, float.NaN)]),
            new NextVersion("l"),
            new VersionName("l", "v3"),
            new DeploymentChanged(Deployment()),
            new LineAdded("l"),
            new ReadSlice("l/v1/0", 2048, 512),
            new SliceContents("l/v1/0", 100, Block(2, 3), 5000),
            new AddGoodImages("l", ["a.png", "b.png"]),
            new AddGoodImages("l", ["a.png"], "job-1"),
            new SetReplicas("l", 2, "job-3"),
            new TrainLine("l", "/data/l", 0),
            new TrainLine("l", "/data/l", 2, new LineSettings("wide_resnet50_2", 320, 0.01, 2, LineSettings.ManualPolicy), "job-2"),
            new TrainingProgressed("job-2", "coreset", 40, 921),
            new CancelTraining("job-2"),
            new TrainingFailed("l", "cancelled", Cancelled: true),
            new ConfigureLine("l", LineSettings.Default),
            new LineConfigured("l", LineSettings.Default with { ImageSize = 128 }),
            new DeleteLine("l"),
            new LineDeleted("l", true),
            new SetThreshold("l", 4.25f, "key-abcd"),
            new ThresholdSet("l", 4.25f, "key-abcd", DateTimeOffset.UnixEpoch.AddDays(20000)),
            new GetLine("l"),
            new SinkOffset(417),
            new GetJournalStamp(),
            new JournalStamp("3f2a"),
            new CameraFrameIdsReserved(2000),
            new CameraFileInspected(new CameraFile("latest.png", 4096, 638_000_000_000_000_000)),
            new CameraState(3000, [new CameraFile("a.png", 1, 2), new CameraFile("b.jpg", 3, 4)]),
            new InspectionResult(new FrameId("l", "c", 1), "v1", float.NaN, float.NaN, false, "shard l/v1/0 did not answer", 5000, null, Retryable: true),
            new LineDetails("l", true, LineSettings.Default with { Webhook = "http://127.0.0.1:9/hook", Mqtt = true }, Deployment(), [new ThresholdSet("l", 1.5f, "anonymous", DateTimeOffset.UnixEpoch)]),
            new LineDetails("m", false, LineSettings.Default, null, []),
            new TrainingCompleted("l", "v2", 10, 1000, 2, 12.5, [1.5f, 2.25f], [4.75f]),
            new TrainingFailed("l", "no images"),
            new CapturedFrame(frame, [1, 2, 3], "cam.png"),
            new CapturedFrame(frame, [1, 2, 3], "f-17", "0190abcd", "frame:cam-2/f-17"),
            new FrameAccepted(frame),
            new FrameAccepted(frame, "0190abcd"),
            new FrameRejected(frame, "busy"),
            new FrameLost(frame, "0190abd3", "the journal did not store the result: connection refused"),
            new ExtractFrames("l", "v1", [new CapturedFrame(frame, [4, 5], "x.png")]),
            new StoredResult(frame, "x.png", "v1", 2.5f, 0.7f, true, null, 40, "/tmp/h.png", DateTimeOffset.UnixEpoch, "0190abcd", "key:retry-1",
                DateTimeOffset.UnixEpoch.AddSeconds(-1)),
            new CameraStats("l", "c", 10, 8, 2, 8, 1, true),
            new CameraStats("l", "gige", 10, 8, 2, 8, 1, false, "gige Aravis-Fake-GV01", true, 9.8, DateTimeOffset.UnixEpoch.AddSeconds(5),
                "the camera stopped answering", 2),
            new GetCameraStats(),
            new LineStats("l", "v1", 10, 2, 7, 1, 0, 3),
            new GetLineStats("l"),
            new LineCounters(1000, 3, 17),
            new ExtractTrainingPatches(3, "resnet18", ["layer2", "layer3"], null, "fp32", 256, [new CapturedFrame(frame, [9], "t.png")]),
            new TrainingPatches(3, 1, 4, Block(4, 3), [], "akka.tcp://inspection@127.0.0.1:1"),
            new TrainingPatches(4, 2, 0, null, ["t.png: truncated"], "akka.tcp://inspection@127.0.0.1:1"),
            new GetExtractorStats(),
            new ExtractorStats("akka.tcp://inspection@127.0.0.1:1", 5, 100),
            new ScoreFrames([frame, frame with { Sequence = 43 }], Block(8, 3)),
            new InspectionResult(frame, "v1", 3.5f, 0.7f, true, null, 12.5, Block(4, 4)),
            InspectionResult.Failure(frame, "v1", "shard l/v1/2 did not answer", 5000),
            frame,
            Block(2, 2, FeaturePrecision.Float16),
            new StoredResult(frame, "x.png", "v1", 2.5f, 0.7f, false, null, 40, null, DateTimeOffset.UnixEpoch, "0190abce", null,
                DateTimeOffset.UnixEpoch.AddSeconds(-1), "the frame is 400x400, far from the training images' 0.25"),
            .. Rectangular(frame),
            // Result images kept on the gpu node that scored the frame.
            new CapturedFrame(frame, [1, 2, 3], "f-18", "0190abcf", null, ImagePolicy.OnRequest),
            new InspectionResult(frame, "v1", 3.5f, 0.7f, true, null, 12.5, null, ImagesAt: "/data/results/l/0190abcf-overlay.png"),
            new GetResultImage("/data/results/l/0190abcf-overlay.png", ResultImageKind.Mask),
            new ResultImageAnswer("/data/results/l/0190abcf-overlay.png", ResultImageKind.Overlay, true, [137, 80, 78, 71], "0190abcf-overlay.png", null),
            new ResultImageAnswer("/data/results/l/0190abcf-overlay.png", ResultImageKind.Image, false, null, null, "not in this node's results folder"),
            // Retention: images' bytes on results, a line's own limits, the order to delete images.
            new InspectionResult(frame, "v1", 3.5f, 0.7f, true, null, 12.5, null, ImagesAt: "/data/results/l/0190abd0-overlay.png", ImagesBytes: 221_530),
            new StoredResult(frame, "x.png", "v1", 2.5f, 0.7f, true, null, 40, "/data/results/l/0190abd0-overlay.png", DateTimeOffset.UnixEpoch, "0190abd0",
                ImagesBytes: 221_530),
            new LineConfigured("l", LineSettings.Default with { KeepDays = 2.5, KeepFlaggedDays = 90, KeepMegabytes = 4096 }),
            new ForgetResultImages("l", ["/data/results/l/0190abd0-overlay.png", "/data/results/l/0190abd1-overlay.png"], DateTimeOffset.UnixEpoch.AddDays(20_000)),
            new ForgetResultImages("l", [], default),
            // A gpu node whose disk is above its high-water mark: the result says why it has no images.
            new InspectionResult(frame, "v1", 3.5f, 0.7f, false, null, 12.5, null, ImagesNotKept: "the data volume / is 93% full"),
            new StoredResult(frame, "x.png", "v1", 2.5f, 0.7f, false, null, 40, null, DateTimeOffset.UnixEpoch, "0190abd2",
                ImagesNotKept: "the data volume / is 93% full"),
            // Threshold policies: a target false-reject rate, and the held-out good scores any threshold's rate is estimated from.
            new LineConfigured("l", LineSettings.Default with { ThresholdPolicy = LineSettings.FalseRejectRatePolicy, FalseRejectTarget = 0.05 }),
            new ActivateModel(Deployment() with { HeldOutGood = [1.25f, 1.5f, 2f], ThresholdMethod = "false-reject rate at most 0.25 (0.25 promised)" }),
            // Model versions: who made each and from what, the versions a line keeps, rollback, dropped versions' journals.
            new ActivateModel(Deployment() with { Source = "folder /data/l", CreatedBy = "key-0a1b2c3d" }),
            new TrainLine("l", "/data/l", 0, null, "job-4", null, "key-0a1b2c3d"),
            new AddGoodImages("l", ["a.png"], "job-5", null, "key-0a1b2c3d"),
            new LineConfigured("l", LineSettings.Default with { KeepVersions = 3 }),
            new GetModels("l"),
            new ModelVersions("l", true, "v2", [Deployment() with { Version = "v1" }, Deployment() with { Version = "v2", Source = "v1 + 2 good image(s)" }]),
            new ModelVersions("l", false, null, []),
            new VersionsDropped("l", ["v1", "v2"], [1, 4]),
            new ActivateVersion("l", "v1", "key-0a1b2c3d", "job-6"),
            new ShardErased(),
            // Shadow versions: a deployment that carries its shadow, setting and ending one, a refusal.
            new DeploymentChanged(Deployment() with { Version = "v2", Shadow = Deployment() with { Version = "v1", ImageThreshold = 2.5f }, ShadowSample = 0.25 }),
            new ModelVersions("l", true, "v2", [Deployment() with { Version = "v1" }], "v1", 0.5),
            new SetShadow("l", "v1", 0.5, "key-0a1b2c3d"),
            new SetShadow("l", null, 0, "key-0a1b2c3d"),
            new ShadowSet("l", "v1", 1.0, "key-0a1b2c3d", DateTimeOffset.UnixEpoch.AddDays(20_000)),
            new ShadowSet("l", null, 0, "anonymous", DateTimeOffset.UnixEpoch),
            new ShadowRefused("l", "v2 is the active version of line 'l'"),
            // Every verdict names the threshold it was judged at and the change that set it.
            new StoredResult(frame, "x.png", "v1", 2.5f, 0.7f, true, null, 40, null, DateTimeOffset.UnixEpoch, "0190abd3", Threshold: 2.25f,
                ThresholdMethod: "set by line-operator at 2026-12-06 05:00:00 UTC"),
            // Parts a PLC triggered: the part's id and deadline on the frame, on the result, and a part's timeout verdict.
            new CapturedFrame(frame, [1, 2, 3], "gige-cam", Part: "4711", PartDeadline: DateTimeOffset.UnixEpoch.AddDays(20_000)),
            new StoredResult(frame, "gige-cam", "v1", 2.5f, 0.7f, false, null, 40, null, DateTimeOffset.UnixEpoch, "0190abd4", Part: "4711", Late: true),
            new PartTimedOut("timeout-0190abd5", "l", "cam", "4711", "hold", "no verdict within 300 ms", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddMilliseconds(300)),
            // A node's cameras and PLC handshake for the API nodes' camera list.
            new CameraReport("akka.tcp://inspection@10.0.0.5:4053",
                [new CameraStats("l", "gige-cam", 10, 9, 1, 9, 0, false, "GigE Vision 127.0.0.1", true, 4.8, DateTimeOffset.UnixEpoch.AddDays(20_000), null, 2)],
                new Inspection.Actors.Plc.PlcStats("127.0.0.1:5020", 120, DateTimeOffset.UnixEpoch.AddDays(20_000), false,
                    [new Inspection.Actors.Plc.PlcCameraStats("l", "gige-cam", 9, 6, 2, 0, 1, 0, 3, 1, false, true, "4711")], new Inspection.Actors.Plc.MqttPlcBridge.State("subscribed", true)),
                DateTimeOffset.UnixEpoch.AddDays(20_000)),
            new CameraReport("akka.tcp://inspection@10.0.0.6:4053", [], null, DateTimeOffset.UnixEpoch),
        ];
        return all.Select(m => new[] { m });
    }

    /// <summary>Messages of rectangular, auto-sized or tiled inputs.</summary>
    public static object[] Rectangular(FrameId frame) =>
    [
        Deployment() with { ImageSize = 512, ImageWidth = 128, PatchGrid = 64, PatchColumns = 16, TrainingAspect = 0.25 },
        new LineConfigured("l", LineSettings.Default with { ImageSize = 640, ImageWidth = 256 }),
        new LineConfigured("l", LineSettings.Default with { AutoImagePixels = 65_536, RefuseAspectMismatch = true }),
        new ExtractTrainingPatches(5, "resnet18", ["layer2", "layer3"], null, "fp32", 512, [new CapturedFrame(frame, [9], "t.png")], 128),
        Deployment() with { Tiled = true, TileOverlap = 32 },
        new LineConfigured("l", LineSettings.Default with { Tiled = true, TileOverlap = 16 }),
    ];

    /// <summary>A serializer of this system, as another node of the cluster would have.</summary>
    private InspectionSerializer Serializer() => new((ExtendedActorSystem)Sys);

    [Theory]
    [MemberData(nameof(Messages))]
    public void Every_message_round_trips_through_the_inspection_serializer(object message)
    {
        Assert.IsType<InspectionSerializer>(Sys.Serialization.FindSerializerFor(message));
        var serializer = Serializer();
        var bytes = serializer.ToBinary(message);
        string manifest = serializer.Manifest(message);
        Assert.EndsWith("/2", manifest);
        // Read by another serializer instance: nothing of the writer's is needed to read.
        var back = Serializer().FromBinary(bytes, manifest);
        Assert.Equal(message.GetType(), back.GetType());
        // Records with arrays compare by reference; compare their JSON (NaN written as a literal).
        var options = new JsonSerializerOptions { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };
        Assert.Equal(JsonSerializer.Serialize(message, message.GetType(), options), JsonSerializer.Serialize(back, back.GetType(), options));
    }

    [Fact]
    public void Every_message_type_the_serializer_binds_has_a_round_trip_case()
    {
        var covered = Messages().Select(m => m[0].GetType()).ToHashSet();
        var missing = InspectionSerializer.MessageTypes.Where(t => !covered.Contains(t)).Select(t => t.Name).ToList();
        Assert.True(missing.Count == 0, "no round-trip case for " + string.Join(", ", missing));
    }

    [Fact]
    public void Feature_blocks_are_raw_bytes_and_half_precision_halves_them()
    {
        var full = Block(1024, 384);
        var half = Block(1024, 384, FeaturePrecision.Float16);
        Assert.Equal(1024 * 384 * 4, full.Data.Length);
        Assert.Equal(1024 * 384 * 2, half.Data.Length);
        var values = half.ToFloats();
        var exact = full.ToFloats();
        Assert.True(values.Zip(exact, (h, f) => Math.Abs(h - f) <= Math.Abs(f) * 1e-3 + 1e-3).All(ok => ok));
        var serializer = Sys.Serialization.FindSerializerFor(full);
        Assert.InRange(serializer.ToBinary(full).Length, full.Data.Length, full.Data.Length + 32);
    }

    [Fact]
    public void A_training_command_carries_the_actor_its_progress_goes_to()
    {
        var watcher = CreateTestProbe();
        var command = new TrainLine("l", "/data/l", 0, LineSettings.Default, "job-1", watcher.Ref);
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(command);
        var back = (TrainLine)serializer.FromBinary(serializer.ToBinary(command), serializer.Manifest(command));
        Assert.Equal(watcher.Ref, back.ProgressTo);
        back.ProgressTo!.Tell(new TrainingProgressed("job-1", "features", 1, 2));
        watcher.ExpectMsg<TrainingProgressed>(p => p.Done == 1);
    }

    [Fact]
    public void Corrupt_bytes_are_refused_with_a_clear_error()
    {
        var message = new StoreBankSlice("l/v/0", 0, 1, 0, Block(4, 4));
        var serializer = Serializer();
        var bytes = serializer.ToBinary(message);
        string manifest = serializer.Manifest(message);
        Assert.Contains("truncated", Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes[..^10], manifest)).Message);
        Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes, "??"));
        Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes, "??/2"));
    }
}
