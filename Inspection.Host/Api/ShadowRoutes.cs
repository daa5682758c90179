using Akka.Actor;
using Akka.Hosting;
using Inspection.Actors.Messages;
using Inspection.Actors.Registry;
using Inspection.Actors.Results;
using Inspection.Actors.Shards;
using Inspection.Actors.Training;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Inspection.Host.Api;

/// <summary>
/// A line's shadow: a kept version that scores the line's frames (all, or a sample) beside the active one, from the
/// same features when it computes them, else from its own extraction of those frames. Its verdicts are stored and compared with the active ones, never sent to sinks or PLCs and never
/// changing a result; promoting it is one call (the activation job of <see cref="VersionRoutes"/>).
/// </summary>
public static class ShadowRoutes
{
    public const int FlipsShown = 50;

    public static void Map(RouteGroupBuilder api)
    {
        var shadow = api.MapGroup("/lines/{line}/shadow").WithTags("Models");
        shadow.MapGet("/", Get).WithSummary("The line's shadow version, its agreement with the active version (both pass, both fail, flips each way) and the latest frames that flipped.");
        shadow.MapPut("/", Put).WithSummary("Make a kept version score the line's frames (all, or a sample) beside the active one; its verdicts are stored and compared, never acted on.");
        shadow.MapDelete("/", Delete).WithSummary("End the line's shadow; its stored verdicts stay with their results.");
        shadow.MapPost("/promote", Promote).WithSummary("Make the shadow the active version (a job, as activating a kept version); the line then has no shadow.");
    }

    private static async Task<Results<Ok<ShadowView>, ProblemHttpResult>> Get(string line, string? version, ApiContext api,
        [FromServices] IRequiredActor<ModelRegistry> registry, CancellationToken cancel)
    {
        var kept = await (await registry.GetAsync(cancel)).Ask<ModelVersions>(new GetModels(line), ApiContext.AskTimeout, cancel);
        if (!kept.Known) return Problems.NotFound($"unknown line '{Names.Shorten(line)}'");
        return TypedResults.Ok(await View(api.Store, kept, version, cancel));
    }

    /// <summary>The agreement of every version that has shadowed the line, over its stored results.</summary>
    public static async Task<IReadOnlyList<ShadowAgreementView>> Agreements(ResultStore store, string line, CancellationToken cancel) =>
        (await store.ShadowAgreements(line, cancel)).Select(a => new ShadowAgreementView(a.Version, a.Compared, a.BothPass, a.BothFail,
            a.PassToFail, a.FailToPass, a.Errors, a.Waiting, a.Compared == 0 ? null : (double)(a.BothPass + a.BothFail) / a.Compared)).ToList();

    private static async Task<ShadowView> View(ResultStore store, ModelVersions kept, string? version, CancellationToken cancel)
    {
        var agreement = await Agreements(store, kept.Line, cancel);
        string? flipsOf = version ?? kept.Shadow;
        var flips = flipsOf is null ? [] : (await store.ShadowFlips(kept.Line, flipsOf, FlipsShown, cancel)).Select(f => new ShadowFlipView(f.ResultId,
            $"/api/v1/results/{f.ResultId}", f.ActiveVersion, f.ActiveVerdict, f.ActiveScore, f.ShadowVerdict, f.ShadowScore, f.CompletedAt)).ToList();
        return new ShadowView(kept.Line, kept.Active, kept.Shadow, kept.ShadowSample, agreement, flips);
    }

    private static async Task<Results<Ok<ShadowView>, ProblemHttpResult>> Put(string line, ShadowRequest? body, HttpContext http, ApiContext api,
        [FromServices] IRequiredActor<ModelRegistry> registry, [FromServices] IRequiredActor<MemoryBankShardRegion> shards, CancellationToken cancel)
    {
        if (string.IsNullOrWhiteSpace(body?.Version)) return Problems.BadRequest("give the kept version to shadow the line: {\"version\": \"v3\", \"sample\": 1.0} (DELETE ends a shadow)");
        double sample = body.Sample ?? 1.0;
        if (!(sample > 0 && sample <= 1)) return Problems.BadRequest($"sample {sample} is out of range: above 0, at most 1 (the share of frames the shadow scores)");
        var models = await registry.GetAsync(cancel);
        var kept = await models.Ask<ModelVersions>(new GetModels(line), ApiContext.AskTimeout, cancel);
        if (!kept.Known) return Problems.NotFound($"unknown line '{Names.Shorten(line)}'");
        if (kept.Versions.FirstOrDefault(v => v.Version == body.Version) is not { } shadow)
            return Problems.NotFound($"line '{line}' does not keep version '{Names.Shorten(body.Version)}'; it keeps {string.Join(", ", kept.Versions.Select(v => v.Version))}");
        // Its slices loaded before it takes frames, so its first verdicts are not failures of shards still recovering.
        var region = await shards.GetAsync(cancel);
        try { await ModelPublisher.AllLoaded(region, shadow, TimeSpan.FromSeconds(60)); }
        catch (Exception e) when (e is TimeoutException or AskTimeoutException)
        {
            return Problems.Unavailable($"the shards of {shadow.Version} did not load: {e.Message}");
        }
        var reply = await models.Ask<object>(new SetShadow(line, shadow.Version, sample, ApiKeyMiddleware.Caller(http)), ApiContext.AskTimeout, cancel);
        if (reply is ShadowRefused refused) return Problems.Conflict(refused.Reason);
        await api.Audit.Record(AuditLog.Shadow, line, ApiKeyMiddleware.Caller(http), kept.Shadow is { } before ? new { version = before, sample = kept.ShadowSample } : null,
            new { version = shadow.Version, sample });
        return TypedResults.Ok(await View(api.Store, await models.Ask<ModelVersions>(new GetModels(line), ApiContext.AskTimeout, cancel), null, cancel));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(string line, HttpContext http, ApiContext api, [FromServices] IRequiredActor<ModelRegistry> registry,
        CancellationToken cancel)
    {
        var models = await registry.GetAsync(cancel);
        var kept = await models.Ask<ModelVersions>(new GetModels(line), ApiContext.AskTimeout, cancel);
        var reply = await models.Ask<object>(new SetShadow(line, null, 0, ApiKeyMiddleware.Caller(http)), ApiContext.AskTimeout, cancel);
        if (reply is ShadowRefused refused) return Problems.NotFound(refused.Reason);
        if (kept.Shadow is { } ended)
            await api.Audit.Record(AuditLog.Shadow, line, ApiKeyMiddleware.Caller(http), new { version = ended, sample = kept.ShadowSample }, null);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Accepted<JobAccepted>, ProblemHttpResult>> Promote(string line, HttpContext http, ApiContext api,
        [FromServices] IRequiredActor<ModelRegistry> registry, [FromServices] IRequiredActor<TrainingCoordinators> trainers, CancellationToken cancel)
    {
        var models = await registry.GetAsync(cancel);
        var kept = await models.Ask<ModelVersions>(new GetModels(line), ApiContext.AskTimeout, cancel);
        if (!kept.Known) return Problems.NotFound($"unknown line '{Names.Shorten(line)}'");
        if (kept.Shadow is not { } version) return Problems.Conflict($"line '{line}' has no shadow to promote: set one with PUT /api/v1/lines/{line}/shadow");
        return await VersionRoutes.StartActivation(api, models, await trainers.GetAsync(cancel), line, version, kept.Active, ApiKeyMiddleware.Caller(http));
    }
}
