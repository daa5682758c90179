using Akka.Actor;
using Inspection.Actors.Extraction;
using Inspection.Actors.Messages;
using Inspection.Engine.Metrics;
using Inspection.Engine.PatchCore;
using Inspection.Actors.Scoring;
using Microsoft.AspNetCore.Http.HttpResults;
using Akka.Hosting;
using Inspection.Actors.Registry;
using Inspection.Actors.Results;
using Microsoft.AspNetCore.Mvc;
using Inspection.Actors.Lines;
using Inspection.Actors.Training;

namespace Inspection.Host.Api;

/// <summary>/api/v1/lines: create, list, read, delete lines, and set a line's threshold.</summary>
public static class LineRoutes
{
    public static void Map(RouteGroupBuilder api)
    {
        var lines = api.MapGroup("/lines").WithTags("Lines");
        lines.MapGet("/", List).WithSummary("List the lines with their model, threshold and counters.");
        lines.MapGet("/{line}", Get).WithSummary("One line: model version, bank size, shards, threshold, counters and reviews.");
        lines.MapPut("/{line}", Put).WithSummary("Create a line or change its settings (backbone, image size, coreset ratio, shard count, threshold policy, replicas). A trained line's replicas change at once, as a job (activeJob); the others at its next training.");
        lines.MapDelete("/{line}", Delete).WithSummary("Delete a line and its results.");
        lines.MapGet("/{line}/summary", Summary).WithSummary("The line's results over the last 1, 5 and 60 minutes (counts, fail rate, frames/s, latency) and its last scores.");
        lines.MapGet("/{line}/threshold/preview", Preview)
            .WithSummary("What a threshold of score would change: flagged and flipped frames among the last scored ones and the reviewed ones.");
        lines.MapPut("/{line}/threshold", SetThreshold).WithSummary("Set the image-score threshold of the line's current model (applies to frames scored after it).");
    }

    private static async Task<Ok<IReadOnlyList<LineView>>> List(ApiContext api, [FromServices] IRequiredActor<ModelRegistry> registry, [FromServices] IRequiredActor<LineRegion> lines, CancellationToken cancel)
    {
        var list = await (await registry.GetAsync(cancel)).Ask<LineList>(new ListLines(), ApiContext.AskTimeout, cancel);
        var views = await Task.WhenAll(list.Lines.Select(async l => (await View(api, registry, lines, l.Line, cancel))!));
        return TypedResults.Ok<IReadOnlyList<LineView>>(views.Where(v => v != null).ToList());
    }

    private static async Task<Results<Ok<LineView>, ProblemHttpResult>> Get(string line, ApiContext api, [FromServices] IRequiredActor<ModelRegistry> registry, [FromServices] IRequiredActor<LineRegion> lines,
        CancellationToken cancel) =>
        await View(api, registry, lines, line, cancel) is { } view ? TypedResults.Ok(view) : Problems.NotFound($"unknown line '{Names.Shorten(line)}'");

    private static async Task<Results<Ok<LineSummaryView>, ProblemHttpResult>> Summary(string line, ApiContext api, [FromServices] IRequiredActor<ModelRegistry> registry,
        [FromServices] IRequiredActor<LineRegion> lines, CancellationToken cancel) =>
        await View(api, registry, lines, line, cancel) is { } view
            ? TypedResults.Ok(await LineSummaries.Of(view, api.Store, DateTimeOffset.UtcNow, cancel))
            : Problems.NotFound($"unknown line '{Names.Shorten(line)}'");

    private static async Task<Results<Ok<ThresholdPreviewView>, ProblemHttpResult>> Preview(string line, float? score, ApiContext api,
        [FromServices] IRequiredActor<ModelRegistry> registry, CancellationToken cancel)
    {
        if (score is not { } candidate || !float.IsFinite(candidate)) return Problems.BadRequest("give the threshold to preview as ?score= (a number on the model's scale)");
        var details = await (await registry.GetAsync(cancel)).Ask<LineDetails>(new GetLine(line), ApiContext.AskTimeout, cancel);
        if (!details.Known) return Problems.NotFound($"unknown line '{Names.Shorten(line)}'");
        if (details.Deployment is not { } d) return Problems.Conflict($"line '{Names.Shorten(line)}' is not trained yet: it has no threshold to move");
        return TypedResults.Ok(await ThresholdPreviews.Of(line, d.ImageThreshold, candidate, d.HeldOutGood, api.Store, cancel));
    }

