using System.Globalization;
using Inspection.Actors.Lines;
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
        results.MapGet("/", List).WithSummary("Results newest first, filtered by line, camera, verdict and time; cursor continues a page.");
        results.MapGet("/{id}", Get).WithSummary("One result.");
        results.MapGet("/{id}/heatmap.png", (string id, ApiContext api, CancellationToken c) => Image(id, api, ResultImages.Heatmap, c))
            .Produces(200, contentType: "image/png").WithSummary("The result's anomaly map, coloured.");
        results.MapGet("/{id}/overlay.png", (string id, ApiContext api, CancellationToken c) => Image(id, api, ResultImages.Overlay, c))
            .Produces(200, contentType: "image/png").WithSummary("The frame under its anomaly map.");
        results.MapGet("/{id}/mask.png", (string id, ApiContext api, CancellationToken c) => Image(id, api, ResultImages.Mask, c))
            .Produces(200, contentType: "image/png").WithSummary("The mask of the anomaly map's pixels over the model's pixel threshold (white).");
        results.MapGet("/{id}/image", (string id, ApiContext api, CancellationToken c) => Image(id, api, ResultFiles.ImageBeside, c))
            .Produces(200, contentType: "image/png").WithSummary("The frame as it was sent (kept for scored frames).");
        results.MapPost("/{id}/review", Review).WithSummary("Record an operator's verdict; a false alarm marked good with addToModel joins the line's bank as a new version.");
    }

    private static async Task<Results<Ok<ResultPageView>, ProblemHttpResult>> List(ApiContext api, string? line, string? camera, string? verdict, string? since,
        int? limit, string? cursor, CancellationToken cancel)
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
        var page = await api.Store.Query(new ResultQuery(line, camera, verdict, from, limit ?? 50, cursor), cancel);
        return TypedResults.Ok(new ResultPageView(page.Items.Select(ResultViews.Of).ToList(), page.NextCursor));
    }

    private static async Task<Results<Ok<ResultView>, ProblemHttpResult>> Get(string id, ApiContext api, CancellationToken cancel) =>
        await api.Store.Get(id, cancel) is { } r ? TypedResults.Ok(ResultViews.Of(r)) : Problems.NotFound($"unknown result '{Names.Shorten(id)}'");

    private static async Task<Results<PhysicalFileHttpResult, ProblemHttpResult>> Image(string id, ApiContext api, Func<string, string?> path, CancellationToken cancel)
    {
        if (await api.Store.Get(id, cancel) is not { } r) return Problems.NotFound($"unknown result '{Names.Shorten(id)}'");
        if (r.HeatmapPath == null) return Problems.NotFound($"result {id} has no images ({(r.Error != null ? "the frame failed" : "none were written")})");
        // Drawn on the thread pool when first asked for: the overlay and heatmap are not drawn for every frame.
        string? file;
        try { file = await Task.Run(() => path(r.HeatmapPath), cancel); }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or Inspection.Engine.Imaging.ImageReadException)
        {
            return Problems.NotFound($"this image of result {id} cannot be drawn from what was kept: {e.Message}");
        }
        if (file == null || !File.Exists(file)) return Problems.NotFound($"this image of result {id} was not kept");
        return TypedResults.PhysicalFile(file, Images.ContentTypeOf(file));
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
            image = record.HeatmapPath is { } overlay ? ResultFiles.ImageBeside(overlay) : null;
            if (image == null) return Problems.Conflict($"the image of result {id} was not kept (images are kept for scored frames): it cannot be added to the model");
        }
        await api.Store.Review(id, label, ApiKeyMiddleware.Caller(http), DateTimeOffset.UtcNow, cancel);
        string? jobId = null;
        if (image != null)
        {
            var job = TrainingRoutes.Start(api, await registry.GetAsync(cancel), await trainers.GetAsync(cancel), record.Line, [image]);
            if (job == null) return Problems.Conflict($"the review is recorded, but line '{record.Line}' is being trained: add the frame again when it is done");
            jobId = job.Id;
        }
        return TypedResults.Ok(new ReviewAnswer(ResultViews.Of((await api.Store.Get(id, cancel))!), jobId));
    }
}
