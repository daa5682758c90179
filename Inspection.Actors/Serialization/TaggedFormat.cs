using Akka.Actor;
using Inspection.Actors.Messages;
using Inspection.Actors.Plc;

namespace Inspection.Actors.Serialization;

/// <summary>
/// The wire format: every message as numbered fields in protobuf's wire format (see <see cref="FieldWriter"/>), and the
/// one table below of every message's manifest, its fields written and its fields read. Field numbers follow each
/// type's constructor order from 1; a field added later takes the next free number and a reader default, and a number
/// is never reused, so nodes of neighbouring builds read each other's messages and journals, a reader skipping the
/// fields it does not know.
/// </summary>
internal sealed class TaggedFormat(ExtendedActorSystem system)
{
    /// <summary>
    /// Every manifest ends in this: the tagged format was wire version 2, after the positional version 1 of early
    /// builds (two-letter manifests, no longer read). Journals hold these manifests, so they stay as they are.
    /// </summary>
    public const string Suffix = "/2";

    /// <summary>One message type: its manifest, how its fields are written, how they are read.</summary>
    private sealed record Entry(Type Type, string Manifest, Action<FieldWriter, object> Write, Func<FieldReader, TaggedFormat, object> Read);

    private static Entry Of<T>(string manifest, Action<FieldWriter, T> write, Func<FieldReader, T> read) where T : notnull =>
        new(typeof(T), manifest, (w, m) => write(w, (T)m), (f, _) => read(f));

    /// <summary>A message that carries an actor reference, resolved by this node's actor system when read.</summary>
    private static Entry Of<T>(string manifest, Action<FieldWriter, T> write, Func<FieldReader, TaggedFormat, T> read) where T : notnull =>
        new(typeof(T), manifest, (w, m) => write(w, (T)m), (f, format) => read(f, format));

