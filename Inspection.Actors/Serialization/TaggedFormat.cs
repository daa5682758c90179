using Akka.Actor;
using Inspection.Actors.Messages;

namespace Inspection.Actors.Serialization;

/// <summary>
/// Wire version 2: every message as numbered fields in protobuf's wire format (see <see cref="FieldWriter"/>). Field
/// numbers follow each type's constructor order from 1; a field added later takes the next free number and a reader
/// default, and a number is never reused, so nodes of neighbouring versions read each other's messages and journals.
/// </summary>
internal sealed class TaggedFormat(ExtendedActorSystem system)
{
    public byte[] Write(object message)
    {
        using var w = new FieldWriter(256 + PayloadBytes(message));
        Write(w, message);
        return w.ToArray();
    }

    private void Write(FieldWriter w, object message)
    {
        switch (message)
        {
            case StoreBankSlice m: w.String(1, m.EntityId).Int(2, m.ChunkIndex).Int(3, m.ChunkCount).Int(4, m.GlobalOffset).Block(5, m.Rows); break;
            case BankSliceStored m: w.String(1, m.EntityId).Int(2, m.ChunkIndex); break;
            case QueryNearest m: w.String(1, m.EntityId).Int(2, m.QueryId).Block(3, m.Queries).Int(4, m.K).String(5, m.Precision); break;
            case QueryNearestOfFrames m:
                w.String(1, m.EntityId).Int(2, m.QueryId).String(3, m.Line).String(4, m.Version).Messages(5, m.Frames, Captured).Int(6, m.K).String(7, m.Precision);
                break;
            case FramesNotExtracted m: w.String(1, m.EntityId).Int(2, m.QueryId).String(3, m.Reason); break;
            case NearestAnswer m: w.String(1, m.EntityId).Int(2, m.QueryId).Int(3, m.K).Packed(4, m.Distances).Packed(5, m.Indices); break;
            case QueryRows m: w.String(1, m.EntityId).Int(2, m.QueryId).Packed(3, m.Indices); break;
            case RowsAnswer m: w.String(1, m.EntityId).Int(2, m.QueryId).Packed(3, m.Indices).Block(4, m.Rows); break;
            case QuerySupport m: w.String(1, m.EntityId).Int(2, m.QueryId).Block(3, m.Centers).Block(4, m.Patches).Int(5, m.K).String(6, m.Precision); break;
            case SupportAnswer m:
                w.String(1, m.EntityId).Int(2, m.QueryId).Int(3, m.K).Packed(4, m.CenterDistances).Packed(5, m.Indices).Packed(6, m.PatchDistances);
                break;
            case ShardUnavailable m: w.String(1, m.EntityId).Int(2, m.QueryId).String(3, m.Reason); break;
            case GetShardState m: w.String(1, m.EntityId); break;
            case ShardState m:
                w.String(1, m.EntityId).String(2, m.Address).Int(3, m.ChunksStored).Int(4, m.ChunkCount).Int(5, m.Rows).Int(6, m.GlobalOffset).String(7, m.Device);
                break;
            case BankSliceChunk m: w.Int(1, m.ChunkIndex).Int(2, m.ChunkCount).Int(3, m.GlobalOffset).Block(4, m.Rows); break;
            case ShardSnapshot m: w.Int(1, m.ChunkCount).Int(2, m.GlobalOffset).Block(3, m.Rows); break;
            case ReadSlice m: w.String(1, m.EntityId).Int(2, m.From).Int(3, m.MaxRows); break;
            case RetireSlice m: w.String(1, m.EntityId); break;
            case SliceContents m: w.String(1, m.EntityId).Int(2, m.GlobalOffset).Block(3, m.Rows).Int(4, m.SliceRows); break;
            case ModelDeployment m: Deployment(w, m); break;
            case ScoreFrames m: w.Messages(1, m.Frames, Frame).Block(2, m.Patches); break;
            case InspectionResult m:
                w.Message(1, m.Frame, Frame).String(2, m.ModelVersion).Float(3, m.Score).Float(4, m.NormalisedScore).Bool(5, m.Defective)
                    .String(6, m.Error).Double(7, m.LatencyMs).Block(8, m.AnomalyMap).Bool(9, m.Retryable);
                break;
            case FrameId m: Frame(w, m); break;
            case FeatureBlock m: w.Int(1, m.Rows).Int(2, m.Columns).Int(3, (long)m.Precision).Bytes(4, m.Data); break;
            case ActivateModel m: w.Message(1, m.Deployment, Deployment); break;
            case ModelActivated m: w.String(1, m.Line).String(2, m.Version); break;
            case RegisterLine m: w.String(1, m.Line); break;
            case LineRegistered m: w.String(1, m.Line); break;
            case GetDeployment m: w.String(1, m.Line); break;
            case NoDeployment m: w.String(1, m.Line).Bool(2, m.Known).String(3, m.Reason); break;
            case ListLines: break;
            case LineSummary m: Summary(w, m); break;
            case LineList m: w.Messages(1, m.Lines, Summary); break;
            case NextVersion m: w.String(1, m.Line); break;
            case VersionName m: w.String(1, m.Line).String(2, m.Version); break;
            case DeploymentChanged m: w.Message(1, m.Deployment, Deployment); break;
            case LineAdded m: w.String(1, m.Line); break;
            case GetJournalStamp: break;
            case JournalStamp m: w.String(1, m.Id); break;
            case CapturedFrame m: Captured(w, m); break;
            case FrameAccepted m: w.Message(1, m.Frame, Frame).String(2, m.ResultId); break;
            case FrameRejected m: w.Message(1, m.Frame, Frame).String(2, m.Reason); break;
            case ExtractFrames m: w.String(1, m.Line).String(2, m.Version).Messages(3, m.Frames, Captured); break;
            case StoredResult m:
                w.Message(1, m.Frame, Frame).String(2, m.Source).String(3, m.ModelVersion).Float(4, m.Score).Float(5, m.NormalisedScore)
                    .Bool(6, m.Defective).String(7, m.Error).Double(8, m.LatencyMs).String(9, m.HeatmapPath).Int(10, m.CompletedAt.UtcTicks)
                    .String(11, m.ResultId).String(12, m.ClientKey).Int(13, m.ReceivedAt.UtcTicks).String(14, m.Warning);
                break;
            case CameraStats m:
                w.String(1, m.Line).String(2, m.Camera).Int(3, m.Captured).Int(4, m.Accepted).Int(5, m.Dropped).Int(6, m.Results).Int(7, m.Failed)
                    .Bool(8, m.Finished);
                break;
            case GetCameraStats: break;
            case LineStats m:
                w.String(1, m.Line).String(2, m.Version).Int(3, m.Accepted).Int(4, m.Rejected).Int(5, m.Scored).Int(6, m.Failed).Int(7, m.InFlight)
                    .Int(8, m.Flagged);
                break;
            case GetLineStats m: w.String(1, m.Line); break;
            case LineCounters m: w.Int(1, m.Scored).Int(2, m.Failed).Int(3, m.Flagged); break;
            case TrainLine m:
                w.String(1, m.Line).String(2, m.DataFolder).Int(3, m.Shards).Message(4, m.Settings, Settings).String(5, m.JobId).String(6, Path(m.ProgressTo));
                break;
            case TrainingProgressed m: w.String(1, m.JobId).String(2, m.Stage).Int(3, m.Done).Int(4, m.Total); break;
            case CancelTraining m: w.String(1, m.JobId); break;
            case TrainingCompleted m:
                w.String(1, m.Line).String(2, m.Version).Int(3, m.TrainImages).Int(4, m.BankSize).Int(5, m.Shards).Double(6, m.Seconds)
                    .Packed(7, m.HeldOutGood).Packed(8, m.HeldOutDefective);
                break;
            case TrainingFailed m: w.String(1, m.Line).String(2, m.Reason).Bool(3, m.Cancelled); break;
            case AddGoodImages m: w.String(1, m.Line).Strings(2, m.Files).String(3, m.JobId).String(4, Path(m.ProgressTo)); break;
            case SetReplicas m: w.String(1, m.Line).Int(2, m.Replicas).String(3, m.JobId).String(4, Path(m.ProgressTo)); break;
            case ExtractTrainingPatches m:
                w.Int(1, m.RequestId).String(2, m.Backbone).Strings(3, m.Layers).String(4, m.BackboneWeights).String(5, m.Precision).Int(6, m.ImageSize)
                    .Messages(7, m.Images, Captured).Int(8, m.ImageWidth);
                break;
            case TrainingPatches m:
                w.Int(1, m.RequestId).Int(2, m.Images).Int(3, m.PatchesPerImage).Block(4, m.Patches).Strings(5, m.Errors).String(6, m.Address);
                break;
            case GetExtractorStats: break;
            case ExtractorStats m: w.String(1, m.Address).Int(2, m.TrainingBatches).Int(3, m.Frames); break;
            case ConfigureLine m: w.String(1, m.Line).Message(2, m.Settings, Settings); break;
            case LineConfigured m: w.String(1, m.Line).Message(2, m.Settings, Settings); break;
            case DeleteLine m: w.String(1, m.Line); break;
            case LineDeleted m: w.String(1, m.Line).Bool(2, m.Existed); break;
            case SetThreshold m: w.String(1, m.Line).Float(2, m.Score).String(3, m.By); break;
            case ThresholdSet m: Threshold(w, m); break;
            case GetLine m: w.String(1, m.Line); break;
            case LineDetails m:
                w.String(1, m.Line).Bool(2, m.Known).Message(3, m.Settings, Settings).Message(4, m.Deployment, Deployment).Messages(5, m.Thresholds, Threshold);
                break;
            case SinkOffset m: w.Int(1, m.SequenceNr); break;
            case CameraFrameIdsReserved m: w.Int(1, m.UpTo); break;
            case CameraFileInspected m: w.Message(1, m.File, File); break;
            case CameraState m: w.Int(1, m.ReservedUpTo).Messages(2, m.Inspected, File); break;
            default: throw new ArgumentException($"{message.GetType()} is not an Inspection message.");
        }
    }

