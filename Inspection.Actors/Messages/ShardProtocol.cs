namespace Inspection.Actors.Messages;

// Commands, replies and events of a memory-bank shard entity. Grouped here because they form one protocol.

/// <summary>Store one chunk of the shard's slice; rows hold global bank indices GlobalOffset.. onward.</summary>
public sealed record StoreBankSlice(string EntityId, int ChunkIndex, int ChunkCount, long GlobalOffset, FeatureBlock Rows) : IShardMessage, ICommand;

/// <summary>Acknowledges a stored (persisted) chunk; repeated stores of a chunk are acknowledged again, not duplicated.</summary>
public sealed record BankSliceStored(string EntityId, int ChunkIndex) : IEvent;

/// <summary>
/// The k nearest vectors of this shard's slice for each query row, with products in <c>Precision</c> (see ComputePrecision).
/// With SupportK above 0 (a line whose bank is this one slice) the answer also carries Eq. 7's support of each frame of
/// PatchesPerFrame rows, found here: one round instead of three (nearest, m*'s rows, support).
/// </summary>
public sealed record QueryNearest(string EntityId, long QueryId, FeatureBlock Queries, int K, string Precision = FeatureFormats.Float32,
    int PatchesPerFrame = 0, int SupportK = 0) : IShardMessage, IQuery;

/// <summary>
/// <see cref="QueryNearest"/> for a replica on another node, sent to that node's feature extractor with the batch's
/// encoded frames instead of their patch features (a tire frame is tens of KB against 1.5 MB of fp32 features): the
/// extractor there extracts them with the line's backbone and asks its own replica, which answers the scorer directly
/// (<see cref="NearestAnswer"/>), or it answers <see cref="FramesNotExtracted"/>. Frames are in the batch's order.
/// Wire version 2 only: nodes of earlier builds have no handler for it.
/// </summary>
public sealed record QueryNearestOfFrames(string EntityId, long QueryId, string Line, string Version, IReadOnlyList<CapturedFrame> Frames, int K,
    string Precision = FeatureFormats.Float32, int PatchesPerFrame = 0, int SupportK = 0) : IQuery;

/// <summary>
/// The node could not extract the frames of a <see cref="QueryNearestOfFrames"/> (another model version, a backbone
/// or weights file it lacks): the scorer sends that replica the patch features instead.
/// </summary>
public sealed record FramesNotExtracted(string EntityId, long QueryId, string Reason) : IAnswer;

/// <summary>Distances [M*K] ascending per row and their global bank indices; the frames' support when it was asked for.</summary>
public sealed record NearestAnswer(string EntityId, long QueryId, int K, float[] Distances, long[] Indices, SupportAnswer? Support = null) : IAnswer;

/// <summary>The bank vectors with these global indices, from whichever shard owns them (m* of Eq. 7 lives in one shard).</summary>
public sealed record QueryRows(string EntityId, long QueryId, long[] Indices) : IShardMessage, IQuery;

/// <summary>The queried rows this shard owns: their global indices and the vectors, in the same order (possibly none).</summary>
public sealed record RowsAnswer(string EntityId, long QueryId, long[] Indices, FeatureBlock Rows) : IAnswer;

/// <summary>
/// For each row b: this shard's K nearest vectors to Centers[b] (N_b(m*) of Eq. 7, restricted to the slice) and the
/// distances of Patches[b] (the frame's worst patch) to them.
/// </summary>
public sealed record QuerySupport(string EntityId, long QueryId, FeatureBlock Centers, FeatureBlock Patches, int K,
    string Precision = FeatureFormats.Float32) : IShardMessage, IQuery;

/// <summary>[B*K] per row, ascending by distance to the center: those distances, global indices, and distances to the patch.</summary>
public sealed record SupportAnswer(string EntityId, long QueryId, int K, float[] CenterDistances, long[] Indices, float[] PatchDistances) : IAnswer;

/// <summary>The shard cannot answer yet (slice incomplete or empty); the reason is for people.</summary>
public sealed record ShardUnavailable(string EntityId, long QueryId, string Reason) : IAnswer;

public sealed record GetShardState(string EntityId) : IShardMessage, IQuery;

/// <summary>
/// A copy of the shard's slice from row <paramref name="From"/> (slice-relative), at most <paramref name="MaxRows"/>
/// rows (0: the chunk size stores use), to build an extended model version from it. A slice is read in chunks: a whole
/// one can be larger than a remote message may be.
/// </summary>
public sealed record ReadSlice(string EntityId, long From = 0, int MaxRows = 0) : IShardMessage, IQuery;

/// <summary>
/// The line serves another version now: the entity frees its slice (passivates); its journal stays, so a late query
/// loads it again.
/// </summary>
public sealed record RetireSlice(string EntityId) : IShardMessage, ICommand;

/// <summary>
/// Rows of a slice asked for by <see cref="ReadSlice"/>: GlobalOffset is the global bank index of the first of them,
/// SliceRows the whole slice's row count (0 in answers of builds that sent the whole slice at once).
/// </summary>
public sealed record SliceContents(string EntityId, long GlobalOffset, FeatureBlock Rows, long SliceRows = 0) : IAnswer;

/// <summary>Where a shard lives and how much of its slice it holds.</summary>
public sealed record ShardState(string EntityId, string Address, int ChunksStored, int ChunkCount, long Rows, long GlobalOffset, string Device = "") : IAnswer;

/// <summary>Persisted: one stored chunk.</summary>
public sealed record BankSliceChunk(int ChunkIndex, int ChunkCount, long GlobalOffset, FeatureBlock Rows) : IEvent;

/// <summary>Persisted: the whole slice once complete, so recovery reads one row instead of every chunk event.</summary>
public sealed record ShardSnapshot(int ChunkCount, long GlobalOffset, FeatureBlock Rows) : IEvent;

/// <summary>Persisted: the last event of a shard whose version is no longer kept, so the journal's marker row is small.</summary>
public sealed record ShardErased : IEvent;