    private static readonly Entry[] Table =
    [
        Of<StoreBankSlice>("SS/2", (w, m) => w.String(1, m.EntityId).Int(2, m.ChunkIndex).Int(3, m.ChunkCount).Int(4, m.GlobalOffset).Block(5, m.Rows),
            f => new StoreBankSlice(f.String(1), f.Int32(2), f.Int32(3), f.Int64(4), f.Block(5))),
        Of<BankSliceStored>("SA/2", (w, m) => w.String(1, m.EntityId).Int(2, m.ChunkIndex), f => new BankSliceStored(f.String(1), f.Int32(2))),
        Of<QueryNearest>("QN/2",
            (w, m) => w.String(1, m.EntityId).Int(2, m.QueryId).Block(3, m.Queries).Int(4, m.K).String(5, m.Precision).Int(6, m.PatchesPerFrame).Int(7, m.SupportK),
            f => new QueryNearest(f.String(1), f.Int64(2), f.Block(3), f.Int32(4), f.String(5, FeatureFormats.Float32), f.Int32(6), f.Int32(7))),
        Of<QueryNearestOfFrames>("QF/2",
            (w, m) => w.String(1, m.EntityId).Int(2, m.QueryId).String(3, m.Line).String(4, m.Version).Messages(5, m.Frames, Captured).Int(6, m.K).String(7, m.Precision)
                .Int(8, m.PatchesPerFrame).Int(9, m.SupportK),
            f => new QueryNearestOfFrames(f.String(1), f.Int64(2), f.String(3), f.String(4), f.Messages(5).Select(Captured).ToList(), f.Int32(6),
                f.String(7, FeatureFormats.Float32), f.Int32(8), f.Int32(9))),
        Of<FramesNotExtracted>("FX/2", (w, m) => w.String(1, m.EntityId).Int(2, m.QueryId).String(3, m.Reason), f => new FramesNotExtracted(f.String(1), f.Int64(2), f.String(3))),
        Of<NearestAnswer>("NA/2",
            (w, m) => w.String(1, m.EntityId).Int(2, m.QueryId).Int(3, m.K).Packed(4, m.Distances).Packed(5, m.Indices).Message(6, m.Support, WriteSupport),
            f => new NearestAnswer(f.String(1), f.Int64(2), f.Int32(3), f.Packed<float>(4), f.Packed<long>(5), f.Message(6) is { } s ? ReadSupport(s) : null)),
        Of<QueryRows>("QR/2", (w, m) => w.String(1, m.EntityId).Int(2, m.QueryId).Packed(3, m.Indices), f => new QueryRows(f.String(1), f.Int64(2), f.Packed<long>(3))),
        Of<RowsAnswer>("RA/2", (w, m) => w.String(1, m.EntityId).Int(2, m.QueryId).Packed(3, m.Indices).Block(4, m.Rows),
            f => new RowsAnswer(f.String(1), f.Int64(2), f.Packed<long>(3), f.Block(4))),
        Of<QuerySupport>("QS/2", (w, m) => w.String(1, m.EntityId).Int(2, m.QueryId).Block(3, m.Centers).Block(4, m.Patches).Int(5, m.K).String(6, m.Precision),
            f => new QuerySupport(f.String(1), f.Int64(2), f.Block(3), f.Block(4), f.Int32(5), f.String(6, FeatureFormats.Float32))),
        Of<SupportAnswer>("SX/2", WriteSupport, ReadSupport),
        Of<ShardUnavailable>("SU/2", (w, m) => w.String(1, m.EntityId).Int(2, m.QueryId).String(3, m.Reason), f => new ShardUnavailable(f.String(1), f.Int64(2), f.String(3))),
        Of<GetShardState>("GS/2", (w, m) => w.String(1, m.EntityId), f => new GetShardState(f.String(1))),
        Of<ShardState>("ST/2",
            (w, m) => w.String(1, m.EntityId).String(2, m.Address).Int(3, m.ChunksStored).Int(4, m.ChunkCount).Int(5, m.Rows).Int(6, m.GlobalOffset).String(7, m.Device),
            f => new ShardState(f.String(1), f.String(2), f.Int32(3), f.Int32(4), f.Int64(5), f.Int64(6), f.String(7))),
        Of<BankSliceChunk>("BC/2", (w, m) => w.Int(1, m.ChunkIndex).Int(2, m.ChunkCount).Int(3, m.GlobalOffset).Block(4, m.Rows),
            f => new BankSliceChunk(f.Int32(1), f.Int32(2), f.Int64(3), f.Block(4))),
        Of<ShardSnapshot>("SN/2", (w, m) => w.Int(1, m.ChunkCount).Int(2, m.GlobalOffset).Block(3, m.Rows), f => new ShardSnapshot(f.Int32(1), f.Int64(2), f.Block(3))),
        Of<ShardErased>("SE/2", (_, _) => { }, _ => new ShardErased()),
        Of<ReadSlice>("RS/2", (w, m) => w.String(1, m.EntityId).Int(2, m.From).Int(3, m.MaxRows), f => new ReadSlice(f.String(1), f.Int64(2), f.Int32(3))),
        Of<RetireSlice>("RT/2", (w, m) => w.String(1, m.EntityId), f => new RetireSlice(f.String(1))),
        Of<SliceContents>("SC/2", (w, m) => w.String(1, m.EntityId).Int(2, m.GlobalOffset).Block(3, m.Rows).Int(4, m.SliceRows),
            f => new SliceContents(f.String(1), f.Int64(2), f.Block(3), f.Int64(4))),
        Of<ModelDeployment>("MD/2", Deployment, Deployment),
        Of<ScoreFrames>("SF/2", (w, m) => w.Messages(1, m.Frames, Frame).Block(2, m.Patches), f => new ScoreFrames(f.Messages(1).Select(Frame).ToList(), f.Block(2))),
        Of<InspectionResult>("IR/2",
            (w, m) => w.Message(1, m.Frame, Frame).String(2, m.ModelVersion).Float(3, m.Score).Float(4, m.NormalisedScore).Bool(5, m.Defective)
                .String(6, m.Error).Double(7, m.LatencyMs).Block(8, m.AnomalyMap).Bool(9, m.Retryable).String(10, m.ImagesAt)
                .Int(11, m.ImagesBytes).String(12, m.ImagesNotKept),
            f => new InspectionResult(Frame(f.RequiredMessage(1, "frame")), f.String(2), f.Float(3), f.Float(4), f.Bool(5), f.OptionalString(6), f.Double(7),
                f.OptionalBlock(8), f.Bool(9), f.OptionalString(10), f.Int64(11), f.OptionalString(12))),
        Of<FrameId>("FI/2", Frame, Frame),
        Of<FeatureBlock>("FB/2", (w, m) => w.Int(1, m.Rows).Int(2, m.Columns).Int(3, (long)m.Precision).Bytes(4, m.Data), f => f.AsBlock()),
        Of<ActivateModel>("AM/2", (w, m) => w.Message(1, m.Deployment, Deployment), f => new ActivateModel(Deployment(f.RequiredMessage(1, "deployment")))),
        Of<ModelActivated>("MA/2", (w, m) => w.String(1, m.Line).String(2, m.Version), f => new ModelActivated(f.String(1), f.String(2))),
        Of<RegisterLine>("RL/2", (w, m) => w.String(1, m.Line), f => new RegisterLine(f.String(1))),
        Of<LineRegistered>("LR/2", (w, m) => w.String(1, m.Line), f => new LineRegistered(f.String(1))),
        Of<GetDeployment>("GD/2", (w, m) => w.String(1, m.Line), f => new GetDeployment(f.String(1))),
        Of<NoDeployment>("ND/2", (w, m) => w.String(1, m.Line).Bool(2, m.Known).String(3, m.Reason), f => new NoDeployment(f.String(1), f.Bool(2), f.String(3))),
        Of<ListLines>("LL/2", (_, _) => { }, _ => new ListLines()),
        Of<LineSummary>("LS/2", Summary, Summary),
        Of<LineList>("LT/2", (w, m) => w.Messages(1, m.Lines, Summary), f => new LineList(f.Messages(1).Select(Summary).ToList())),
        Of<NextVersion>("NV/2", (w, m) => w.String(1, m.Line), f => new NextVersion(f.String(1))),
        Of<VersionName>("VN/2", (w, m) => w.String(1, m.Line).String(2, m.Version), f => new VersionName(f.String(1), f.String(2))),
        Of<GetModels>("GM/2", (w, m) => w.String(1, m.Line), f => new GetModels(f.String(1))),
        Of<ModelVersions>("MV/2", (w, m) => w.String(1, m.Line).Bool(2, m.Known).String(3, m.Active).Messages(4, m.Versions, Deployment).String(5, m.Shadow)
                .Double(6, m.ShadowSample),
            f => new ModelVersions(f.String(1), f.Bool(2), f.OptionalString(3), f.Messages(4).Select(Deployment).ToList(), f.OptionalString(5), f.Double(6))),
        Of<VersionsDropped>("VD/2", (w, m) => w.String(1, m.Line).Strings(2, m.Versions).Packed(3, m.ShardCounts.ToArray()),
            f => new VersionsDropped(f.String(1), f.Strings(2), f.Packed<int>(3))),
        Of<SetShadow>("HS/2", (w, m) => w.String(1, m.Line).String(2, m.Version).Double(3, m.Sample).String(4, m.By),
            f => new SetShadow(f.String(1), f.OptionalString(2), f.Double(3), f.String(4))),
        Of<ShadowSet>("HD/2", (w, m) => w.String(1, m.Line).String(2, m.Version).Double(3, m.Sample).String(4, m.By).Int(5, m.At.UtcTicks),
            f => new ShadowSet(f.String(1), f.OptionalString(2), f.Double(3), f.String(4), Time(f.Int64(5)))),
        Of<ShadowRefused>("HR/2", (w, m) => w.String(1, m.Line).String(2, m.Reason), f => new ShadowRefused(f.String(1), f.String(2))),
        Of<DeploymentChanged>("DC/2", (w, m) => w.Message(1, m.Deployment, Deployment), f => new DeploymentChanged(Deployment(f.RequiredMessage(1, "deployment")))),
        Of<LineAdded>("LA/2", (w, m) => w.String(1, m.Line), f => new LineAdded(f.String(1))),
        Of<GetJournalStamp>("GJ/2", (_, _) => { }, _ => new GetJournalStamp()),
        Of<JournalStamp>("JS/2", (w, m) => w.String(1, m.Id), f => new JournalStamp(f.String(1))),
        Of<CapturedFrame>("CF/2", Captured, Captured),
        Of<PartTimedOut>("PT/2", (w, m) => w.String(1, m.Id).String(2, m.Line).String(3, m.Camera).String(4, m.Part).String(5, m.Means).String(6, m.Reason)
                .Int(7, m.TriggeredAt.UtcTicks).Int(8, m.At.UtcTicks),
            f => new PartTimedOut(f.String(1), f.String(2), f.String(3), f.String(4), f.String(5), f.String(6), Time(f.Int64(7)), Time(f.Int64(8)))),
        Of<FrameAccepted>("FA/2", (w, m) => w.Message(1, m.Frame, Frame).String(2, m.ResultId),
            f => new FrameAccepted(Frame(f.RequiredMessage(1, "frame")), f.OptionalString(2))),
        Of<FrameLost>("FL/2", (w, m) => w.Message(1, m.Frame, Frame).String(2, m.ResultId).String(3, m.Reason),
            f => new FrameLost(Frame(f.RequiredMessage(1, "frame")), f.String(2), f.String(3))),
        Of<FrameRejected>("FR/2", (w, m) => w.Message(1, m.Frame, Frame).String(2, m.Reason), f => new FrameRejected(Frame(f.RequiredMessage(1, "frame")), f.String(2))),
        Of<ExtractFrames>("EF/2", (w, m) => w.String(1, m.Line).String(2, m.Version).Messages(3, m.Frames, Captured),
            f => new ExtractFrames(f.String(1), f.String(2), f.Messages(3).Select(Captured).ToList())),
        Of<StoredResult>("SR/2",
            (w, m) => w.Message(1, m.Frame, Frame).String(2, m.Source).String(3, m.ModelVersion).Float(4, m.Score).Float(5, m.NormalisedScore)
                .Bool(6, m.Defective).String(7, m.Error).Double(8, m.LatencyMs).String(9, m.HeatmapPath).Int(10, m.CompletedAt.UtcTicks)
                .String(11, m.ResultId).String(12, m.ClientKey).Int(13, m.ReceivedAt.UtcTicks).String(14, m.Warning).Int(15, m.ImagesBytes)
                .String(16, m.ImagesNotKept).Float(17, m.Threshold).String(18, m.ThresholdMethod).String(19, m.Part).Bool(20, m.Late),
            f => new StoredResult(Frame(f.RequiredMessage(1, "frame")), f.String(2), f.String(3), f.Float(4), f.Float(5), f.Bool(6), f.OptionalString(7),
                f.Double(8), f.OptionalString(9), Time(f.Int64(10)), f.String(11), f.OptionalString(12), Time(f.Int64(13)), f.OptionalString(14), f.Int64(15),
                f.OptionalString(16), f.Has(17) ? f.Float(17) : float.NaN, f.OptionalString(18), f.OptionalString(19), f.Bool(20))),
        Of<CameraStats>("CS/2", Camera, Camera),
        Of<CameraReport>("CR/2", (w, m) => w.String(1, m.Node).Messages(2, m.Cameras, Camera).Message(3, m.Plc, PlcOf).Int(4, m.At.UtcTicks),
            f => new CameraReport(f.String(1), f.Messages(2).Select(Camera).ToList(), f.Message(3) is { } plc ? PlcOf(plc) : null, Time(f.Int64(4)))),
        Of<GetCameraStats>("GC/2", (_, _) => { }, _ => new GetCameraStats()),
        Of<LineStats>("LX/2",
            (w, m) => w.String(1, m.Line).String(2, m.Version).Int(3, m.Accepted).Int(4, m.Rejected).Int(5, m.Scored).Int(6, m.Failed).Int(7, m.InFlight)
                .Int(8, m.Flagged),
            f => new LineStats(f.String(1), f.OptionalString(2), f.Int64(3), f.Int64(4), f.Int64(5), f.Int64(6), f.Int32(7), f.Int64(8))),
        Of<GetLineStats>("GL/2", (w, m) => w.String(1, m.Line), f => new GetLineStats(f.String(1))),
        Of<LineCounters>("LK/2", (w, m) => w.Int(1, m.Scored).Int(2, m.Failed).Int(3, m.Flagged), f => new LineCounters(f.Int64(1), f.Int64(2), f.Int64(3))),
        Of<TrainLine>("TL/2",
            (w, m) => w.String(1, m.Line).String(2, m.DataFolder).Int(3, m.Shards).Message(4, m.Settings, Settings).String(5, m.JobId).String(6, Path(m.ProgressTo))
                .String(7, m.By),
            (f, format) => new TrainLine(f.String(1), f.String(2), f.Int32(3), f.Message(4) is { } s ? Settings(s) : null, f.OptionalString(5),
                format.Ref(f.OptionalString(6)), f.OptionalString(7))),
        Of<TrainingProgressed>("TG/2", (w, m) => w.String(1, m.JobId).String(2, m.Stage).Int(3, m.Done).Int(4, m.Total),
            f => new TrainingProgressed(f.String(1), f.String(2), f.Int64(3), f.Int64(4))),
        Of<CancelTraining>("CT/2", (w, m) => w.String(1, m.JobId), f => new CancelTraining(f.String(1))),
        Of<TrainingCompleted>("TC/2",
            (w, m) => w.String(1, m.Line).String(2, m.Version).Int(3, m.TrainImages).Int(4, m.BankSize).Int(5, m.Shards).Double(6, m.Seconds)
                .Packed(7, m.HeldOutGood).Packed(8, m.HeldOutDefective),
            f => new TrainingCompleted(f.String(1), f.String(2), f.Int32(3), f.Int64(4), f.Int32(5), f.Double(6), f.Packed<float>(7), f.Packed<float>(8))),
        Of<TrainingFailed>("TF/2", (w, m) => w.String(1, m.Line).String(2, m.Reason).Bool(3, m.Cancelled), f => new TrainingFailed(f.String(1), f.String(2), f.Bool(3))),
        Of<AddGoodImages>("AG/2", (w, m) => w.String(1, m.Line).Strings(2, m.Files).String(3, m.JobId).String(4, Path(m.ProgressTo)).String(5, m.By),
            (f, format) => new AddGoodImages(f.String(1), f.Strings(2), f.OptionalString(3), format.Ref(f.OptionalString(4)), f.OptionalString(5))),
        Of<SetReplicas>("SP/2", (w, m) => w.String(1, m.Line).Int(2, m.Replicas).String(3, m.JobId).String(4, Path(m.ProgressTo)),
            (f, format) => new SetReplicas(f.String(1), f.Int32(2), f.OptionalString(3), format.Ref(f.OptionalString(4)))),
        Of<ActivateVersion>("AV/2", (w, m) => w.String(1, m.Line).String(2, m.Version).String(3, m.By).String(4, m.JobId).String(5, Path(m.ProgressTo)),
            (f, format) => new ActivateVersion(f.String(1), f.String(2), f.OptionalString(3), f.OptionalString(4), format.Ref(f.OptionalString(5)))),
        Of<ExtractTrainingPatches>("ET/2",
            (w, m) => w.Int(1, m.RequestId).String(2, m.Backbone).Strings(3, m.Layers).String(4, m.BackboneWeights).String(5, m.Precision).Int(6, m.ImageSize)
                .Messages(7, m.Images, Captured).Int(8, m.ImageWidth),
            f => new ExtractTrainingPatches(f.Int64(1), f.String(2), f.Strings(3).ToArray(), f.OptionalString(4), f.String(5, FeatureFormats.Float32), f.Int32(6),
                f.Messages(7).Select(Captured).ToList(), f.Int32(8))),
        Of<TrainingPatches>("TP/2",
            (w, m) => w.Int(1, m.RequestId).Int(2, m.Images).Int(3, m.PatchesPerImage).Block(4, m.Patches).Strings(5, m.Errors).String(6, m.Address),
            f => new TrainingPatches(f.Int64(1), f.Int32(2), f.Int32(3), f.OptionalBlock(4), f.Strings(5), f.String(6))),
        Of<GetExtractorStats>("GE/2", (_, _) => { }, _ => new GetExtractorStats()),
        Of<ExtractorStats>("ES/2", (w, m) => w.String(1, m.Address).Int(2, m.TrainingBatches).Int(3, m.Frames), f => new ExtractorStats(f.String(1), f.Int64(2), f.Int64(3))),
        Of<ConfigureLine>("CL/2", (w, m) => w.String(1, m.Line).Message(2, m.Settings, Settings),
            f => new ConfigureLine(f.String(1), Settings(f.RequiredMessage(2, "settings")))),
        Of<LineConfigured>("LC/2", (w, m) => w.String(1, m.Line).Message(2, m.Settings, Settings),
            f => new LineConfigured(f.String(1), Settings(f.RequiredMessage(2, "settings")))),
        Of<DeleteLine>("DL/2", (w, m) => w.String(1, m.Line), f => new DeleteLine(f.String(1))),
        Of<LineDeleted>("LD/2", (w, m) => w.String(1, m.Line).Bool(2, m.Existed), f => new LineDeleted(f.String(1), f.Bool(2))),
        Of<SetThreshold>("TS/2", (w, m) => w.String(1, m.Line).Float(2, m.Score).String(3, m.By), f => new SetThreshold(f.String(1), f.Float(2), f.String(3))),
        Of<ThresholdSet>("TH/2", Threshold, Threshold),
        Of<GetLine>("GN/2", (w, m) => w.String(1, m.Line), f => new GetLine(f.String(1))),
        Of<LineDetails>("LN/2",
            (w, m) => w.String(1, m.Line).Bool(2, m.Known).Message(3, m.Settings, Settings).Message(4, m.Deployment, Deployment).Messages(5, m.Thresholds, Threshold),
            f => new LineDetails(f.String(1), f.Bool(2), Settings(f.RequiredMessage(3, "settings")), f.Message(4) is { } d ? Deployment(d) : null,
                f.Messages(5).Select(Threshold).ToList())),
        Of<SinkOffset>("SO/2", (w, m) => w.Int(1, m.SequenceNr), f => new SinkOffset(f.Int64(1))),
        Of<CameraFrameIdsReserved>("KR/2", (w, m) => w.Int(1, m.UpTo), f => new CameraFrameIdsReserved(f.Int64(1))),
        Of<CameraFileInspected>("KI/2", (w, m) => w.Message(1, m.File, File), f => new CameraFileInspected(File(f.RequiredMessage(1, "file")))),
        Of<GetResultImage>("GI/2", (w, m) => w.String(1, m.OverlayPath).Int(2, (long)m.Kind), f => new GetResultImage(f.String(1), (ResultImageKind)f.Int32(2))),
        Of<ResultImageAnswer>("IA/2",
            (w, m) => w.String(1, m.OverlayPath).Int(2, (long)m.Kind).Bool(3, m.Held).OptionalBytes(4, m.Bytes).String(5, m.FileName).String(6, m.Problem),
            f => new ResultImageAnswer(f.String(1), (ResultImageKind)f.Int32(2), f.Bool(3), f.Has(4) ? f.Bytes(4) : null, f.OptionalString(5), f.OptionalString(6))),
        Of<ForgetResultImages>("FG/2", (w, m) => w.String(1, m.Line).Strings(2, m.Paths).Int(3, m.Before.UtcTicks),
            f => new ForgetResultImages(f.String(1), f.Strings(2), Time(f.Int64(3)))),
        Of<CameraState>("KS/2", (w, m) => w.Int(1, m.ReservedUpTo).Messages(2, m.Inspected, File), f => new CameraState(f.Int64(1), f.Messages(2).Select(File).ToList())),
    ];

