using Akka.Actor;
using Akka.Routing;
using Inspection.Actors.Messages;
using Inspection.Engine.Data;
using Inspection.Engine.Imaging;
using Microsoft.AspNetCore.Http.HttpResults;
using Akka.Hosting;
using Inspection.Actors.Registry;
using Inspection.Actors.Training;
using Microsoft.AspNetCore.Mvc;

namespace Inspection.Host.Api;

/// <summary>/api/v1/lines/{line}/training, /lines/{line}/good-images and /jobs/{id}: model-making jobs.</summary>
public static class TrainingRoutes
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/lines/{line}/training", Train).WithTags("Training")
            .Accepts<TrainingRequest>("application/json", "multipart/form-data")
            .WithSummary("Train a new model version from a server folder in MVTec layout (JSON {\"folder\": ...}, under a configured root) or from uploaded good images (multipart).");
        api.MapPost("/lines/{line}/good-images", AddGoodImages).WithTags("Training").Accepts<IFormFileCollection>("multipart/form-data")
            .WithSummary("Add uploaded good images to the line's bank without retraining, as a new version.");
        api.MapGet("/jobs/{id}", GetJob).WithTags("Training").WithSummary("A job's state, stage, progress, ETA, and the new version and calibration when done.");
        api.MapDelete("/jobs/{id}", CancelJob).WithTags("Training").WithSummary("Cancel a job; the line keeps the model it had.");
    }

    private static async Task<Results<Accepted<JobAccepted>, ProblemHttpResult>> Train(string line, HttpRequest request, ApiContext api,
        [FromServices] IRequiredActor<ModelRegistry> registry, [FromServices] IRequiredActor<TrainingCoordinators> trainers, CancellationToken cancel)
    {
        if (Names.Problem("line", line) is { } bad) return Problems.BadRequest(bad);
        var models = await registry.GetAsync(cancel);
        var details = await models.Ask<LineDetails>(new GetLine(line), ApiContext.AskTimeout, cancel);
        if (api.Jobs.ActiveFor(line) is { } running) return Problems.Conflict($"line '{line}' is already being trained by job {running.Id}");
        string folder;
        if (request.HasFormContentType)
        {
            var upload = await Uploads.Save(request, api.Settings, line, cancel);
            if (upload.Problem != null) return upload.Problem;
            folder = upload.Folder!;
        }
        else if (request.HasJsonContentType())
        {
            TrainingRequest? body;
            try { body = await request.ReadFromJsonAsync<TrainingRequest>(cancel); }
            catch (System.Text.Json.JsonException e) { return Problems.BadRequest($"the body is not valid JSON: {e.Message}"); }
            if (string.IsNullOrWhiteSpace(body?.Folder)) return Problems.BadRequest("give the training folder: {\"folder\": \"/path/to/category\"}");
            var (real, problem) = new FolderRoots(api.Settings.FolderRoots).Resolve(body.Folder);
            if (problem != null) return Problems.Forbidden(problem);
            folder = real!;
            try { MvtecCategory.Open(folder); }
            catch (DatasetException e) { return Problems.Of(StatusCodes.Status422UnprocessableEntity, "Unusable training folder", e.Message); }
        }
        else return Problems.Unsupported("send JSON ({\"folder\": ...}) or multipart/form-data with the images");

        if (!details.Known) await models.Ask<LineConfigured>(new ConfigureLine(line, details.Settings), ApiContext.AskTimeout, cancel);
        var trainerRouter = await trainers.GetAsync(cancel);
        var job = api.Jobs.Start(api.System, models, line, "training", (id, watcher) =>
            trainerRouter.Tell(new TrainLine(line, folder, details.Settings.Shards, details.Settings, id, watcher, ApiKeyMiddleware.Caller(request.HttpContext)), watcher));
        if (job == null) return Problems.Conflict($"line '{line}' is already being trained");
        string by = ApiKeyMiddleware.Caller(request.HttpContext);
        await api.Audit.Record(AuditLog.Training, line, by, null, new { folder = request.HasFormContentType ? "upload" : folder }, job.Id);
        api.Audit.Follow(job, by, details.Deployment?.Version);
        return TypedResults.Accepted($"/api/v1/jobs/{job.Id}", new JobAccepted(job.Id, $"/api/v1/jobs/{job.Id}"));
    }

    private static async Task<Results<Accepted<JobAccepted>, ProblemHttpResult>> AddGoodImages(string line, HttpRequest request, ApiContext api,
        [FromServices] IRequiredActor<ModelRegistry> registry, [FromServices] IRequiredActor<TrainingCoordinators> trainers, CancellationToken cancel)
    {
        var models = await registry.GetAsync(cancel);
        var details = await models.Ask<LineDetails>(new GetLine(line), ApiContext.AskTimeout, cancel);
        if (!details.Known) return Problems.NotFound($"unknown line '{Names.Shorten(line)}'");
        if (details.Deployment == null) return Problems.Conflict($"line '{line}' has no trained model yet: train it first");
        if (!request.HasFormContentType) return Problems.Unsupported("send the good images as multipart/form-data");
        var upload = await Uploads.Save(request, api.Settings, line, cancel);
        if (upload.Problem != null) return upload.Problem;
        var files = Directory.GetFiles(Path.Combine(upload.Folder!, "train", "good")).Order(StringComparer.Ordinal).ToList();
        var job = Start(api, models, await trainers.GetAsync(cancel), line, files, ApiKeyMiddleware.Caller(request.HttpContext));
        if (job == null) return Problems.Conflict($"line '{line}' is already being trained");
        return TypedResults.Accepted($"/api/v1/jobs/{job.Id}", new JobAccepted(job.Id, $"/api/v1/jobs/{job.Id}"));
    }

    /// <summary>A good-images job for <paramref name="files"/> (also the review route's add-to-model).</summary>
    public static TrainingJob? Start(ApiContext api, IActorRef registry, IActorRef trainers, string line, IReadOnlyList<string> files, string by)
    {
        var job = api.Jobs.Start(api.System, registry, line, "good-images", (id, watcher) =>
            trainers.Tell(new AddGoodImages(line, files, id, watcher, by), watcher));
        if (job != null)
        {
            _ = api.Audit.Record(AuditLog.GoodImages, line, by, null, new { images = files.Count }, job.Id);
            api.Audit.Follow(job, by, null);
        }
        return job;
    }

    private static Results<Ok<JobView>, ProblemHttpResult> GetJob(string id, ApiContext api) =>
        api.Jobs.Get(id) is { } job ? TypedResults.Ok(job.View()) : Problems.NotFound($"unknown job '{Names.Shorten(id)}'");

    private static async Task<Results<Accepted<JobView>, ProblemHttpResult>> CancelJob(string id, ApiContext api, [FromServices] IRequiredActor<TrainingCoordinators> trainers)
    {
        if (api.Jobs.Get(id) is not { } job) return Problems.NotFound($"unknown job '{Names.Shorten(id)}'");
        if (job.Finished) return Problems.Conflict($"job {id} has ended ({job.View().State})");
        // The job runs on one gpu node, unknown here: every coordinator is told, the one running it stops.
        (await trainers.GetAsync()).Tell(new Broadcast(new CancelTraining(id)));
        return TypedResults.Accepted($"/api/v1/jobs/{id}", job.View());
    }
}
