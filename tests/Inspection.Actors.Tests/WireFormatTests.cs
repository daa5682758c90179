using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Google.Protobuf;
using Inspection.Actors.Messages;
using Inspection.Actors.Serialization;
using Xunit;

namespace Inspection.Actors.Tests;

/// <summary>
/// The wire format across builds: golden bytes of every message as a build wrote them (Golden/*.json, snapshots kept
/// in the repository and never rewritten) must still read to the same values, so journals and nodes of earlier builds
/// stay readable; readers skip fields they do not know and default fields a sender did not write. Every snapshot is of
/// the tagged format ("wireVersion": 2, manifests ending in "/2"); wire version 1, the positional format of early
/// builds, is no longer read.
/// When this build writes a message otherwise (a message or field added), keep the old snapshots and add one:
/// INSPECTION_WRITE_GOLDEN=wire-v2-&lt;commit&gt;.json dotnet test tests/Inspection.Actors.Tests --filter WireFormatTests.
/// </summary>
public class WireFormatTests() : TestKit(Akka.Configuration.ConfigurationFactory.ParseString("akka.actor.provider = local")
    .WithFallback(TestSupport.NodeConfig(Path.Combine(Path.GetTempPath(), "unused.db"))))
{
    private static readonly JsonSerializerOptions Json = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    private static string Golden([CallerFilePath] string here = "") => Path.Combine(Path.GetDirectoryName(here)!, "Golden");

    public static IEnumerable<object[]> Snapshots() =>
        Directory.GetFiles(Golden(), "*.json").Order(StringComparer.Ordinal).Select(f => new object[] { Path.GetFileName(f) });

    private static IEnumerable<JsonNode> All() => Directory.GetFiles(Golden(), "*.json").Select(f => JsonNode.Parse(File.ReadAllText(f))!);

    /// <summary>The newest snapshot (the highest "snapshot" number).</summary>
    private static JsonNode Newest() => All().MaxBy(g => g["snapshot"]?.GetValue<int>() ?? 0)!;

    /// <summary>The wire version every snapshot names: the tagged format's, whose manifests end in "/2".</summary>
    private const int TaggedWireVersion = 2;

    private InspectionSerializer Serializer() => new((ExtendedActorSystem)Sys);

    [Theory]
    [MemberData(nameof(Snapshots))]
    public void Golden_bytes_of_every_message_still_read_to_the_values_they_were_written_from(string snapshot)
    {
        var golden = JsonNode.Parse(File.ReadAllText(Path.Combine(Golden(), snapshot)))!;
        Assert.Equal(TaggedWireVersion, golden["wireVersion"]!.GetValue<int>());
        var entries = golden["messages"]!.AsArray();
        Assert.NotEmpty(entries);
        var serializer = Serializer();
        foreach (var entry in entries)
        {
            string manifest = entry!["manifest"]!.GetValue<string>();
            var back = serializer.FromBinary(Convert.FromBase64String(entry["bytes"]!.GetValue<string>()), manifest);
            Assert.Equal(entry["type"]!.GetValue<string>(), back.GetType().Name);
            // Every value written must read back; properties added since (absent from the golden value) are not compared.
            AssertHolds(entry["value"]!, JsonNode.Parse(JsonSerializer.Serialize(back, back.GetType(), Json))!, $"{snapshot}: {manifest} case {entry["case"]}");
        }
    }

    [Fact]
    public void Every_message_type_has_golden_bytes()
    {
        var kept = All().SelectMany(g => g["messages"]!.AsArray().Select(e => e!["type"]!.GetValue<string>())).ToHashSet();
        var missing = InspectionSerializer.MessageTypes.Select(t => t.Name).Where(n => !kept.Contains(n)).ToList();
        Assert.True(missing.Count == 0, $"no golden bytes for {string.Join(", ", missing)}");
    }

    /// <summary>What actors persist (events and snapshots): a journal holds them for as long as it is kept.</summary>
    private static readonly Type[] Journalled =
    [
        typeof(LineAdded), typeof(ActivateModel), typeof(VersionName), typeof(LineConfigured), typeof(LineDeleted), typeof(ThresholdSet),
        typeof(JournalStamp), typeof(BankSliceChunk), typeof(ShardSnapshot), typeof(StoredResult), typeof(LineCounters), typeof(SinkOffset),
        typeof(CameraFrameIdsReserved), typeof(CameraFileInspected), typeof(CameraState),
    ];

    [Theory]
    [MemberData(nameof(Snapshots))]
    public void Events_and_snapshots_journalled_by_earlier_builds_still_recover(string snapshot)
    {
        // Read as a journal recovers them: through the actor system's serialization, by serializer id and manifest.
        var entries = JsonNode.Parse(File.ReadAllText(Path.Combine(Golden(), snapshot)))!["messages"]!.AsArray();
        foreach (var type in Journalled)
        {
            var kept = entries.Where(e => e!["type"]!.GetValue<string>() == type.Name).ToList();
            Assert.True(kept.Count > 0, $"{snapshot} has no golden bytes of {type.Name}");
            foreach (var entry in kept)
            {
                string manifest = entry!["manifest"]!.GetValue<string>();
                var back = Sys.Serialization.Deserialize(Convert.FromBase64String(entry["bytes"]!.GetValue<string>()), InspectionSerializer.Id, manifest);
                Assert.IsType(type, back);
                AssertHolds(entry["value"]!, JsonNode.Parse(JsonSerializer.Serialize(back, back.GetType(), Json))!, $"{snapshot}: {manifest} case {entry["case"]}");
            }
        }
        // The ones whose loss would cost most, field by field: a shard's bank, a line's results and counters, a camera's place.
        var read = entries.ToDictionary(e => $"{e!["type"]!.GetValue<string>()}/{e["case"]!.GetValue<int>()}",
            e => Sys.Serialization.Deserialize(Convert.FromBase64String(e!["bytes"]!.GetValue<string>()), InspectionSerializer.Id, e["manifest"]!.GetValue<string>()));
        var chunk = (BankSliceChunk)read["BankSliceChunk/0"];
        Assert.Equal((2, 3, 4096L, 3, 3), (chunk.ChunkIndex, chunk.ChunkCount, chunk.GlobalOffset, chunk.Rows.Rows, chunk.Rows.Columns));
        Assert.Equal(-3f, chunk.Rows.ToFloats()[0]);
        var bank = (ShardSnapshot)read["ShardSnapshot/0"];
        Assert.Equal((3, 0L, 6, 3), (bank.ChunkCount, bank.GlobalOffset, bank.Rows.Rows, bank.Rows.Columns));
        var result = (StoredResult)read["StoredResult/0"];
        Assert.Equal((new FrameId("line-a", "cam-2", 42), "0190abcd", "key:retry-1", 2.5f, true), (result.Frame, result.ResultId, result.ClientKey, result.Score, result.Defective));
        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(-1), result.ReceivedAt);
        Assert.Equal(new LineCounters(1000, 3, 17), read["LineCounters/0"]);
        var camera = (CameraState)read["CameraState/0"];
        Assert.Equal(3000, camera.ReservedUpTo);
        Assert.Equal(new[] { new CameraFile("a.png", 1, 2), new CameraFile("b.jpg", 3, 4) }, camera.Inspected);
    }

    [Fact]
    public void The_current_build_writes_what_its_newest_snapshot_holds()
    {
        if (Environment.GetEnvironmentVariable("INSPECTION_WRITE_GOLDEN") is { Length: > 0 } name) WriteSnapshot(name);
        // Not a compatibility rule (a later build may write more) but a guard that the newest snapshot is this build's:
        // a change of what is written shows here, and is then kept as a snapshot of its own.
        var golden = Newest()["messages"]!.AsArray();
        var serializer = Serializer();
        var cases = SerializerTests.Messages().Select(m => m[0]).ToList();
        const string snapshot = "this build writes otherwise than the newest golden snapshot; keep it and add one: " +
                                "INSPECTION_WRITE_GOLDEN=wire-v2-<commit>.json dotnet test tests/Inspection.Actors.Tests --filter WireFormatTests";
        Assert.True(cases.Count == golden.Count, $"{golden.Count} golden messages for {cases.Count} cases: {snapshot}");
        for (int i = 0; i < cases.Count; i++)
            Assert.True(golden[i]!["bytes"]!.GetValue<string>() == Convert.ToBase64String(serializer.ToBinary(cases[i])),
                $"case {i} ({cases[i].GetType().Name}): {snapshot}");
    }

    [Fact]
    public void A_reader_skips_fields_it_does_not_know_and_defaults_fields_not_sent()
    {
        var serializer = Serializer();
        var result = new StoredResult(new FrameId("l", "c", 7), "x.png", "v3", 2.5f, 0.75f, true, null, 41.5, null, DateTimeOffset.UnixEpoch.AddDays(3), "r-1");
        // A later version's result: the same fields and two this build has never heard of (an integer and a text).
        var later = new MemoryStream();
        later.Write(serializer.ToBinary(result));
        var extra = new CodedOutputStream(later, leaveOpen: true);
        extra.WriteTag(40, WireFormat.WireType.Varint);
        extra.WriteInt64(123456789);
        extra.WriteTag(41, WireFormat.WireType.LengthDelimited);
        extra.WriteString("a field of the next version");
        extra.Flush();
        Assert.Equal(result, serializer.FromBinary(later.ToArray(), serializer.Manifest(result)));

        // An earlier version's deployment: without the kNN precision and replica count (fields 20 and 21) it reads
        // with the defaults, the backbone's precision and one replica.
        var deployment = new ModelDeployment("l", "v1", 2, 100, 384, 9, "resnet18", ["layer2", "layer3"], null, 256, 32, 4.0, 1, 0.5f, 3, 2, 0, 4, "bf16", "fp32", 2);
        var bytes = serializer.ToBinary(deployment);
        var earlier = new MemoryStream();
        var output = new CodedOutputStream(earlier, leaveOpen: true);
        var input = new CodedInputStream(bytes);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            int field = WireFormat.GetTagFieldNumber(tag);
            var type = WireFormat.GetTagWireType(tag);
            // Copied as written, unless it is one of the two fields the earlier version did not have.
            bool keep = field < 20;
            if (keep) output.WriteTag(field, type);
            switch (type)
            {
                case WireFormat.WireType.Varint: { ulong v = input.ReadUInt64(); if (keep) output.WriteUInt64(v); break; }
                case WireFormat.WireType.Fixed32: { uint v = input.ReadFixed32(); if (keep) output.WriteFixed32(v); break; }
                case WireFormat.WireType.Fixed64: { ulong v = input.ReadFixed64(); if (keep) output.WriteFixed64(v); break; }
                default: { var v = input.ReadBytes(); if (keep) output.WriteBytes(v); break; }
            }
        }
        output.Flush();
        var read = (ModelDeployment)serializer.FromBinary(earlier.ToArray(), serializer.Manifest(deployment));
        Assert.Equal(JsonSerializer.Serialize(deployment with { KnnPrecision = null, Replicas = 1 }), JsonSerializer.Serialize(read));
        Assert.Equal("bf16", read.EffectiveKnnPrecision);
    }

    [Fact]
    public void A_manifest_of_wire_version_1_is_refused_naming_it()
    {
        var message = new ModelActivated("l", "v2");
        var serializer = (InspectionSerializer)Sys.Serialization.FindSerializerFor(message);
        Assert.Equal("MA/2", serializer.Manifest(message));
        var bytes = serializer.ToBinary(message);
        Assert.Equal(message, serializer.FromBinary(bytes, "MA/2"));
        // The same type's manifest in wire version 1 (no suffix): refused, not read as something else.
        var refused = Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes, "MA"));
        Assert.Contains("'MA'", refused.Message);
        Assert.Contains("wire version 1", refused.Message);
        Assert.Contains("no longer read", refused.Message);
    }

    /// <summary>Every property of <paramref name="expected"/> is in <paramref name="actual"/> with the same value (recursively).</summary>
    private static void AssertHolds(JsonNode expected, JsonNode? actual, string where)
    {
        switch (expected)
        {
            case JsonObject o:
                Assert.True(actual is JsonObject, $"{where}: expected an object, read {actual?.ToJsonString() ?? "null"}");
                foreach (var (name, value) in o)
                {
                    if (value is null) Assert.True(actual![name] is null, $"{where}.{name}: expected null, read {actual[name]?.ToJsonString()}");
                    else AssertHolds(value, actual![name], $"{where}.{name}");
                }
                break;
            case JsonArray a:
                Assert.True(actual is JsonArray b && b.Count == a.Count, $"{where}: expected {a.ToJsonString()}, read {actual?.ToJsonString() ?? "null"}");
                for (int i = 0; i < a.Count; i++)
                {
                    if (a[i] is null) Assert.Null(actual![i]);
                    else AssertHolds(a[i]!, actual![i], $"{where}[{i}]");
                }
                break;
            default:
                Assert.True(actual != null && expected.ToJsonString() == actual.ToJsonString(), $"{where}: expected {expected.ToJsonString()}, read {actual?.ToJsonString() ?? "null"}");
                break;
        }
    }

    /// <summary>Writes this build's bytes of every case as a new snapshot; an existing snapshot is never replaced.</summary>
    private void WriteSnapshot(string name)
    {
        string file = Path.Combine(Golden(), name);
        if (File.Exists(file)) throw new InvalidOperationException($"{file} exists: snapshots are kept as they are; name a new one");
        int number = All().Select(g => g["snapshot"]?.GetValue<int>() ?? 0).DefaultIfEmpty(0).Max() + 1;
        var serializer = Serializer();
        var entries = new JsonArray();
        var seen = new Dictionary<Type, int>();
        foreach (var message in SerializerTests.Messages().Select(m => m[0]))
        {
            int n = seen[message.GetType()] = seen.GetValueOrDefault(message.GetType(), -1) + 1;
            entries.Add(new JsonObject
            {
                ["type"] = message.GetType().Name, ["case"] = n, ["manifest"] = serializer.Manifest(message),
                ["bytes"] = Convert.ToBase64String(serializer.ToBinary(message)),
                ["value"] = JsonNode.Parse(JsonSerializer.Serialize(message, message.GetType(), Json)),
            });
        }
        var document = new JsonObject { ["wireVersion"] = TaggedWireVersion, ["snapshot"] = number, ["messages"] = entries };
        File.WriteAllText(file, document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }
}