    private static readonly Dictionary<Type, Entry> ByType = Table.ToDictionary(e => e.Type);
    private static readonly Dictionary<string, Entry> ByManifest = Table.ToDictionary(e => e.Manifest, StringComparer.Ordinal);

    /// <summary>Every message type, in the table's order.</summary>
    public static IEnumerable<Type> MessageTypes => Table.Select(e => e.Type);

    public static string Manifest(object message) => EntryFor(message).Manifest;

    public byte[] Write(object message)
    {
        var entry = EntryFor(message);
        using var w = new FieldWriter(256 + PayloadBytes(message));
        entry.Write(w, message);
        return w.ToArray();
    }

    public object Read(string manifest, byte[] bytes) =>
        ByManifest.TryGetValue(manifest, out var entry) ? entry.Read(FieldReader.Parse(bytes), this)
        : manifest.EndsWith(Suffix, StringComparison.Ordinal) ? throw new SerializationException($"Unknown Inspection message manifest '{manifest}'.")
        : throw new SerializationException($"Manifest '{manifest}' has no '{Suffix}' suffix: it is of wire version 1, the positional format of early builds, which is no longer read.");

    private static Entry EntryFor(object message) =>
        ByType.TryGetValue(message.GetType(), out var entry) ? entry : throw new ArgumentException($"{message.GetType()} is not an Inspection message.");

