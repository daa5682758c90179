using Akka.Actor;
using Inspection.Actors.Messages;

namespace Inspection.Actors.Serialization;

/// <summary>
/// Wire version 1, the format of every build before version 2: fields in a fixed order, by position, with fields
/// added later appended at the end or behind markers. Kept to read journals written by those builds, and written
/// during a rolling upgrade while nodes of those builds are still in the cluster (they read nothing else).
/// </summary>
internal sealed class PositionalFormat(ExtendedActorSystem system)
{
    public byte[] Write(object obj)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream))
        {
            switch (obj)
            {
                case StoreBankSlice m: w.Write(m.EntityId); w.Write(m.ChunkIndex); w.Write(m.ChunkCount); w.Write(m.GlobalOffset); Write(w, m.Rows); break;
                case BankSliceStored m: w.Write(m.EntityId); w.Write(m.ChunkIndex); break;
                case QueryNearest m: w.Write(m.EntityId); w.Write(m.QueryId); Write(w, m.Queries); w.Write(m.K); w.Write(m.Precision); break;
                case NearestAnswer m: w.Write(m.EntityId); w.Write(m.QueryId); w.Write(m.K); Write(w, m.Distances); Write(w, m.Indices); break;
                case QueryRows m: w.Write(m.EntityId); w.Write(m.QueryId); Write(w, m.Indices); break;
                case RowsAnswer m: w.Write(m.EntityId); w.Write(m.QueryId); Write(w, m.Indices); Write(w, m.Rows); break;
                case QuerySupport m: w.Write(m.EntityId); w.Write(m.QueryId); Write(w, m.Centers); Write(w, m.Patches); w.Write(m.K); w.Write(m.Precision); break;
                case SupportAnswer m: w.Write(m.EntityId); w.Write(m.QueryId); w.Write(m.K); Write(w, m.CenterDistances); Write(w, m.Indices); Write(w, m.PatchDistances); break;
                case ShardUnavailable m: w.Write(m.EntityId); w.Write(m.QueryId); w.Write(m.Reason); break;
                case GetShardState m: w.Write(m.EntityId); break;
                case ShardState m: w.Write(m.EntityId); w.Write(m.Address); w.Write(m.ChunksStored); w.Write(m.ChunkCount); w.Write(m.Rows); w.Write(m.GlobalOffset); w.Write(m.Device); break;
                case BankSliceChunk m: w.Write(m.ChunkIndex); w.Write(m.ChunkCount); w.Write(m.GlobalOffset); Write(w, m.Rows); break;
                case ShardSnapshot m: w.Write(m.ChunkCount); w.Write(m.GlobalOffset); Write(w, m.Rows); break;
                case ModelDeployment m: Write(w, m); break;
                case ScoreFrames m:
                    w.Write(m.Frames.Count);
                    foreach (var f in m.Frames) Write(w, f);
                    Write(w, m.Patches);
                    break;
                case InspectionResult m:
                    Write(w, m.Frame); w.Write(m.ModelVersion); w.Write(m.Score); w.Write(m.NormalisedScore); w.Write(m.Defective);
                    w.Write(m.Error != null); if (m.Error != null) w.Write(m.Error);
                    w.Write(m.LatencyMs);
                    w.Write(m.AnomalyMap != null); if (m.AnomalyMap != null) Write(w, m.AnomalyMap);
                    w.Write(m.Retryable);
                    break;
                case FrameId m: Write(w, m); break;
                case ActivateModel m: Write(w, m.Deployment); break;
                case ModelActivated m: w.Write(m.Line); w.Write(m.Version); break;
                case RegisterLine m: w.Write(m.Line); break;
                case LineRegistered m: w.Write(m.Line); break;
                case GetDeployment m: w.Write(m.Line); break;
                case NoDeployment m: w.Write(m.Line); w.Write(m.Known); w.Write(m.Reason); break;
                case ListLines: break;
                case LineSummary m: Write(w, m); break;
                case LineList m: w.Write(m.Lines.Count); foreach (var l in m.Lines) Write(w, l); break;
                case NextVersion m: w.Write(m.Line); break;
                case VersionName m: w.Write(m.Line); w.Write(m.Version); break;
                case DeploymentChanged m: Write(w, m.Deployment); break;
                case LineAdded m: w.Write(m.Line); break;
                case CapturedFrame m: Write(w, m); break;
                case FrameAccepted m: Write(w, m.Frame); WriteOptional(w, m.ResultId); break;
                case FrameRejected m: Write(w, m.Frame); w.Write(m.Reason); break;
                case ExtractFrames m: w.Write(m.Line); w.Write(m.Version); w.Write(m.Frames.Count); foreach (var f in m.Frames) Write(w, f); break;
                case StoredResult m:
                    Write(w, m.Frame); w.Write(m.Source); w.Write(m.ModelVersion); w.Write(m.Score); w.Write(m.NormalisedScore); w.Write(m.Defective);
                    WriteOptional(w, m.Error); w.Write(m.LatencyMs); WriteOptional(w, m.HeatmapPath); w.Write(m.CompletedAt.UtcTicks);
                    // Added fields follow the original ones, so results stored before them stay readable.
                    w.Write(m.ResultId); WriteOptional(w, m.ClientKey); w.Write(m.ReceivedAt.UtcTicks);
                    if (m.Warning != null) WriteOptional(w, m.Warning); // readers of earlier builds stop before it
                    break;
                case CameraStats m:
                    w.Write(m.Line); w.Write(m.Camera); w.Write(m.Captured); w.Write(m.Accepted); w.Write(m.Dropped); w.Write(m.Results); w.Write(m.Failed); w.Write(m.Finished);
                    break;
                case GetCameraStats: break;
                case LineStats m:
                    w.Write(m.Line); WriteOptional(w, m.Version); w.Write(m.Accepted); w.Write(m.Rejected); w.Write(m.Scored); w.Write(m.Failed); w.Write(m.InFlight);
                    w.Write(m.Flagged);
                    break;
                case GetLineStats m: w.Write(m.Line); break;
                case LineCounters m: w.Write(m.Scored); w.Write(m.Failed); w.Write(m.Flagged); break;
                case TrainLine m:
                    w.Write(m.Line); w.Write(m.DataFolder); w.Write(m.Shards);
                    w.Write(m.Settings != null); if (m.Settings != null) Write(w, m.Settings);
                    WriteOptional(w, m.JobId); WriteRef(w, m.ProgressTo);
                    break;
                case ReadSlice m: w.Write(m.EntityId); break;
                case RetireSlice m: w.Write(m.EntityId); break;
                case SliceContents m: w.Write(m.EntityId); w.Write(m.GlobalOffset); Write(w, m.Rows); break;
                case AddGoodImages m:
                    w.Write(m.Line); w.Write(m.Files.Count); foreach (var f in m.Files) w.Write(f);
                    WriteOptional(w, m.JobId); WriteRef(w, m.ProgressTo);
                    break;
                case ExtractTrainingPatches m:
                    w.Write(m.RequestId); w.Write(m.Backbone); w.Write(m.Layers.Length); foreach (var l in m.Layers) w.Write(l);
                    WriteOptional(w, m.BackboneWeights); w.Write(m.Precision); w.Write(SquareOnly(m.ImageSize, m.InputWidth, "training images"));
                    w.Write(m.Images.Count); foreach (var f in m.Images) Write(w, f);
                    break;
                case TrainingPatches m:
                    w.Write(m.RequestId); w.Write(m.Images); w.Write(m.PatchesPerImage);
                    w.Write(m.Patches != null); if (m.Patches != null) Write(w, m.Patches);
                    w.Write(m.Errors.Count); foreach (var e in m.Errors) w.Write(e);
                    w.Write(m.Address);
                    break;
                case GetExtractorStats: break;
                case ExtractorStats m: w.Write(m.Address); w.Write(m.TrainingBatches); w.Write(m.Frames); break;
                case TrainingCompleted m: w.Write(m.Line); w.Write(m.Version); w.Write(m.TrainImages); w.Write(m.BankSize); w.Write(m.Shards); w.Write(m.Seconds); Write(w, m.HeldOutGood); Write(w, m.HeldOutDefective); break;
                case TrainingFailed m: w.Write(m.Line); w.Write(m.Reason); w.Write(m.Cancelled); break;
                case FeatureBlock m: Write(w, m); break;
                case ConfigureLine m: w.Write(m.Line); Write(w, m.Settings); break;
                case LineConfigured m: w.Write(m.Line); Write(w, m.Settings); break;
                case DeleteLine m: w.Write(m.Line); break;
                case LineDeleted m: w.Write(m.Line); w.Write(m.Existed); break;
                case SetThreshold m: w.Write(m.Line); w.Write(m.Score); w.Write(m.By); break;
                case ThresholdSet m: Write(w, m); break;
                case GetLine m: w.Write(m.Line); break;
                case LineDetails m:
                    w.Write(m.Line); w.Write(m.Known); Write(w, m.Settings);
                    w.Write(m.Deployment != null); if (m.Deployment != null) Write(w, m.Deployment);
                    w.Write(m.Thresholds.Count); foreach (var t in m.Thresholds) Write(w, t);
                    break;
                case TrainingProgressed m: w.Write(m.JobId); w.Write(m.Stage); w.Write(m.Done); w.Write(m.Total); break;
                case CancelTraining m: w.Write(m.JobId); break;
                case SinkOffset m: w.Write(m.SequenceNr); break;
                case GetJournalStamp: break;
                case JournalStamp m: w.Write(m.Id); break;
                case CameraFrameIdsReserved m: w.Write(m.UpTo); break;
                case CameraFileInspected m: Write(w, m.File); break;
                case CameraState m: w.Write(m.ReservedUpTo); w.Write(m.Inspected.Count); foreach (var f in m.Inspected) Write(w, f); break;
                default: throw new ArgumentException($"{obj.GetType()} is not an Inspection message.");
            }
        }
        return stream.ToArray();
    }

    public object Read(string manifest, byte[] bytes)
    {
        using var r = new BinaryReader(new MemoryStream(bytes));
        return manifest switch
        {
            "SS" => new StoreBankSlice(r.ReadString(), r.ReadInt32(), r.ReadInt32(), r.ReadInt64(), ReadBlock(r)),
            "SA" => new BankSliceStored(r.ReadString(), r.ReadInt32()),
            "QN" => new QueryNearest(r.ReadString(), r.ReadInt64(), ReadBlock(r), r.ReadInt32(), r.ReadString()),
            "NA" => new NearestAnswer(r.ReadString(), r.ReadInt64(), r.ReadInt32(), ReadFloats(r), ReadLongs(r)),
            "QR" => new QueryRows(r.ReadString(), r.ReadInt64(), ReadLongs(r)),
            "RA" => new RowsAnswer(r.ReadString(), r.ReadInt64(), ReadLongs(r), ReadBlock(r)),
            "QS" => new QuerySupport(r.ReadString(), r.ReadInt64(), ReadBlock(r), ReadBlock(r), r.ReadInt32(), r.ReadString()),
            "SX" => new SupportAnswer(r.ReadString(), r.ReadInt64(), r.ReadInt32(), ReadFloats(r), ReadLongs(r), ReadFloats(r)),
            "SU" => new ShardUnavailable(r.ReadString(), r.ReadInt64(), r.ReadString()),
            "GS" => new GetShardState(r.ReadString()),
            "ST" => new ShardState(r.ReadString(), r.ReadString(), r.ReadInt32(), r.ReadInt32(), r.ReadInt64(), r.ReadInt64(), r.ReadString()),
            "BC" => new BankSliceChunk(r.ReadInt32(), r.ReadInt32(), r.ReadInt64(), ReadBlock(r)),
            "SN" => new ShardSnapshot(r.ReadInt32(), r.ReadInt64(), ReadBlock(r)),
            "MD" => ReadDeployment(r),
            "AM" => new ActivateModel(ReadDeployment(r)),
            "MA" => new ModelActivated(r.ReadString(), r.ReadString()),
            "RL" => new RegisterLine(r.ReadString()),
            "LR" => new LineRegistered(r.ReadString()),
            "GD" => new GetDeployment(r.ReadString()),
            "ND" => new NoDeployment(r.ReadString(), r.ReadBoolean(), r.ReadString()),
            "LL" => new ListLines(),
            "LS" => ReadSummary(r),
            "LT" => new LineList(Enumerable.Range(0, r.ReadInt32()).Select(_ => ReadSummary(r)).ToList()),
            "NV" => new NextVersion(r.ReadString()),
            "VN" => new VersionName(r.ReadString(), r.ReadString()),
            "DC" => new DeploymentChanged(ReadDeployment(r)),
            "LA" => new LineAdded(r.ReadString()),
            "CF" => ReadCaptured(r),
            "FA" => new FrameAccepted(ReadFrame(r), ReadOptional(r)),
            "FR" => new FrameRejected(ReadFrame(r), r.ReadString()),
            "EF" => new ExtractFrames(r.ReadString(), r.ReadString(), Enumerable.Range(0, r.ReadInt32()).Select(_ => ReadCaptured(r)).ToList()),
            "SR" => ReadStored(r),
            "CS" => new CameraStats(r.ReadString(), r.ReadString(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadBoolean()),
            "GC" => new GetCameraStats(),
            "LX" => new LineStats(r.ReadString(), ReadOptional(r), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt32(), r.ReadInt64()),
            "GL" => new GetLineStats(r.ReadString()),
            "LK" => new LineCounters(r.ReadInt64(), r.ReadInt64(), More(r) ? r.ReadInt64() : 0),
            "TL" => ReadTrainLine(r),
            "RS" => new ReadSlice(r.ReadString()),
            "RT" => new RetireSlice(r.ReadString()),
            "SC" => new SliceContents(r.ReadString(), r.ReadInt64(), ReadBlock(r)),
            "AG" => ReadAddGoodImages(r),
            "ET" => new ExtractTrainingPatches(r.ReadInt64(), r.ReadString(), Enumerable.Range(0, r.ReadInt32()).Select(_ => r.ReadString()).ToArray(),
                ReadOptional(r), r.ReadString(), r.ReadInt32(), Enumerable.Range(0, r.ReadInt32()).Select(_ => ReadCaptured(r)).ToList()),
            "TP" => new TrainingPatches(r.ReadInt64(), r.ReadInt32(), r.ReadInt32(), r.ReadBoolean() ? ReadBlock(r) : null,
                Enumerable.Range(0, r.ReadInt32()).Select(_ => r.ReadString()).ToList(), r.ReadString()),
            "GE" => new GetExtractorStats(),
            "ES" => new ExtractorStats(r.ReadString(), r.ReadInt64(), r.ReadInt64()),
            "TC" => new TrainingCompleted(r.ReadString(), r.ReadString(), r.ReadInt32(), r.ReadInt64(), r.ReadInt32(), r.ReadDouble(), ReadFloats(r), ReadFloats(r)),
            "TF" => new TrainingFailed(r.ReadString(), r.ReadString(), r.ReadBoolean()),
            "CL" => new ConfigureLine(r.ReadString(), ReadSettings(r)),
            "LC" => new LineConfigured(r.ReadString(), ReadSettings(r)),
            "DL" => new DeleteLine(r.ReadString()),
            "LD" => new LineDeleted(r.ReadString(), r.ReadBoolean()),
            "TS" => new SetThreshold(r.ReadString(), r.ReadSingle(), r.ReadString()),
            "TH" => ReadThreshold(r),
            "GN" => new GetLine(r.ReadString()),
            "LN" => ReadLineDetails(r),
            "TG" => new TrainingProgressed(r.ReadString(), r.ReadString(), r.ReadInt64(), r.ReadInt64()),
            "CT" => new CancelTraining(r.ReadString()),
            "SO" => new SinkOffset(r.ReadInt64()),
            "GJ" => new GetJournalStamp(),
            "JS" => new JournalStamp(r.ReadString()),
            "KR" => new CameraFrameIdsReserved(r.ReadInt64()),
            "KI" => new CameraFileInspected(ReadCameraFile(r)),
            "KS" => new CameraState(r.ReadInt64(), Enumerable.Range(0, r.ReadInt32()).Select(_ => ReadCameraFile(r)).ToList()),
            "SF" => ReadScoreFrames(r),
            "IR" => new InspectionResult(ReadFrame(r), r.ReadString(), r.ReadSingle(), r.ReadSingle(), r.ReadBoolean(),
                r.ReadBoolean() ? r.ReadString() : null, r.ReadDouble(), r.ReadBoolean() ? ReadBlock(r) : null, r.ReadBoolean()),
            "FI" => ReadFrame(r),
            "FB" => ReadBlock(r),
            _ => throw new SerializationException($"Unknown Inspection message manifest '{manifest}'."),
        };
    }

    private static void Write(BinaryWriter w, CameraFile f)
    {
        w.Write(f.Name);
        w.Write(f.Length);
        w.Write(f.WrittenTicks);
    }

    private static CameraFile ReadCameraFile(BinaryReader r) => new(r.ReadString(), r.ReadInt64(), r.ReadInt64());

    private static void WriteOptional(BinaryWriter w, string? value)
    {
        w.Write(value != null);
        if (value != null) w.Write(value);
    }

    private static string? ReadOptional(BinaryReader r) => r.ReadBoolean() ? r.ReadString() : null;

    private static void Write(BinaryWriter w, CapturedFrame m)
    {
        Write(w, m.Frame); w.Write(m.Source); Write(w, m.Encoded); WriteOptional(w, m.ResultId); WriteOptional(w, m.ClientKey);
    }

    private static CapturedFrame ReadCaptured(BinaryReader r)
    {
        var frame = ReadFrame(r);
        string source = r.ReadString();
        var encoded = ReadArray<byte>(r);
        return new CapturedFrame(frame, encoded, source, ReadOptional(r), ReadOptional(r));
    }

    private static StoredResult ReadStored(BinaryReader r)
    {
        var stored = new StoredResult(ReadFrame(r), r.ReadString(), r.ReadString(), r.ReadSingle(), r.ReadSingle(), r.ReadBoolean(),
            ReadOptional(r), r.ReadDouble(), ReadOptional(r), new DateTimeOffset(r.ReadInt64(), TimeSpan.Zero));
        // Results journalled before ids existed get one from their frame, which was unique per line then.
        if (!More(r)) return stored with { ResultId = LegacyResultId(stored.Frame), ReceivedAt = stored.CompletedAt };
        stored = stored with { ResultId = r.ReadString(), ClientKey = ReadOptional(r), ReceivedAt = new DateTimeOffset(r.ReadInt64(), TimeSpan.Zero) };
        return More(r) ? stored with { Warning = ReadOptional(r) } : stored;
    }

    /// <summary>The id given to a result stored before results had ids.</summary>
    public static string LegacyResultId(FrameId frame) => $"{frame.Line}-{frame.Camera}-{frame.Sequence}";

    /// <summary>The side of a square size; wire version 1 has no width, so a rectangle would reach its readers as a square.</summary>
    private static int SquareOnly(int height, int width, string what) => height == width ? height : throw new NotSupportedException(NotSquare(height, width, what));

    private static string NotSquare(int height, int width, string what) =>
        $"Wire version 1 has only square sizes; {what} of {height}x{width} needs every node at wire version 2.";

    /// <summary>Why wire version 1 cannot carry these line settings (null: it can).</summary>
    public static string? Unsupported(LineSettings s) =>
        s.ImageSize != s.InputWidth
            ? NotSquare(s.ImageSize, s.InputWidth, "a line")
            : s.AutoImagePixels > 0 || s.RefuseAspectMismatch || s.Tiled
                ? "Wire version 1 has no auto image size, aspect setting or tiled inspection: run every node at wire version 2 to use them."
                : null;

    private static bool More(BinaryReader r) => r.BaseStream.Position < r.BaseStream.Length;

    private static void Write(BinaryWriter w, LineSettings s)
    {
        if (Unsupported(s) is { } reason) throw new NotSupportedException(reason);
        w.Write(s.Backbone); w.Write(s.ImageSize); w.Write(s.CoresetRatio); w.Write(s.Shards); w.Write(s.ThresholdPolicy);
        WriteOptional(w, s.Webhook);
        // Settings stored before replicas wrote Mqtt as a bool byte (0 or 1); bit 1 of that byte now says a replica
        // count follows, so old records read with the default.
        w.Write((byte)((s.Mqtt ? 1 : 0) | SettingsHaveReplicas));
        w.Write(s.Replicas);
    }

    private const byte SettingsHaveReplicas = 2;

    private static LineSettings ReadSettings(BinaryReader r)
    {
        var settings = new LineSettings(r.ReadString(), r.ReadInt32(), r.ReadDouble(), r.ReadInt32(), r.ReadString(), ReadOptional(r));
        byte flags = r.ReadByte();
        return settings with { Mqtt = (flags & 1) != 0, Replicas = (flags & SettingsHaveReplicas) != 0 ? r.ReadInt32() : 0 };
    }

    private static void Write(BinaryWriter w, ThresholdSet t)
    {
        w.Write(t.Line); w.Write(t.Score); w.Write(t.By); w.Write(t.At.UtcTicks);
    }

    private static ThresholdSet ReadThreshold(BinaryReader r) => new(r.ReadString(), r.ReadSingle(), r.ReadString(), new DateTimeOffset(r.ReadInt64(), TimeSpan.Zero));

    private static void WriteRef(BinaryWriter w, IActorRef? actor) =>
        WriteOptional(w, actor == null ? null : Akka.Serialization.Serialization.SerializedActorPath(actor));

    private IActorRef? ReadRef(BinaryReader r) => ReadOptional(r) is { } path ? system.Provider.ResolveActorRef(path) : null;

    private TrainLine ReadTrainLine(BinaryReader r)
    {
        var command = new TrainLine(r.ReadString(), r.ReadString(), r.ReadInt32());
        if (!More(r)) return command;
        return command with { Settings = r.ReadBoolean() ? ReadSettings(r) : null, JobId = ReadOptional(r), ProgressTo = ReadRef(r) };
    }

    private AddGoodImages ReadAddGoodImages(BinaryReader r)
    {
        var command = new AddGoodImages(r.ReadString(), Enumerable.Range(0, r.ReadInt32()).Select(_ => r.ReadString()).ToList());
        if (!More(r)) return command;
        return command with { JobId = ReadOptional(r), ProgressTo = ReadRef(r) };
    }

    private static LineDetails ReadLineDetails(BinaryReader r)
    {
        string line = r.ReadString();
        bool known = r.ReadBoolean();
        var settings = ReadSettings(r);
        var deployment = r.ReadBoolean() ? ReadDeployment(r) : null;
        var thresholds = Enumerable.Range(0, r.ReadInt32()).Select(_ => ReadThreshold(r)).ToList();
        return new LineDetails(line, known, settings, deployment, thresholds);
    }

    private static void Write(BinaryWriter w, ModelDeployment m)
    {
        // A reader of version 1 would resize a tiled model's frames to one tile: wrong scores, not an error.
        if (m.Tiled) throw new NotSupportedException("Wire version 1 has no tiled models: run every node at wire version 2 to serve them.");
        w.Write(m.Line); w.Write(m.Version); w.Write(m.ShardCount); w.Write(m.BankSize); w.Write(m.Dimensions); w.Write(m.NumNeighbors);
        // Where deployments stored before today held an N_b table (int count, then ints), a negative count now marks
        // the fields added since, by version: -1 the kNN precision, -2 also the replica count. Old records stay readable.
        w.Write(-2);
        WriteOptional(w, m.KnnPrecision);
        w.Write(m.Replicas);
        w.Write(m.Backbone); w.Write(m.Layers.Length); foreach (var l in m.Layers) w.Write(l);
        w.Write(m.BackboneWeights != null); if (m.BackboneWeights != null) w.Write(m.BackboneWeights);
        w.Write(SquareOnly(m.ImageSize, m.InputWidth, "a model")); w.Write(SquareOnly(m.PatchGrid, m.GridColumns, "a model's patch grid")); w.Write(m.BlurSigma);
        w.Write(m.ImageThreshold); w.Write(m.ImageMin); w.Write(m.ImageMax); w.Write(m.PixelThreshold); w.Write(m.PixelMin); w.Write(m.PixelMax);
        w.Write(m.Precision);
    }

    private static ModelDeployment ReadDeployment(BinaryReader r)
    {
        string line = r.ReadString(), version = r.ReadString();
        int shards = r.ReadInt32();
        long bankSize = r.ReadInt64();
        int dims = r.ReadInt32(), neighbours = r.ReadInt32();
        string? knnPrecision = null;
        int replicas = 1;
        int marker = r.ReadInt32(); // see Write
        if (marker >= 0) r.ReadBytes(checked(marker * sizeof(int))); // the former N_b table
        else knnPrecision = ReadOptional(r);
        if (marker <= -2) replicas = r.ReadInt32();
        return new(line, version, shards, bankSize, dims, neighbours,
            r.ReadString(), Enumerable.Range(0, r.ReadInt32()).Select(_ => r.ReadString()).ToArray(), r.ReadBoolean() ? r.ReadString() : null,
            r.ReadInt32(), r.ReadInt32(), r.ReadDouble(),
            r.ReadSingle(), r.ReadSingle(), r.ReadSingle(), r.ReadSingle(), r.ReadSingle(), r.ReadSingle(), r.ReadString(), knnPrecision, replicas);
    }

    private static void Write(BinaryWriter w, LineSummary m)
    {
        w.Write(m.Line); w.Write(m.Version != null); if (m.Version != null) w.Write(m.Version);
        w.Write(m.ShardCount); w.Write(m.BankSize); w.Write(m.ImageThreshold);
    }

    private static LineSummary ReadSummary(BinaryReader r) =>
        new(r.ReadString(), r.ReadBoolean() ? r.ReadString() : null, r.ReadInt32(), r.ReadInt64(), r.ReadSingle());

    private static ScoreFrames ReadScoreFrames(BinaryReader r)
    {
        int count = r.ReadInt32();
        var frames = new FrameId[count];
        for (int i = 0; i < count; i++) frames[i] = ReadFrame(r);
        return new ScoreFrames(frames, ReadBlock(r));
    }

    private static void Write(BinaryWriter w, FrameId f)
    {
        w.Write(f.Line); w.Write(f.Camera); w.Write(f.Sequence);
    }

    private static FrameId ReadFrame(BinaryReader r) => new(r.ReadString(), r.ReadString(), r.ReadInt64());

    private static void Write(BinaryWriter w, FeatureBlock b)
    {
        w.Write(b.Rows); w.Write(b.Columns); w.Write((byte)b.Precision); w.Write(b.Data.Length); w.Write(b.Data);
    }

    private static FeatureBlock ReadBlock(BinaryReader r)
    {
        int rows = r.ReadInt32(), columns = r.ReadInt32();
        var precision = (FeaturePrecision)r.ReadByte();
        int length = r.ReadInt32();
        int expected = rows * columns * (precision == FeaturePrecision.Float32 ? 4 : 2);
        if (length != expected) throw new SerializationException($"Feature block of {rows}x{columns} {precision} has {length} bytes, expected {expected}.");
        var data = r.ReadBytes(length);
        if (data.Length != length) throw new SerializationException($"Feature block is truncated: {data.Length} of {length} bytes.");
        return new FeatureBlock(rows, columns, precision, data);
    }

    private static void Write<T>(BinaryWriter w, T[] values) where T : unmanaged
    {
        w.Write(values.Length);
        w.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
    }

    private static T[] ReadArray<T>(BinaryReader r) where T : unmanaged
    {
        int count = r.ReadInt32();
        int length = count * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        var bytes = r.ReadBytes(length);
        if (bytes.Length != length) throw new SerializationException($"Array is truncated: {bytes.Length} of {length} bytes.");
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, T>(bytes).ToArray();
    }

    private static float[] ReadFloats(BinaryReader r) => ReadArray<float>(r);
    private static long[] ReadLongs(BinaryReader r) => ReadArray<long>(r);
    private static int[] ReadInts(BinaryReader r) => ReadArray<int>(r);
}
