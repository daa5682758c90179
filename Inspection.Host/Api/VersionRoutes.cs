using Akka.Actor;
using Akka.Hosting;
using Inspection.Actors.Extraction;
using Inspection.Actors.Messages;
using Inspection.Actors.Registry;
using Inspection.Actors.Scoring;
using Inspection.Actors.Training;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Inspection.Host.Api;

/// <summary>
/// A line's model versions: the ones it keeps (the keepVersions most recently served, the active one always among them), and activating any
/// of them again without retraining (a rollback, or a promotion), as a job: its shards load their slices from their
/// journals, and the line switches once every replica holds its slice.
/// </summary>
public static class VersionRoutes
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/lines/{line}/models", List).WithTags("Models")
            .WithSummary("The model versions the line keeps, newest first: when and by whom each was made, from what, its settings, bank and calibration, and which is active.");
        api.MapPost("/lines/{line}/models/{version}/activate", Activate).WithTags("Models")
            .WithSummary("Serve a kept version again without retraining (a job): its shards load from their journals, and the line switches once every replica holds its slice.");
    }

    private static async Task<Results<Ok<ModelVersionsView>, ProblemHttpResult>> List(string line, [FromServices] IRequiredActor<ModelRegistry> registry, CancellationToken cancel)
    {
        var models = await registry.GetAsync(cancel);
        var kept = await models.Ask<ModelVersions>(new GetModels(line), ApiContext.AskTimeout, cancel);
        if (!kept.Known) return Problems.NotFound($"unknown line '{Names.Shorten(line)}'");
        var details = await models.Ask<LineDetails>(new GetLine(line), ApiContext.AskTimeout, cancel);
        return TypedResults.Ok(new ModelVersionsView(line, kept.Active, details.Settings.VersionsKept,
            kept.Versions.OrderByDescending(d => VersionName.Number(d.Version)).Select(d => View(d, d.Version == kept.Active)).ToList(), kept.Shadow));
    }

    private static ModelVersionView View(ModelDeployment d, bool active) =>
        new(d.Version, active, d.TrainedAt == default ? null : d.TrainedAt, d.CreatedBy, d.Source, d.TrainingImages, d.Backbone, d.Input().ToString(),
            d.CoresetRatio, d.BankSize, d.ShardCount, d.Replicas, d.ImageThreshold, d.ThresholdMethod, d.ExpectedFalseRejectRate(), d.HeldOutGood?.Length ?? 0);

    private static async Task<Results<Accepted<JobAccepted>, ProblemHttpResult>> Activate(string line, string version, HttpContext http, ApiContext api,
        [FromServices] IRequiredActor<ModelRegistry> registry, [FromServices] IRequiredActor<TrainingCoordinators> trainers, CancellationToken cancel)
    {
        var models = await registry.GetAsync(cancel);
        var kept = await models.Ask<ModelVersions>(new GetModels(line), ApiContext.AskTimeout, cancel);
        if (!kept.Known) return Problems.NotFound($"unknown line '{Names.Shorten(line)}'");
        if (kept.Versions.All(v => v.Version != version))
            return Problems.NotFound($"line '{line}' does not keep version '{Names.Shorten(version)}'; it keeps " +
                (kept.Versions.Count == 0 ? "none (train it first)" : string.Join(", ", kept.Versions.Select(v => v.Version).OrderBy(VersionName.Number))));
        return await StartActivation(api, models, await trainers.GetAsync(cancel), line, version, kept.Active, ApiKeyMiddleware.Caller(http));
    }

    /// <summary>The activation job of a kept version (also the shadow's promotion).</summary>
    public static async Task<Results<Accepted<JobAccepted>, ProblemHttpResult>> StartActivation(ApiContext api, IActorRef registry, IActorRef trainers, string line,
        string version, string? active, string by)
    {
        if (api.Jobs.ActiveFor(line) is { } running) return Problems.Conflict($"line '{line}' has job {running.Id} running; activate a version when it has ended");
        var job = api.Jobs.Start(api.System, registry, line, "activate", (id, watcher) =>
            trainers.Tell(new ActivateVersion(line, version, by, id, watcher), watcher));
        if (job == null) return Problems.Conflict($"line '{line}' is already being trained");
        await api.Audit.Record(AuditLog.Activate, line, by, active is null ? null : new { version = active }, new { version }, job.Id);
        api.Audit.Follow(job, by, active);
        return TypedResults.Accepted($"/api/v1/jobs/{job.Id}", new JobAccepted(job.Id, $"/api/v1/jobs/{job.Id}"));
    }
}