    private static void Frame(FieldWriter w, FrameId f) => w.String(1, f.Line).String(2, f.Camera).Int(3, f.Sequence);

    private static FrameId Frame(FieldReader f) => new(f.String(1), f.String(2), f.Int64(3));

    private static void WriteSupport(FieldWriter w, SupportAnswer m) =>
        w.String(1, m.EntityId).Int(2, m.QueryId).Int(3, m.K).Packed(4, m.CenterDistances).Packed(5, m.Indices).Packed(6, m.PatchDistances);

    private static SupportAnswer ReadSupport(FieldReader f) => new(f.String(1), f.Int64(2), f.Int32(3), f.Packed<float>(4), f.Packed<long>(5), f.Packed<float>(6));

    private static void Camera(FieldWriter w, CameraStats m) =>
        w.String(1, m.Line).String(2, m.Camera).Int(3, m.Captured).Int(4, m.Accepted).Int(5, m.Dropped).Int(6, m.Results).Int(7, m.Failed)
            .Bool(8, m.Finished).String(9, m.Source).Bool(10, m.Connected).Double(11, m.FramesPerSecond).Int(12, m.LastFrameAt?.UtcTicks ?? 0)
            .String(13, m.LastError).Int(14, m.Reconnects);

    private static CameraStats Camera(FieldReader f) =>
        new(f.String(1), f.String(2), f.Int64(3), f.Int64(4), f.Int64(5), f.Int64(6), f.Int64(7), f.Bool(8), f.OptionalString(9),
            f.Bool(10), f.Double(11), f.Int64(12) > 0 ? Time(f.Int64(12)) : null, f.OptionalString(13), f.Int64(14));