    public object Read(string code, byte[] bytes)
    {
        var f = FieldReader.Parse(bytes);
        return code switch
        {
            "SS" => new StoreBankSlice(f.String(1), f.Int32(2), f.Int32(3), f.Int64(4), f.Block(5)),
            "SA" => new BankSliceStored(f.String(1), f.Int32(2)),
            "QN" => new QueryNearest(f.String(1), f.Int64(2), f.Block(3), f.Int32(4), f.String(5, FeatureFormats.Float32)),
            "QF" => new QueryNearestOfFrames(f.String(1), f.Int64(2), f.String(3), f.String(4), f.Messages(5).Select(Captured).ToList(), f.Int32(6),
                f.String(7, FeatureFormats.Float32)),
            "FX" => new FramesNotExtracted(f.String(1), f.Int64(2), f.String(3)),
            "NA" => new NearestAnswer(f.String(1), f.Int64(2), f.Int32(3), f.Packed<float>(4), f.Packed<long>(5)),
            "QR" => new QueryRows(f.String(1), f.Int64(2), f.Packed<long>(3)),
            "RA" => new RowsAnswer(f.String(1), f.Int64(2), f.Packed<long>(3), f.Block(4)),
            "QS" => new QuerySupport(f.String(1), f.Int64(2), f.Block(3), f.Block(4), f.Int32(5), f.String(6, FeatureFormats.Float32)),
            "SX" => new SupportAnswer(f.String(1), f.Int64(2), f.Int32(3), f.Packed<float>(4), f.Packed<long>(5), f.Packed<float>(6)),
            "SU" => new ShardUnavailable(f.String(1), f.Int64(2), f.String(3)),
            "GS" => new GetShardState(f.String(1)),
            "ST" => new ShardState(f.String(1), f.String(2), f.Int32(3), f.Int32(4), f.Int64(5), f.Int64(6), f.String(7)),
            "BC" => new BankSliceChunk(f.Int32(1), f.Int32(2), f.Int64(3), f.Block(4)),
            "SN" => new ShardSnapshot(f.Int32(1), f.Int64(2), f.Block(3)),
            "RS" => new ReadSlice(f.String(1), f.Int64(2), f.Int32(3)),
            "RT" => new RetireSlice(f.String(1)),
            "SC" => new SliceContents(f.String(1), f.Int64(2), f.Block(3), f.Int64(4)),
            "MD" => Deployment(f),
            "SF" => new ScoreFrames(f.Messages(1).Select(Frame).ToList(), f.Block(2)),
            "IR" => new InspectionResult(Frame(f.RequiredMessage(1, "frame")), f.String(2), f.Float(3), f.Float(4), f.Bool(5), f.OptionalString(6), f.Double(7),
                f.OptionalBlock(8), f.Bool(9)),
            "FI" => Frame(f),
            "FB" => f.AsBlock(),
            "AM" => new ActivateModel(Deployment(f.RequiredMessage(1, "deployment"))),
            "MA" => new ModelActivated(f.String(1), f.String(2)),
            "RL" => new RegisterLine(f.String(1)),
            "LR" => new LineRegistered(f.String(1)),
            "GD" => new GetDeployment(f.String(1)),
            "ND" => new NoDeployment(f.String(1), f.Bool(2), f.String(3)),
            "LL" => new ListLines(),
            "LS" => Summary(f),
            "LT" => new LineList(f.Messages(1).Select(Summary).ToList()),
            "NV" => new NextVersion(f.String(1)),
            "VN" => new VersionName(f.String(1), f.String(2)),
            "DC" => new DeploymentChanged(Deployment(f.RequiredMessage(1, "deployment"))),
            "LA" => new LineAdded(f.String(1)),
            "GJ" => new GetJournalStamp(),
            "JS" => new JournalStamp(f.String(1)),
            "CF" => Captured(f),
            "FA" => new FrameAccepted(Frame(f.RequiredMessage(1, "frame")), f.OptionalString(2)),
            "FR" => new FrameRejected(Frame(f.RequiredMessage(1, "frame")), f.String(2)),
            "EF" => new ExtractFrames(f.String(1), f.String(2), f.Messages(3).Select(Captured).ToList()),
            "SR" => new StoredResult(Frame(f.RequiredMessage(1, "frame")), f.String(2), f.String(3), f.Float(4), f.Float(5), f.Bool(6), f.OptionalString(7),
                f.Double(8), f.OptionalString(9), Time(f.Int64(10)), f.String(11), f.OptionalString(12), Time(f.Int64(13)), f.OptionalString(14)),
            "CS" => new CameraStats(f.String(1), f.String(2), f.Int64(3), f.Int64(4), f.Int64(5), f.Int64(6), f.Int64(7), f.Bool(8)),
            "GC" => new GetCameraStats(),
            "LX" => new LineStats(f.String(1), f.OptionalString(2), f.Int64(3), f.Int64(4), f.Int64(5), f.Int64(6), f.Int32(7), f.Int64(8)),
            "GL" => new GetLineStats(f.String(1)),
            "LK" => new LineCounters(f.Int64(1), f.Int64(2), f.Int64(3)),
            "TL" => new TrainLine(f.String(1), f.String(2), f.Int32(3), f.Message(4) is { } s ? Settings(s) : null, f.OptionalString(5), Ref(f.OptionalString(6))),
            "TG" => new TrainingProgressed(f.String(1), f.String(2), f.Int64(3), f.Int64(4)),
            "CT" => new CancelTraining(f.String(1)),
            "TC" => new TrainingCompleted(f.String(1), f.String(2), f.Int32(3), f.Int64(4), f.Int32(5), f.Double(6), f.Packed<float>(7), f.Packed<float>(8)),
            "TF" => new TrainingFailed(f.String(1), f.String(2), f.Bool(3)),
            "AG" => new AddGoodImages(f.String(1), f.Strings(2), f.OptionalString(3), Ref(f.OptionalString(4))),
            "SP" => new SetReplicas(f.String(1), f.Int32(2), f.OptionalString(3), Ref(f.OptionalString(4))),
            "ET" => new ExtractTrainingPatches(f.Int64(1), f.String(2), f.Strings(3).ToArray(), f.OptionalString(4), f.String(5, FeatureFormats.Float32), f.Int32(6),
                f.Messages(7).Select(Captured).ToList(), f.Int32(8)),
            "TP" => new TrainingPatches(f.Int64(1), f.Int32(2), f.Int32(3), f.OptionalBlock(4), f.Strings(5), f.String(6)),
            "GE" => new GetExtractorStats(),
            "ES" => new ExtractorStats(f.String(1), f.Int64(2), f.Int64(3)),
            "CL" => new ConfigureLine(f.String(1), Settings(f.RequiredMessage(2, "settings"))),
            "LC" => new LineConfigured(f.String(1), Settings(f.RequiredMessage(2, "settings"))),
            "DL" => new DeleteLine(f.String(1)),
            "LD" => new LineDeleted(f.String(1), f.Bool(2)),
            "TS" => new SetThreshold(f.String(1), f.Float(2), f.String(3)),
            "TH" => Threshold(f),
            "GN" => new GetLine(f.String(1)),
            "LN" => new LineDetails(f.String(1), f.Bool(2), Settings(f.RequiredMessage(3, "settings")), f.Message(4) is { } d ? Deployment(d) : null,
                f.Messages(5).Select(Threshold).ToList()),
            "SO" => new SinkOffset(f.Int64(1)),
            "KR" => new CameraFrameIdsReserved(f.Int64(1)),
            "KI" => new CameraFileInspected(File(f.RequiredMessage(1, "file"))),
            "KS" => new CameraState(f.Int64(1), f.Messages(2).Select(File).ToList()),
            _ => throw new SerializationException($"Unknown Inspection message manifest '{code}'."),
        };
    }

