using Akka.Actor;
using Akka.Serialization;
using Inspection.Actors.Messages;

namespace Inspection.Actors.Serialization;

/// <summary>
/// Binary serializer for every Inspection message, remote and journalled: short manifests, and feature blocks written
/// as one raw byte copy with their shape in front (JSON or Hyperion would spend more time than the network on a
/// 1.5 MB block of floats). One wire format, <see cref="TaggedFormat"/>: numbered fields, so a later build can add
/// fields that earlier ones skip.
/// </summary>
public sealed class InspectionSerializer : SerializerWithStringManifest
{
    public const int Id = 1730;
    public override int Identifier => Id;

    // Every manifest ends in this suffix: the tagged format was wire version 2, after the positional version 1 of early
    // builds (two-letter manifests, no longer read). Journals hold these manifests, so they stay as they are.
    private const string TaggedSuffix = "/2";

    private readonly ExtendedActorSystem _system;
    private readonly TaggedFormat _tagged;
    private string? _node; // this system's address, once remoting has one

    public InspectionSerializer(ExtendedActorSystem system) : base(system)
    {
        _system = system;
        _tagged = new TaggedFormat(system);
    }

    private static readonly Dictionary<Type, string> Manifests = new()
    {
        [typeof(StoreBankSlice)] = "SS",
        [typeof(BankSliceStored)] = "SA",
        [typeof(QueryNearest)] = "QN",
        [typeof(NearestAnswer)] = "NA",
        [typeof(QueryRows)] = "QR",
        [typeof(RowsAnswer)] = "RA",
        [typeof(QuerySupport)] = "QS",
        [typeof(SupportAnswer)] = "SX",
        [typeof(ShardUnavailable)] = "SU",
        [typeof(GetShardState)] = "GS",
        [typeof(ShardState)] = "ST",
        [typeof(BankSliceChunk)] = "BC",
        [typeof(ShardSnapshot)] = "SN",
        [typeof(ModelDeployment)] = "MD",
        [typeof(ScoreFrames)] = "SF",
        [typeof(InspectionResult)] = "IR",
        [typeof(FrameId)] = "FI",
        [typeof(ActivateModel)] = "AM",
        [typeof(ModelActivated)] = "MA",
        [typeof(RegisterLine)] = "RL",
        [typeof(LineRegistered)] = "LR",
        [typeof(GetDeployment)] = "GD",
        [typeof(NoDeployment)] = "ND",
        [typeof(ListLines)] = "LL",
        [typeof(LineSummary)] = "LS",
        [typeof(LineList)] = "LT",
        [typeof(NextVersion)] = "NV",
        [typeof(VersionName)] = "VN",
        [typeof(DeploymentChanged)] = "DC",
        [typeof(LineAdded)] = "LA",
        [typeof(CapturedFrame)] = "CF",
        [typeof(FrameAccepted)] = "FA",
        [typeof(FrameRejected)] = "FR",
        [typeof(ExtractFrames)] = "EF",
        [typeof(StoredResult)] = "SR",
        [typeof(CameraStats)] = "CS",
        [typeof(GetCameraStats)] = "GC",
        [typeof(LineStats)] = "LX",
        [typeof(GetLineStats)] = "GL",
        [typeof(LineCounters)] = "LK",
        [typeof(TrainLine)] = "TL",
        [typeof(ReadSlice)] = "RS",
        [typeof(RetireSlice)] = "RT",
        [typeof(SliceContents)] = "SC",
        [typeof(AddGoodImages)] = "AG",
        [typeof(ExtractTrainingPatches)] = "ET",
        [typeof(TrainingPatches)] = "TP",
        [typeof(GetExtractorStats)] = "GE",
        [typeof(ExtractorStats)] = "ES",
        [typeof(TrainingCompleted)] = "TC",
        [typeof(TrainingFailed)] = "TF",
        [typeof(FeatureBlock)] = "FB",
        [typeof(ConfigureLine)] = "CL",
        [typeof(LineConfigured)] = "LC",
        [typeof(DeleteLine)] = "DL",
        [typeof(LineDeleted)] = "LD",
        [typeof(SetThreshold)] = "TS",
        [typeof(ThresholdSet)] = "TH",
        [typeof(GetLine)] = "GN",
        [typeof(LineDetails)] = "LN",
        [typeof(TrainingProgressed)] = "TG",
        [typeof(CancelTraining)] = "CT",
        [typeof(SinkOffset)] = "SO",
        [typeof(GetJournalStamp)] = "GJ",
        [typeof(JournalStamp)] = "JS",
        [typeof(CameraFrameIdsReserved)] = "KR",
        [typeof(CameraFileInspected)] = "KI",
        [typeof(CameraState)] = "KS",
        [typeof(QueryNearestOfFrames)] = "QF",
        [typeof(FramesNotExtracted)] = "FX",
        [typeof(SetReplicas)] = "SP",
    };

    /// <summary>The message types this serializer owns (for the binding configuration).</summary>
    public static IEnumerable<Type> MessageTypes => Manifests.Keys;

    /// <summary>The same binding as HOCON, for ActorSystems built without Akka.Hosting (TestKit).</summary>
    public static string Hocon =>
        $$"""
        akka.actor.serializers.inspection = "{{typeof(InspectionSerializer).FullName}}, {{typeof(InspectionSerializer).Assembly.GetName().Name}}"
        akka.actor.serialization-bindings {
        {{string.Join("\n", Manifests.Keys.Select(t => $"  \"{t.FullName}, {t.Assembly.GetName().Name}\" = inspection"))}}
        }
        """;

    public override string Manifest(object o) =>
        Manifests.TryGetValue(o.GetType(), out var m) ? m + TaggedSuffix : throw new ArgumentException($"{o.GetType()} is not an Inspection message.");

    public override byte[] ToBinary(object obj)
    {
        var bytes = _tagged.Write(obj);
        _node ??= _system.Provider.DefaultAddress?.ToString();
        Diagnostics.PipelineMetrics.SerializedBytes.Add(bytes.Length, new KeyValuePair<string, object?>("message", obj.GetType().Name),
            new KeyValuePair<string, object?>("node", _node ?? ""));
        return bytes;
    }

    public override object FromBinary(byte[] bytes, string manifest) =>
        manifest.EndsWith(TaggedSuffix, StringComparison.Ordinal)
            ? _tagged.Read(manifest[..^TaggedSuffix.Length], bytes)
            : throw new SerializationException($"Manifest '{manifest}' has no '{TaggedSuffix}' suffix: it is of wire version 1, the positional format of early builds, which is no longer read.");
}
