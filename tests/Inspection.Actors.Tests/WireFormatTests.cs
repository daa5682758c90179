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
/// The wire format across versions: golden bytes of every message as a build wrote them (Golden/*.json, snapshots kept
/// in the repository and never rewritten) must still read to the same values, so journals and nodes of earlier builds
/// stay readable; version 2 readers skip fields they do not know and default fields a sender did not write.
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

    /// <summary>The newest snapshot of the current wire version (the highest "snapshot" number).</summary>
    private static JsonNode Newest() => Directory.GetFiles(Golden(), "*.json").Select(f => JsonNode.Parse(File.ReadAllText(f))!)
        .Where(g => g["wireVersion"]!.GetValue<int>() == InspectionSerializer.CurrentWireVersion)
        .MaxBy(g => g["snapshot"]?.GetValue<int>() ?? 0)!;

    private InspectionSerializer Writing(int version) => new((ExtendedActorSystem)Sys, version);

    [Theory]
    [MemberData(nameof(Snapshots))]
    public void Golden_bytes_of_every_message_still_read_to_the_values_they_were_written_from(string snapshot)
    {
        var golden = JsonNode.Parse(File.ReadAllText(Path.Combine(Golden(), snapshot)))!;
        int version = golden["wireVersion"]!.GetValue<int>();
        var entries = golden["messages"]!.AsArray();
        Assert.NotEmpty(entries);
        var serializer = Writing(InspectionSerializer.CurrentWireVersion);
        foreach (var entry in entries)
        {
            string manifest = entry!["manifest"]!.GetValue<string>();
            Assert.Equal(version, InspectionSerializer.VersionOf(manifest));
            var back = serializer.FromBinary(Convert.FromBase64String(entry["bytes"]!.GetValue<string>()), manifest);
            Assert.Equal(entry["type"]!.GetValue<string>(), back.GetType().Name);
            // Every value written must read back; properties added since (absent from the golden value) are not compared.
            AssertHolds(entry["value"]!, JsonNode.Parse(JsonSerializer.Serialize(back, back.GetType(), Json))!, $"{snapshot}: {manifest} case {entry["case"]}");
        }
    }

    [Fact]
    public void Every_message_type_has_golden_bytes_of_both_wire_versions()
    {
        foreach (int version in new[] { 1, 2 })
        {
            var kept = Directory.GetFiles(Golden(), "*.json").Select(f => JsonNode.Parse(File.ReadAllText(f))!)
                .Where(g => g["wireVersion"]!.GetValue<int>() == version)
                .SelectMany(g => g["messages"]!.AsArray().Select(e => e!["type"]!.GetValue<string>())).ToHashSet();
            // Types added with version 2 have no version 1 bytes: they are always written in version 2.
            var missing = InspectionSerializer.MessageTypes.Where(t => version == 2 || !InspectionSerializer.SinceWireVersion2.Contains(t))
                .Select(t => t.Name).Where(n => !kept.Contains(n)).ToList();
            Assert.True(missing.Count == 0, $"no golden bytes of wire version {version} for {string.Join(", ", missing)}");
        }
    }

    [Fact]
    public void The_current_build_writes_what_its_newest_snapshot_holds()
    {
        if (Environment.GetEnvironmentVariable("INSPECTION_WRITE_GOLDEN") is { Length: > 0 } name) WriteSnapshot(name);
        // Not a compatibility rule (a later build may write more) but a guard that the newest snapshot is this build's:
        // a change of what is written shows here, and is then kept as a snapshot of its own.
        var golden = Newest()["messages"]!.AsArray();
        var serializer = Writing(InspectionSerializer.CurrentWireVersion);
        var cases = SerializerTests.Messages().Select(m => m[0]).ToList();
        const string snapshot = "this build writes otherwise than the newest golden snapshot; keep it and add one: " +
                                "INSPECTION_WRITE_GOLDEN=wire-v2-<commit>.json dotnet test tests/Inspection.Actors.Tests --filter WireFormatTests";
        Assert.True(cases.Count == golden.Count, $"{golden.Count} golden messages for {cases.Count} cases: {snapshot}");
        for (int i = 0; i < cases.Count; i++)
            Assert.True(golden[i]!["bytes"]!.GetValue<string>() == Convert.ToBase64String(serializer.ToBinary(cases[i])),
                $"case {i} ({cases[i].GetType().Name}): {snapshot}");
    }

    [Fact]
    public void A_version_2_reader_skips_fields_it_does_not_know_and_defaults_fields_not_sent()
    {
        var serializer = Writing(2);
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
    public void A_node_writes_the_wire_version_its_configuration_names_and_reads_both()
    {
        var config = Akka.Configuration.ConfigurationFactory.ParseString($"{InspectionSerializer.WriteVersionSetting} = 1\nakka.actor.provider = local")
            .WithFallback(TestSupport.NodeConfig(Path.Combine(Path.GetTempPath(), "unused.db")));
        using var upgrading = ActorSystem.Create("upgrading", config);
        var message = new ModelActivated("l", "v2");
        var first = (InspectionSerializer)upgrading.Serialization.FindSerializerFor(message);
        Assert.Equal(1, first.WriteVersion);
        Assert.Equal("MA", first.Manifest(message));
        var current = (InspectionSerializer)Sys.Serialization.FindSerializerFor(message);
        Assert.Equal(InspectionSerializer.CurrentWireVersion, current.WriteVersion);
        Assert.Equal("MA/2", current.Manifest(message));
        Assert.Equal(message, first.FromBinary(current.ToBinary(message), current.Manifest(message)));
        Assert.Equal(message, current.FromBinary(first.ToBinary(message), first.Manifest(message)));
        Assert.Throws<ArgumentException>(() => new InspectionSerializer((ExtendedActorSystem)Sys, 3));
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
        int version = InspectionSerializer.CurrentWireVersion;
        int number = Directory.GetFiles(Golden(), "*.json").Select(f => JsonNode.Parse(File.ReadAllText(f))!["snapshot"]?.GetValue<int>() ?? 0).DefaultIfEmpty(0).Max() + 1;
        var serializer = Writing(version);
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
        var document = new JsonObject { ["wireVersion"] = version, ["snapshot"] = number, ["messages"] = entries };
        File.WriteAllText(file, document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }
}
