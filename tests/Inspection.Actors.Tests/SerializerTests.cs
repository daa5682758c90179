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
            new BankSliceStored("l/v1/0", 1),
            new QueryNearest("l/v1/2", 7, Block(5, 2, FeaturePrecision.Float16), 9, "bf16"),
            new NearestAnswer("l/v1/2", 7, 2, [0.5f, 1.5f, 2, 3], [10, 11, 12, 13]),
            new QueryRows("l/v1/1", 8, [17, 4]),
            new RowsAnswer("l/v1/1", 8, [17], Block(1, 3)),
            new RowsAnswer("l/v1/0", 8, [], Block(0, 3)),
            new QuerySupport("l/v1/1", 8, Block(2, 3), Block(2, 3), 9, "fp16"),
            new SupportAnswer("l/v1/1", 8, 2, [0f, 1.5f, 0f, 2f], [17, 30, 4, 5], [3f, 3.5f, 1f, 1.25f]),
            new ShardUnavailable("l/v1/1", 9, "holds no bank slice"),
            new GetShardState("l/v1/0"),
            new ShardState("l/v1/0", "akka.tcp://inspection@127.0.0.1:1234", 2, 3, 4096, 0),
            new BankSliceChunk(2, 3, 4096, Block(3, 3)),
            new ShardSnapshot(3, 0, Block(6, 3)),
            Deployment(),
            new ActivateModel(Deployment()),
            new DeploymentChanged(Deployment() with { Precision = "fp32", KnnPrecision = "bf16" }),
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
            new ReadSlice("l/v1/0"),
            new SliceContents("l/v1/0", 100, Block(2, 3)),
            new AddGoodImages("l", ["a.png", "b.png"]),
            new TrainLine("l", "/data/l", 0),
            new TrainingCompleted("l", "v2", 10, 1000, 2, 12.5),
            new TrainingFailed("l", "no images"),
            new CapturedFrame(frame, [1, 2, 3], "cam.png"),
            new FrameAccepted(frame),
            new FrameRejected(frame, "busy"),
            new ExtractFrames("l", "v1", [new CapturedFrame(frame, [4, 5], "x.png")]),
            new StoredResult(frame, "x.png", "v1", 2.5f, 0.7f, true, null, 40, "/tmp/h.png", DateTimeOffset.UnixEpoch),
            new CameraStats("l", "c", 10, 8, 2, 8, 1, true),
            new GetCameraStats(),
            new LineStats("l", "v1", 10, 2, 7, 1, 0),
            new GetLineStats("l"),
            new LineCounters(1000, 3),
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
        ];
        return all.Select(m => new[] { m });
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void Every_message_round_trips_through_the_inspection_serializer(object message)
    {
        var serializer = Sys.Serialization.FindSerializerFor(message);
        Assert.IsType<InspectionSerializer>(serializer);
        var withManifest = (SerializerWithStringManifest)serializer;
        var bytes = serializer.ToBinary(message);
        var back = withManifest.FromBinary(bytes, withManifest.Manifest(message));
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
    public void Deployments_stored_with_the_former_neighbour_table_still_read()
    {
        // Deployments persisted before N_b was computed per frame carry an int table after NumNeighbors; it is skipped,
        // and the fields added since (kNN precision) take their defaults.
        var current = Deployment();
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(current);
        var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            w.Write(current.Line); w.Write(current.Version); w.Write(current.ShardCount); w.Write(current.BankSize);
            w.Write(current.Dimensions); w.Write(current.NumNeighbors);
            w.Write(3); w.Write(1); w.Write(2); w.Write(3); // the old table: length, then values
        }
        var now = serializer.ToBinary(current);
        int markerAt = (int)stream.Length - 16; // where the old table started, the current layout has a marker (-1)
        Assert.Equal(-1, BitConverter.ToInt32(now, markerAt));
        Assert.Equal(0, now[markerAt + 4]); // no kNN precision of its own (an optional string: absent)
        stream.Write(now.AsSpan(markerAt + 5));
        var old = (ModelDeployment)serializer.FromBinary(stream.ToArray(), "MD");
        Assert.Equal(JsonSerializer.Serialize(current), JsonSerializer.Serialize(old));
    }

    [Fact]
    public void Corrupt_bytes_are_refused_with_a_clear_error()
    {
        var message = new StoreBankSlice("l/v/0", 0, 1, 0, Block(4, 4));
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(message);
        var bytes = serializer.ToBinary(message);
        Assert.Contains("truncated", Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes[..^10], "SS")).Message);
        Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes, "??"));
    }
}
