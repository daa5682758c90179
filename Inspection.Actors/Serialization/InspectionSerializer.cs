using Akka.Actor;
using Akka.Serialization;
using Inspection.Actors.Messages;

namespace Inspection.Actors.Serialization;

/// <summary>
/// Binary serializer for every Inspection message, remote and journalled: short manifests, and feature blocks written
/// as one raw byte copy with their shape in front (JSON or Hyperion would spend more time than the network on a
/// 1.5 MB block of floats). Two wire versions: 2 (<see cref="TaggedFormat"/>, numbered fields that nodes of other
/// versions skip or default) is written unless <see cref="WriteVersionSetting"/> says 1 (<see cref="PositionalFormat"/>,
/// what builds before version 2 read); both are always read, told apart by the manifest.
/// </summary>
public sealed class InspectionSerializer : SerializerWithStringManifest
{
    public const int Id = 1730;
    public override int Identifier => Id;

    /// <summary>The wire version this build writes unless told otherwise.</summary>
    public const int CurrentWireVersion = 2;

    /// <summary>
    /// HOCON path of the version to write: 1 while nodes of builds before wire version 2 are in the cluster (the first
    /// step of a rolling upgrade), 2 once none are.
    /// </summary>
    public const string WriteVersionSetting = "inspection.wire.write-version";

    // Version 2 manifests are version 1's with this suffix: a manifest alone says how its bytes are laid out.
    private const string TaggedSuffix = "/2";

    private readonly ExtendedActorSystem _system;
    private readonly PositionalFormat _positional;
    private readonly TaggedFormat _tagged;
    private string? _node; // this system's address, once remoting has one

    public InspectionSerializer(ExtendedActorSystem system) : this(system, WriteVersionOf(system)) { }

    public InspectionSerializer(ExtendedActorSystem system, int writeVersion) : base(system)
    {
        if (writeVersion is not (1 or 2)) throw new ArgumentException($"Wire version {writeVersion} is not one this build writes (1 or 2).");
        _system = system;
        WriteVersion = writeVersion;
        _positional = new PositionalFormat(system);
        _tagged = new TaggedFormat(system);
    }

    /// <summary>The wire version this serializer writes.</summary>
    public int WriteVersion { get; }

    private static int WriteVersionOf(ExtendedActorSystem system) =>
        system.Settings.Config.HasPath(WriteVersionSetting) ? system.Settings.Config.GetInt(WriteVersionSetting) : CurrentWireVersion;

    /// <summary>The wire version a manifest's bytes are written in.</summary>
    /// <summary>Why a node writing <paramref name="writeVersion"/> cannot store these line settings (null: it can).</summary>
    public static string? CannotWrite(Messages.LineSettings settings, int writeVersion) =>
        writeVersion >= 2 ? null : PositionalFormat.Unsupported(settings);

    public static int VersionOf(string manifest) => manifest.EndsWith(TaggedSuffix, StringComparison.Ordinal) ? 2 : 1;

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

    /// <summary>
    /// Types added with or after wire version 2: no build before it has them, so they are always written in version 2,
    /// also by a node told to write version 1 (senders do not send them to such nodes).
    /// </summary>
    public static readonly IReadOnlySet<Type> SinceWireVersion2 = new HashSet<Type> { typeof(QueryNearestOfFrames), typeof(FramesNotExtracted), typeof(SetReplicas) };

    private int VersionFor(object o) => SinceWireVersion2.Contains(o.GetType()) ? 2 : WriteVersion;

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
        Manifests.TryGetValue(o.GetType(), out var m)
            ? VersionFor(o) == 1 ? m : m + TaggedSuffix
            : throw new ArgumentException($"{o.GetType()} is not an Inspection message.");

    public override byte[] ToBinary(object obj)
    {
        int version = VersionFor(obj);
        var bytes = version == 1 ? _positional.Write(obj) : _tagged.Write(obj);
        _node ??= _system.Provider.DefaultAddress?.ToString();
        Diagnostics.PipelineMetrics.SerializedBytes.Add(bytes.Length, new KeyValuePair<string, object?>("message", obj.GetType().Name),
            new KeyValuePair<string, object?>("node", _node ?? ""), new KeyValuePair<string, object?>("wire", version));
        return bytes;
    }

    public override object FromBinary(byte[] bytes, string manifest) =>
        VersionOf(manifest) == 2 ? _tagged.Read(manifest[..^TaggedSuffix.Length], bytes) : _positional.Read(manifest, bytes);
}
