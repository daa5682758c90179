using System.Globalization;
using Inspection.Actors.Messages;
using Inspection.Actors.Results;
using Microsoft.AspNetCore.Http.HttpResults;
using Akka.Hosting;
using Inspection.Actors.Registry;
using Inspection.Actors.Training;
using Microsoft.AspNetCore.Mvc;

namespace Inspection.Host.Api;

/// <summary>/api/v1/results: one result, pages of results, their images, and operators' reviews.</summary>
public static class ResultRoutes
{
    public const int MaxLimit = 500;

    public static void Map(RouteGroupBuilder api)
    {
        var results = api.MapGroup("/results").WithTags("Results");
        results.MapGet("/", List).WithSummary("Results newest first, filtered by line, camera, verdict, part and time; cursor continues a page.");
        results.MapGet("/{id}", Get).WithSummary("One result.")
            .WithDescription("404 while a frame answered 202 is still being scored; 410 when its result could not be stored (send the frame again).");
        results.MapGet("/{id}/heatmap.png", (string id, ApiContext api, CancellationToken c) => Image(id, api, ResultImageKind.Heatmap, c))
            .Produces(200, contentType: "image/png").WithSummary("The result's anomaly map, coloured.");
        results.MapGet("/{id}/overlay.png", (string id, ApiContext api, CancellationToken c) => Image(id, api, ResultImageKind.Overlay, c))
            .Produces(200, contentType: "image/png").WithSummary("The frame under its anomaly map.");
        results.MapGet("/{id}/mask.png", (string id, ApiContext api, CancellationToken c) => Image(id, api, ResultImageKind.Mask, c))
            .Produces(200, contentType: "image/png").WithSummary("The mask of the anomaly map's pixels over the model's pixel threshold (white).");
        results.MapGet("/{id}/image", (string id, ApiContext api, CancellationToken c) => Image(id, api, ResultImageKind.Image, c))
            .Produces(200, contentType: "image/png").WithSummary("The frame as it was sent (kept for scored frames).");
        results.MapPost("/{id}/review", Review).WithSummary("Record an operator's verdict; a false alarm marked good with addToModel joins the line's bank as a new version.");
    }

    private static async Task<Results<Ok<ResultPageView>, ProblemHttpResult>> List(ApiContext api, string? line, string? camera, string? verdict, string? since,
        int? limit, string? cursor, string? part, CancellationToken cancel)
    {
        if (verdict != null && !ResultWords.Verdicts.Contains(verdict))
            return Problems.BadRequest($"verdict '{Names.Shorten(verdict)}' is not one of {string.Join(", ", ResultWords.Verdicts)}");
        if (limit is < 1 or > MaxLimit) return Problems.BadRequest($"limit {limit} is out of range: 1 to {MaxLimit}");
        DateTimeOffset? from = null;
        if (since != null)
        {
            if (!DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
                return Problems.BadRequest($"since '{Names.Shorten(since)}' is not an ISO 8601 time (e.g. 2026-12-02T08:00:00Z)");
            from = parsed;
        }
        if (cursor != null && !ResultStore.IsCursor(cursor)) return Problems.BadRequest("cursor is not one this server gave (take nextCursor from a previous page)");
        var page = await api.Store.Query(new ResultQuery(line, camera, verdict, from, limit ?? 50, cursor, part), cancel);
        return TypedResults.Ok(new ResultPageView(page.Items.Select(ResultViews.Of).ToList(), page.NextCursor));
    }

    private static async Task<Results<Ok<ResultView>, ProblemHttpResult>> Get(string id, ApiContext api, CancellationToken cancel)
    {
        // Answered before the store is asked: the store is what failed.
        if (api.Lost.Find(id) is { } lost)
            return Problems.Of(StatusCodes.Status410Gone, "Result lost",
                $"frame {id} was taken at {lost.At:u} but its result could not be stored: {lost.Reason}. It has no result and will not have one: " +
                "send it again, with the same frameId or Idempotency-Key; it is scored once", new Dictionary<string, object?> { ["resultId"] = id });
        return await api.Store.Get(id, cancel) is { } r ? TypedResults.Ok(ResultViews.Of(r)) : Problems.NotFound($"unknown result '{Names.Shorten(id)}'");
    }

    /// <summary>From this node's disk, or from the gpu node that scored the frame (drawn there when first asked for).</summary>
    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> Image(string id, ApiContext api, ResultImageKind kind, CancellationToken cancel)
    {
        if (await api.Store.Get(id, cancel) is not { } r) return Problems.NotFound($"unknown result '{Names.Shorten(id)}'");
        if (r.HeatmapPath == null) return Problems.NotFound($"result {id} has no images ({(r.Error != null ? "the frame failed" : "none were written")})");
        var image = await api.Images.Get(r.HeatmapPath, kind, cancel);
        if (image is not { Bytes: { } bytes, FileName: { } name })
            return Problems.NotFound($"this image of result {id} cannot be had: {image.Problem}");
        return TypedResults.File(bytes, Images.ContentTypeOf(name));
    }

    private static async Task<Results<Ok<ReviewAnswer>, ProblemHttpResult>> Review(string id, ReviewRequest? body, HttpContext http, ApiContext api,
        [FromServices] IRequiredActor<ModelRegistry> registry, [FromServices] IRequiredActor<TrainingCoordinators> trainers, CancellationToken cancel)
    {
        if (body?.Label is not { } label || !ResultWords.Labels.Contains(label))
            return Problems.BadRequest($"label must be one of {string.Join(", ", ResultWords.Labels)}");
        if (body.AddToModel && label != ResultWords.Good) return Problems.BadRequest("only a frame labelled good can be added to the model");
        if (await api.Store.Get(id, cancel) is not { } record) return Problems.NotFound($"unknown result '{Names.Shorten(id)}'");
        if (record.Verdict == ResultWords.Error) return Problems.Conflict($"result {id} failed ({record.Error}); there is no verdict to review");
        string? image = null;
        if (body.AddToModel)
        {
            var kept = record.HeatmapPath is { } overlay ? await api.Images.Get(overlay, ResultImageKind.Image, cancel) : null;
            if (kept is not { Bytes: { } bytes, FileName: { } name })
                return Problems.Conflict($"the image of result {id} cannot be had ({kept?.Problem ?? "images are kept for scored frames"}): it cannot be added to the model");
            image = await Uploads.SaveReviewed(api.Settings, record.Line, id, name, bytes, cancel);
        }
        await api.Store.Review(id, label, ApiKeyMiddleware.Caller(http), DateTimeOffset.UtcNow, cancel);
        await api.Audit.Record(AuditLog.Review, record.Line, ApiKeyMiddleware.Caller(http), record.ReviewLabel is { } earlier ? new { label = earlier } : null,
            new { label, verdict = record.Verdict, addToModel = body.AddToModel }, id);
        string? jobId = null;
        if (image != null)
        {
            var job = TrainingRoutes.Start(api, await registry.GetAsync(cancel), await trainers.GetAsync(cancel), record.Line, [image], ApiKeyMiddleware.Caller(http));
            if (job == null) return Problems.Conflict($"the review is recorded, but line '{record.Line}' is being trained: add the frame again when it is done");
            jobId = job.Id;
        }
        return TypedResults.Ok(new ReviewAnswer(ResultViews.Of((await api.Store.Get(id, cancel))!), jobId));
    }
}
