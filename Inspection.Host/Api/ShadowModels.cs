namespace Inspection.Host.Api;

/// <summary>PUT /lines/{line}/shadow: the kept version to shadow the active one, and the share of frames it scores (above 0, at most 1; default 1).</summary>
public sealed record ShadowRequest(string? Version, double? Sample);

/// <summary>
/// How a shadow's verdicts compare with the active version's on the same frames: BothPass, BothFail, PassToFail (the
/// active version passed the frame and the shadow would fail it), FailToPass, Errors (either could not score it),
/// Waiting (the frame's result not stored yet, or removed by retention); AgreementRate: the share of compared frames
/// with the same verdict (null before any).
/// </summary>
public sealed record ShadowAgreementView(string Version, long Compared, long BothPass, long BothFail, long PassToFail, long FailToPass, long Errors, long Waiting,
    double? AgreementRate);

/// <summary>A frame whose verdicts differ: the result (its link opens it), the active verdict and score, the shadow's.</summary>
public sealed record ShadowFlipView(string ResultId, string Link, string ActiveVersion, string ActiveVerdict, double? ActiveScore, string ShadowVerdict, double? ShadowScore,
    DateTimeOffset CompletedAt);

/// <summary>
/// GET /lines/{line}/shadow: the shadow version now (null: none) and its sample; the agreement of every version that
/// has shadowed the line, over the results still stored; the latest flips of the current one (or of the version asked
/// for with ?version=).
/// </summary>
public sealed record ShadowView(string Line, string? Active, string? Version, double Sample, IReadOnlyList<ShadowAgreementView> Agreement, IReadOnlyList<ShadowFlipView> Flips);