    private static void PlcOf(FieldWriter w, PlcStats m) =>
        w.String(1, m.Endpoint).Int(2, m.Requests).Int(3, m.LastRequestAt?.UtcTicks ?? 0).Bool(4, m.Silent).Messages(5, m.Cameras, PlcCameraOf)
            .String(6, m.Mqtt?.Text).Bool(7, m.Mqtt?.Subscribed ?? false);

    private static PlcStats PlcOf(FieldReader f) =>
        new(f.OptionalString(1), f.Int64(2), f.Int64(3) > 0 ? Time(f.Int64(3)) : null, f.Bool(4), f.Messages(5).Select(PlcCameraOf).ToList(),
            f.OptionalString(6) is { } mqtt ? new MqttPlcBridge.State(mqtt, f.Bool(7)) : null);

    private static void PlcCameraOf(FieldWriter w, PlcCameraStats m) =>
        w.String(1, m.Line).String(2, m.Camera).Int(3, m.Parts).Int(4, m.Ok).Int(5, m.Ng).Int(6, m.Hold).Int(7, m.Timeouts).Int(8, m.Failures)
            .Int(9, m.Refused).Int(10, m.Late).Bool(11, m.Busy).Bool(12, m.Unacknowledged).String(13, m.LastPart);

    private static PlcCameraStats PlcCameraOf(FieldReader f) =>
        new(f.String(1), f.String(2), f.Int64(3), f.Int64(4), f.Int64(5), f.Int64(6), f.Int64(7), f.Int64(8), f.Int64(9), f.Int64(10), f.Bool(11),
            f.Bool(12), f.OptionalString(13));