    private static async Task<Results<Ok<LineView>, Created<LineView>, ProblemHttpResult>> Put(string line, LineSettingsRequest? body, HttpContext http, ApiContext api,
        [FromServices] IRequiredActor<ModelRegistry> registry, [FromServices] IRequiredActor<LineRegion> lines, [FromServices] IRequiredActor<TrainingCoordinators> trainers, CancellationToken cancel)
    {
        if (Names.Problem("line", line) is { } bad) return Problems.BadRequest(bad);
        var models = await registry.GetAsync(cancel);
        var existing = await models.Ask<LineDetails>(new GetLine(line), ApiContext.AskTimeout, cancel);
        var s = existing.Settings;
        var asked = s with
        {
            Backbone = body?.Backbone ?? s.Backbone, CoresetRatio = body?.CoresetRatio ?? s.CoresetRatio, Shards = body?.Shards ?? s.Shards,
            ThresholdPolicy = body?.ThresholdPolicy is { } policy ? (s with { ThresholdPolicy = policy }).Policy : s.Policy,
            FalseRejectTarget = body?.FalseRejectTarget ?? (s.FalseRejectTarget > 0 ? s.FalseRejectTarget : LineSettings.DefaultFalseRejectTarget),
            Webhook = body?.Webhook is null ? s.Webhook : body.Webhook.Length == 0 ? null : body.Webhook, Mqtt = body?.Mqtt ?? s.Mqtt,
            Replicas = body?.Replicas ?? s.Replicas, RefuseAspectMismatch = body?.RefuseAspectMismatch ?? s.RefuseAspectMismatch,
            Tiled = body?.Tiled ?? s.Tiled,
            // A line made tiled now without an overlap gets the default; one tiled before keeps its own.
            TileOverlap = body?.TileOverlap ?? (body?.Tiled == true && !s.Tiled ? PatchCoreSettings.DefaultTileOverlap : s.TileOverlap),
            KeepDays = body?.KeepDays ?? s.KeepDays, KeepFlaggedDays = body?.KeepFlaggedDays ?? s.KeepFlaggedDays, KeepMegabytes = body?.KeepMegabytes ?? s.KeepMegabytes,
            KeepVersions = body?.KeepVersions ?? s.KeepVersions,
        };
        if (Retention.SettingsProblem(asked.KeepDays, asked.KeepFlaggedDays, asked.KeepMegabytes) is { } keeping) return Problems.BadRequest(keeping);
        if (api.Settings.Retention.For(asked).Problem() is { } retention) return Problems.BadRequest($"{retention} (0 for a setting: the server's default)");
        if (LineImageSize.Apply(asked, body?.ImageSize, out string? sizeProblem) is not { } settings) return Problems.BadRequest(sizeProblem!);
        if (SettingsProblem(settings) is { } problem) return Problems.BadRequest(problem);
        if (settings.Mqtt && api.Settings.Mqtt is null) return Problems.BadRequest("this server has no MQTT broker: start it with --mqtt host:port to publish results");
        // A trained line's replica count changes now, without a retrain (a job, as training is); other settings apply at the next training.
        bool replicasChange = body?.Replicas is not null && existing.Deployment is { } deployed && (settings.Replicas == 0 || settings.Replicas != deployed.Replicas);
        if (replicasChange && api.Jobs.ActiveFor(line) is { } active)
            return Problems.Conflict($"line '{line}' has a job running ({active.Id}); change its replicas when it has ended");
        await models.Ask<LineConfigured>(new ConfigureLine(line, settings), ApiContext.AskTimeout, cancel);
        if (!existing.Known || settings != s)
            await api.Audit.Record(AuditLog.Settings, line, ApiKeyMiddleware.Caller(http), existing.Known ? SettingsView(s) : null, SettingsView(settings));
        if (replicasChange)
        {
            var trainerRouter = await trainers.GetAsync(cancel);
            api.Jobs.Start(api.System, models, line, "replicas", (id, watcher) =>
                trainerRouter.Tell(new SetReplicas(line, settings.Replicas, id, watcher), watcher));
        }
        var view = (await View(api, registry, lines, line, cancel))!;
        return existing.Known ? TypedResults.Ok(view) : TypedResults.Created($"/api/v1/lines/{line}", view);
    }