    private static void Frame(FieldWriter w, FrameId f) => w.String(1, f.Line).String(2, f.Camera).Int(3, f.Sequence);

    private static FrameId Frame(FieldReader f) => new(f.String(1), f.String(2), f.Int64(3));

    private static void Captured(FieldWriter w, CapturedFrame m) =>
        w.Message(1, m.Frame, Frame).Bytes(2, m.Encoded).String(3, m.Source).String(4, m.ResultId).String(5, m.ClientKey);

    private static CapturedFrame Captured(FieldReader f) =>
        new(Frame(f.RequiredMessage(1, "frame")), f.Bytes(2), f.String(3), f.OptionalString(4), f.OptionalString(5));

    private static void Settings(FieldWriter w, LineSettings s) =>
        w.String(1, s.Backbone).Int(2, s.ImageSize).Double(3, s.CoresetRatio).Int(4, s.Shards).String(5, s.ThresholdPolicy).String(6, s.Webhook)
            .Bool(7, s.Mqtt).Int(8, s.Replicas).Int(9, s.ImageWidth).Int(10, s.AutoImagePixels).Bool(11, s.RefuseAspectMismatch)
            .Bool(12, s.Tiled).Int(13, s.TileOverlap);

    private static LineSettings Settings(FieldReader f) =>
        new(f.String(1), f.Int32(2), f.Double(3), f.Int32(4), f.String(5, LineSettings.CalibratedPolicy), f.OptionalString(6), f.Bool(7), f.Int32(8), f.Int32(9), f.Int32(10), f.Bool(11),
            f.Bool(12), f.Int32(13));