    private static void Captured(FieldWriter w, CapturedFrame m) =>
        w.Message(1, m.Frame, Frame).Bytes(2, m.Encoded).String(3, m.Source).String(4, m.ResultId).String(5, m.ClientKey).Int(6, (long)m.Images)
            .String(7, m.Part).Int(8, m.PartDeadline.UtcTicks);

    private static CapturedFrame Captured(FieldReader f) =>
        new(Frame(f.RequiredMessage(1, "frame")), f.Bytes(2), f.String(3), f.OptionalString(4), f.OptionalString(5), (ImagePolicy)f.Int32(6),
            f.OptionalString(7), Time(f.Int64(8)));

    private static void Settings(FieldWriter w, LineSettings s) =>
        w.String(1, s.Backbone).Int(2, s.ImageSize).Double(3, s.CoresetRatio).Int(4, s.Shards).String(5, s.ThresholdPolicy).String(6, s.Webhook)
            .Bool(7, s.Mqtt).Int(8, s.Replicas).Int(9, s.ImageWidth).Int(10, s.AutoImagePixels).Bool(11, s.RefuseAspectMismatch)
            .Bool(12, s.Tiled).Int(13, s.TileOverlap).Double(14, s.KeepDays).Double(15, s.KeepFlaggedDays).Int(16, s.KeepMegabytes)
            .Double(17, s.FalseRejectTarget).Int(18, s.KeepVersions);