    /// <summary>Why the settings cannot train a model; null if they can (the engine's own checks, before any work).</summary>
    private static string? SettingsProblem(LineSettings s)
    {
        if (!LineSettings.Policies.Contains(s.ThresholdPolicy))
            return $"thresholdPolicy '{Names.Shorten(s.ThresholdPolicy)}' is not known: use {string.Join(", ", LineSettings.Policies)}";
        if (ConformalThreshold.TargetProblem(s.FalseRejectTarget) is { } target) return $"falseRejectTarget: {target}";
        if (s.KeepVersions is < 0 or > LineSettings.MaxKeepVersions)
            return $"keepVersions {s.KeepVersions} is out of range: 0 (the default, {LineSettings.DefaultKeepVersions}) or 1 (the active version only) to {LineSettings.MaxKeepVersions}";
        if (s.Shards is < 0 or > 256) return $"shards {s.Shards} is out of range: 0 (one shard per 4 GiB of bank) to 256";
        if (s.Replicas is < 0 or > 8) return $"replicas {s.Replicas} is out of range: 0 (one per gpu node, at most 2) to 8";
        if (s.Webhook != null && !(Uri.TryCreate(s.Webhook, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"))
            return $"webhook '{Names.Shorten(s.Webhook)}' is not an absolute http or https URL";
        try
        {
            var size = s.SizeChoice();
            new PatchCoreSettings
            {
                Backbone = s.Backbone, ImageSize = size.Size, AutoImagePixels = size.AutoPixels, CoresetRatio = s.CoresetRatio,
                TileOverlap = s.Tiled ? s.TileOverlap : null,
            }.Validate();
            return null;
        }
        catch (ArgumentException e) { return e.Message; }
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(string line, HttpContext http, ApiContext api, [FromServices] IRequiredActor<ModelRegistry> registry,
        CancellationToken cancel)
    {
        if (api.Jobs.ActiveFor(line) is { } job) return Problems.Conflict($"line '{line}' has job {job.Id} running: cancel it first (DELETE /api/v1/jobs/{job.Id})");
        var deleted = await (await registry.GetAsync(cancel)).Ask<LineDeleted>(new DeleteLine(line), ApiContext.AskTimeout, cancel);
        if (!deleted.Existed) return Problems.NotFound($"unknown line '{Names.Shorten(line)}'");
        api.Deployments.Forget(line); // at once here; other nodes hear it on the topic
        await api.Audit.Record(AuditLog.LineDeleted, line, ApiKeyMiddleware.Caller(http), null, null);
        await api.Store.DeleteLine(line, cancel);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<ThresholdView>, ProblemHttpResult>> SetThreshold(string line, ThresholdRequest? body, HttpContext http, ApiContext api,
        [FromServices] IRequiredActor<ModelRegistry> registry, CancellationToken cancel)
    {
        if (body is null || (body.Score is null) == (body.Normalised is null))
            return Problems.BadRequest("give exactly one of score (the model's scale) or normalised (0 to 1, 0.5 at the current threshold)");
        var models = await registry.GetAsync(cancel);
        var details = await models.Ask<LineDetails>(new GetLine(line), ApiContext.AskTimeout, cancel);
        if (!details.Known) return Problems.NotFound($"unknown line '{Names.Shorten(line)}'");
        if (details.Deployment is not { } d) return Problems.Conflict($"line '{line}' has no trained model yet: train it first");
        float score;
        if (body.Score is { } given)
        {
            if (!float.IsFinite(given) || given < 0) return Problems.BadRequest($"score {given} is not a finite number of at least 0");
            score = given;
        }
        else
        {
            float n = body.Normalised!.Value;
            if (!(n >= 0 && n <= 1)) return Problems.BadRequest($"normalised {n} is not between 0 and 1");
            // Normalised scores put the current threshold at 0.5 over the calibrated range: invert that.
            score = d.ImageThreshold + (n - 0.5f) * Math.Max(d.ImageMax - d.ImageMin, 1e-6f);
            if (score < 0) score = 0;
        }
        var reply = await models.Ask<object>(new SetThreshold(line, score, ApiKeyMiddleware.Caller(http)), ApiContext.AskTimeout, cancel);
        if (reply is not ThresholdSet set) return Problems.Conflict((reply as NoDeployment)?.Reason ?? "the threshold was not set");
        await api.Audit.Record(AuditLog.Threshold, line, set.By, new { score = d.ImageThreshold, setBy = d.ThresholdMethod, version = d.Version },
            new { score = set.Score, version = d.Version });
        return TypedResults.Ok(new ThresholdView(set.Score, "operator", set.By, set.At));
    }

    /// <summary>The line's view, or null for an unknown line. Counters come from the line itself (null if it did not answer).</summary>
    public static async Task<LineView?> View(ApiContext api, IRequiredActor<ModelRegistry> registry, IRequiredActor<LineRegion> lines, string line, CancellationToken cancel)
    {
        var details = await (await registry.GetAsync(cancel)).Ask<LineDetails>(new GetLine(line), ApiContext.AskTimeout, cancel);
        if (!details.Known) return null;
        var statsTask = (await lines.GetAsync(cancel)).Ask<LineStats>(new GetLineStats(line), TimeSpan.FromSeconds(3), cancel);
        var reviewsTask = api.Store.Reviews(line, cancel);
        LineStats? stats = null;
        try { stats = await statsTask; }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException) { }
        var reviews = await reviewsTask;
        var s = details.Settings;
        var d = details.Deployment;
        var last = details.Thresholds.Count > 0 ? details.Thresholds[^1] : null;
        ThresholdView? threshold = d is null ? null
            : last is not null && last.Score == d.ImageThreshold
                ? new ThresholdView(d.ImageThreshold, "operator", last.By, last.At, d.ExpectedFalseRejectRate(), d.ThresholdMethod)
                : new ThresholdView(d.ImageThreshold, "model", null, null, d.ExpectedFalseRejectRate(), d.ThresholdMethod);
        return new LineView(line, SettingsView(s), d?.Version, d?.BankSize ?? 0,
            d?.ShardCount ?? 0, threshold,
            stats is null ? null : new LineCountersView(stats.Accepted, stats.Scored, stats.Failed, stats.Rejected, stats.Flagged, stats.InFlight),
            new LineReviewsView(reviews.Reviewed, reviews.FalseAlarms, reviews.Misses, reviews.ConfirmedDefects), api.Jobs.ActiveFor(line)?.Id,
            d?.Replicas ?? 0, d?.Input().ToString(), d?.Tiled ?? false, await Storage(api, line, api.Settings.Retention.For(s), cancel),
            d?.Shadow is { } shadow ? await ShadowOf(api, line, shadow.Version, d.ShadowSample, cancel) : null);
    }

    private static async Task<LineShadowView> ShadowOf(ApiContext api, string line, string version, double sample, CancellationToken cancel)
    {
        var agreement = await ShadowRoutes.Agreements(api.Store, line, cancel);
        return new LineShadowView(version, sample, agreement.FirstOrDefault(a => a.Version == version));
    }

    private static LineSettingsView SettingsView(LineSettings s) =>
        new(s.Backbone, LineImageSize.Describe(s), s.CoresetRatio, s.Shards, s.Policy, s.Webhook, s.Mqtt, s.Replicas, s.RefuseAspectMismatch, s.Tiled,
            s.Tiled ? s.TileOverlap : null, s.KeepDays, s.KeepFlaggedDays, s.KeepMegabytes, s.TrainingFalseRejectTarget, s.VersionsKept);

    /// <summary>The line's storage as this node's retention last measured it, or counted now (before its first step, or on a node without it).</summary>
    private static async Task<LineStorageView> Storage(ApiContext api, string line, Retention retention, CancellationToken cancel)
    {
        RetentionActor.LineStorage? measured = null;
        if (ActorRegistry.For(api.System).TryGet<RetentionKeeper>(out var keeper))
        {
            try { measured = await keeper.Ask<RetentionActor.LineStorage>(new RetentionActor.GetLineStorage(line), TimeSpan.FromSeconds(3), cancel); }
            catch (AskTimeoutException) { }
        }
        if (measured?.At is null)
        {
            var usage = await api.Store.Usage(line, cancel);
            measured = new RetentionActor.LineStorage(line, retention, usage.Results, usage.Bytes, measured?.RemovedResults ?? 0, measured?.RemovedBytes ?? 0, null);
        }
        return new LineStorageView(retention.Keep.TotalDays, retention.KeepFlagged.TotalDays, retention.MaxBytes >> 20, measured.KeptResults, measured.KeptBytes,
            measured.RemovedResults, measured.RemovedBytes, measured.At);
    }
}