    private static void Deployment(FieldWriter w, ModelDeployment m) =>
        w.String(1, m.Line).String(2, m.Version).Int(3, m.ShardCount).Int(4, m.BankSize).Int(5, m.Dimensions).Int(6, m.NumNeighbors)
            .String(7, m.Backbone).Strings(8, m.Layers).String(9, m.BackboneWeights).Int(10, m.ImageSize).Int(11, m.PatchGrid).Double(12, m.BlurSigma)
            .Float(13, m.ImageThreshold).Float(14, m.ImageMin).Float(15, m.ImageMax).Float(16, m.PixelThreshold).Float(17, m.PixelMin).Float(18, m.PixelMax)
            .String(19, m.Precision).String(20, m.KnnPrecision).Int(21, m.Replicas).Int(22, m.ImageWidth).Int(23, m.PatchColumns).Double(24, m.TrainingAspect)
            .Bool(25, m.Tiled).Int(26, m.TileOverlap);

    private static ModelDeployment Deployment(FieldReader f) =>
        new(f.String(1), f.String(2), f.Int32(3), f.Int64(4), f.Int32(5), f.Int32(6), f.String(7), f.Strings(8).ToArray(), f.OptionalString(9),
            f.Int32(10), f.Int32(11), f.Double(12), f.Float(13), f.Float(14), f.Float(15), f.Float(16), f.Float(17), f.Float(18),
            f.String(19, FeatureFormats.Float32), f.OptionalString(20), f.Int32(21, 1), f.Int32(22), f.Int32(23), f.Double(24), f.Bool(25), f.Int32(26));

