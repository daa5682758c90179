namespace Inspection.Actors.Extraction;

/// <summary>Registry key of the cluster-aware router over every gpu node's feature extractor.</summary>
public sealed class FeatureExtractors;
