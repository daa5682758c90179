using Inspection.Actors.Messages;

namespace Inspection.Actors.Extraction;

/// <summary>
/// A request the feature extractor passes to one of its actors with the line's deployment it will be served by (the
/// extractor is the one that learns deployments; its actors only do the work).
/// </summary>
public sealed record Deployed<TRequest>(TRequest Request, ModelDeployment Deployment);