    private static void Summary(FieldWriter w, LineSummary m) =>
        w.String(1, m.Line).String(2, m.Version).Int(3, m.ShardCount).Int(4, m.BankSize).Float(5, m.ImageThreshold);

    private static LineSummary Summary(FieldReader f) => new(f.String(1), f.OptionalString(2), f.Int32(3), f.Int64(4), f.Float(5));

    private static void Threshold(FieldWriter w, ThresholdSet t) => w.String(1, t.Line).Float(2, t.Score).String(3, t.By).Int(4, t.At.UtcTicks);

    private static ThresholdSet Threshold(FieldReader f) => new(f.String(1), f.Float(2), f.String(3), Time(f.Int64(4)));

    private static void File(FieldWriter w, CameraFile f) => w.String(1, f.Name).Int(2, f.Length).Int(3, f.WrittenTicks);

    private static CameraFile File(FieldReader f) => new(f.String(1), f.Int64(2), f.Int64(3));

    private static DateTimeOffset Time(long utcTicks) => new(utcTicks, TimeSpan.Zero);

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
        FeatureBlock m => m.Data.Length,
        CapturedFrame m => m.Encoded.Length,
        ExtractFrames m => m.Frames.Sum(f => f.Encoded.Length + 64),
        ExtractTrainingPatches m => m.Images.Sum(f => f.Encoded.Length + 64),
        TrainingPatches m => m.Patches?.Data.Length ?? 0,
        _ => 0,
    };
}