    private static LineSettings Settings(FieldReader f) =>
        new(f.String(1), f.Int32(2), f.Double(3), f.Int32(4), f.String(5, LineSettings.CalibratedPolicy), f.OptionalString(6), f.Bool(7), f.Int32(8), f.Int32(9), f.Int32(10), f.Bool(11),
            f.Bool(12), f.Int32(13), f.Double(14), f.Double(15), f.Int64(16), f.Double(17), f.Int32(18));

    private static void Deployment(FieldWriter w, ModelDeployment m) =>
        w.String(1, m.Line).String(2, m.Version).Int(3, m.ShardCount).Int(4, m.BankSize).Int(5, m.Dimensions).Int(6, m.NumNeighbors)
            .String(7, m.Backbone).Strings(8, m.Layers).String(9, m.BackboneWeights).Int(10, m.ImageSize).Int(11, m.PatchGrid).Double(12, m.BlurSigma)
            .Float(13, m.ImageThreshold).Float(14, m.ImageMin).Float(15, m.ImageMax).Float(16, m.PixelThreshold).Float(17, m.PixelMin).Float(18, m.PixelMax)
            .String(19, m.Precision).String(20, m.KnnPrecision).Int(21, m.Replicas).Int(22, m.ImageWidth).Int(23, m.PatchColumns).Double(24, m.TrainingAspect)
            .Bool(25, m.Tiled).Int(26, m.TileOverlap).Double(27, m.CoresetRatio).Int(28, m.ProjectionDimensions).Int(29, m.Seed)
            .Int(30, m.TrainingImages).Int(31, m.TrainedAt.UtcTicks).Packed(32, m.HeldOutGood ?? []).String(33, m.ThresholdMethod)
            .String(34, m.Source).String(35, m.CreatedBy).Message(36, m.Shadow, Deployment).Double(37, m.ShadowSample);

    private static ModelDeployment Deployment(FieldReader f) =>
        new(f.String(1), f.String(2), f.Int32(3), f.Int64(4), f.Int32(5), f.Int32(6), f.String(7), f.Strings(8).ToArray(), f.OptionalString(9),
            f.Int32(10), f.Int32(11), f.Double(12), f.Float(13), f.Float(14), f.Float(15), f.Float(16), f.Float(17), f.Float(18),
            f.String(19, FeatureFormats.Float32), f.OptionalString(20), f.Int32(21, 1), f.Int32(22), f.Int32(23), f.Double(24), f.Bool(25), f.Int32(26),
            f.Double(27), f.Int32(28), f.Int32(29), f.Int32(30), Time(f.Int64(31)), Optional(f.Packed<float>(32)), f.OptionalString(33),
            f.OptionalString(34), f.OptionalString(35), f.Message(36) is { } shadow ? Deployment(shadow) : null, f.Double(37));

    private static void Summary(FieldWriter w, LineSummary m) =>
        w.String(1, m.Line).String(2, m.Version).Int(3, m.ShardCount).Int(4, m.BankSize).Float(5, m.ImageThreshold);

    private static LineSummary Summary(FieldReader f) => new(f.String(1), f.OptionalString(2), f.Int32(3), f.Int64(4), f.Float(5));

    private static void Threshold(FieldWriter w, ThresholdSet t) => w.String(1, t.Line).Float(2, t.Score).String(3, t.By).Int(4, t.At.UtcTicks);

    private static ThresholdSet Threshold(FieldReader f) => new(f.String(1), f.Float(2), f.String(3), Time(f.Int64(4)));

    private static void File(FieldWriter w, CameraFile f) => w.String(1, f.Name).Int(2, f.Length).Int(3, f.WrittenTicks);

    private static CameraFile File(FieldReader f) => new(f.String(1), f.Int64(2), f.Int64(3));

    private static DateTimeOffset Time(long utcTicks) => new(utcTicks, TimeSpan.Zero);

    /// <summary>Null for none: a field an earlier build did not write reads as empty.</summary>
    private static T[]? Optional<T>(T[] values) => values.Length == 0 ? null : values;

    private static string? Path(IActorRef? actor) => actor == null ? null : Akka.Serialization.Serialization.SerializedActorPath(actor);

    private IActorRef? Ref(string? path) => path is null ? null : system.Provider.ResolveActorRef(path);

    /// <summary>Bytes of the large fields, so the output buffer is sized once instead of grown by copying.</summary>
    private static int PayloadBytes(object message) => message switch
    {
        StoreBankSlice m => m.Rows.Data.Length,
        QueryNearest m => m.Queries.Data.Length,
        QueryNearestOfFrames m => m.Frames.Sum(f => f.Encoded.Length + 64),
        RowsAnswer m => m.Rows.Data.Length,
        QuerySupport m => m.Centers.Data.Length + m.Patches.Data.Length,
        BankSliceChunk m => m.Rows.Data.Length,
        ShardSnapshot m => m.Rows.Data.Length,
        SliceContents m => m.Rows.Data.Length,
        ScoreFrames m => m.Patches.Data.Length + 64 * m.Frames.Count,
        InspectionResult m => m.AnomalyMap?.Data.Length ?? 0,
        ResultImageAnswer m => m.Bytes?.Length ?? 0,
        FeatureBlock m => m.Data.Length,
        CapturedFrame m => m.Encoded.Length,
        ExtractFrames m => m.Frames.Sum(f => f.Encoded.Length + 64),
        ExtractTrainingPatches m => m.Images.Sum(f => f.Encoded.Length + 64),
        TrainingPatches m => m.Patches?.Data.Length ?? 0,
        _ => 0,
    };
}
