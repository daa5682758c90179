using Akka.Actor;
using Akka.Hosting;
using Inspection.Actors.Messages;
using Inspection.Actors.Registry;
using Inspection.Actors.Shards;
using Inspection.Actors.Training;
using Inspection.Engine.Models;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Inspection.Host.Api;

/// <summary>
/// A line's model as a file (the format <c>inspection train</c> writes): downloaded from the bank its shards hold, and
/// uploaded as the line's next version after the file's own checks (its SHA-256, its header against the bank's shape,
/// its backbone, layers and image size). So a model moves between sites and survives the loss of the database.
/// </summary>
public static class ModelRoutes
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/lines/{line}/model", Download).WithTags("Training")
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream")
            .WithSummary("The line's active model as a model file (the same format as `inspection train` writes).");
        api.MapPost("/lines/{line}/model", Upload).WithTags("Training").Accepts<IFormFile>("application/octet-stream")
            .WithSummary("Upload a model file as the line's next version (a job); it is checked (hash, header, backbone, sizes) before anything is published. An unknown line is created.");
    }

    private static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> Download(string line, ApiContext api,
        [FromServices] IRequiredActor<ModelRegistry> registry, [FromServices] IRequiredActor<MemoryBankShardRegion> shards, CancellationToken cancel)
    {
        var details = await (await registry.GetAsync(cancel)).Ask<LineDetails>(new GetLine(line), ApiContext.AskTimeout, cancel);
        if (!details.Known) return Problems.NotFound($"unknown line '{Names.Shorten(line)}'");
        if (details.Deployment is not { } deployment) return Problems.Conflict($"line '{line}' has no trained model yet: train it first");
        string folder = Path.Combine(Path.GetFullPath(api.Settings.DataDir), "exports");
        Directory.CreateDirectory(folder);
        string file = Path.Combine(folder, Guid.NewGuid().ToString("N") + ".inspection");
        try
        {
            await ModelTransfer.Export(await shards.GetAsync(cancel), deployment, details.Settings, file, cancel);
        }
        catch (InvalidOperationException e)
        {
            File.Delete(file);
            return Problems.Unavailable($"the model of line '{line}' could not be read from its shards: {e.Message}");
        }
        // Deleted once sent (or once the client goes away).
        var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 20, FileOptions.DeleteOnClose);
        return TypedResults.Stream(stream, "application/octet-stream", $"{line}-{deployment.Version}.inspection");
    }

    private static async Task<Results<Accepted<JobAccepted>, ProblemHttpResult>> Upload(string line, HttpRequest request, ApiContext api,
        [FromServices] IRequiredActor<ModelRegistry> registry, [FromServices] IRequiredActor<MemoryBankShardRegion> shards, CancellationToken cancel)
    {
        if (Names.Problem("line", line) is { } bad) return Problems.BadRequest(bad);
        if (api.Jobs.ActiveFor(line) is { } running) return Problems.Conflict($"line '{line}' has job {running.Id} running; upload its model when it has ended");
        string folder = Path.Combine(Path.GetFullPath(api.Settings.DataDir), "uploads", "models");
        Directory.CreateDirectory(folder);
        string file = Path.Combine(folder, Guid.NewGuid().ToString("N") + ".inspection");
        var (saved, problem) = await Save(request, file, api.Settings.MaxUploadBytes, cancel);
        if (!saved)
        {
            File.Delete(file);
            return problem!;
        }
        ModelMetadata metadata;
        TorchSharp.torch.Tensor bank;
        try { (metadata, bank) = ModelFile.Read(file); }
        catch (ModelFileException e)
        {
            return Problems.Of(StatusCodes.Status422UnprocessableEntity, "Unusable model file", e.Message.Replace(file, "the uploaded file"));
        }
        finally { File.Delete(file); }
        if (metadata.Backbone == Engine.Backbones.BackboneFactory.WideResNet50 && metadata.BackboneWeights is { } weights && !File.Exists(weights))
        {
            bank.Dispose();
            return Problems.Of(StatusCodes.Status422UnprocessableEntity, "Unusable model file",
                $"the model's backbone {metadata.Backbone} needs its weights file {weights}, which this server does not have");
        }

        var models = await registry.GetAsync(cancel);
        var details = await models.Ask<LineDetails>(new GetLine(line), ApiContext.AskTimeout, cancel);
        if (!details.Known) await models.Ask<LineConfigured>(new ConfigureLine(line, details.Settings), ApiContext.AskTimeout, cancel);
        var region = await shards.GetAsync(cancel);
        var system = api.System;
        string by = ApiKeyMiddleware.Caller(request.HttpContext);
        // Off the request thread: publishing a bank to its shards takes a while, and the job's watcher hears how it ended.
        async Task Publish(IActorRef watcher)
        {
            using (bank)
            {
                try
                {
                    watcher.Tell(await ModelTransfer.Import(system, models, region, line, details.Settings, metadata, bank, TrainingCoordinatorActor.DefaultShardBudget,
                        CancellationToken.None, by));
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    watcher.Tell(new TrainingFailed(line, $"the model could not be published: {e.GetBaseException().Message}"));
                }
            }
        }
        var job = api.Jobs.Start(system, models, line, "model-upload", (_, watcher) => Task.Run(() => Publish(watcher)));
        if (job == null)
        {
            bank.Dispose();
            return Problems.Conflict($"line '{line}' is already being trained");
        }
        await api.Audit.Record(AuditLog.ModelUpload, line, by, null, new { backbone = metadata.Backbone, bankSize = metadata.Training.BankSize, source = metadata.Training.Source },
            job.Id);
        api.Audit.Follow(job, by, details.Deployment?.Version);
        return TypedResults.Accepted($"/api/v1/jobs/{job.Id}", new JobAccepted(job.Id, $"/api/v1/jobs/{job.Id}"));
    }

    /// <summary>The body (a raw file, or the first file of a multipart form) written to <paramref name="file"/>, within <paramref name="limit"/> bytes.</summary>
    private static async Task<(bool Saved, ProblemHttpResult? Problem)> Save(HttpRequest request, string file, long limit, CancellationToken cancel)
    {
        if (request.ContentLength > limit) return (false, Problems.TooLarge($"the model file is {request.ContentLength} bytes; the limit is {limit} (MaxUploadBytes)"));
        try
        {
            Stream body;
            if (request.HasFormContentType)
            {
                var form = await request.ReadFormAsync(cancel);
                if (form.Files.Count == 0) return (false, Problems.BadRequest("the multipart body holds no file part: send the model file as a part"));
                if (form.Files[0].Length > limit) return (false, Problems.TooLarge($"the model file is {form.Files[0].Length} bytes; the limit is {limit} (MaxUploadBytes)"));
                body = form.Files[0].OpenReadStream();
            }
            else body = request.Body;
            await using (body)
            await using (var output = File.Create(file))
            {
                var buffer = new byte[1 << 20];
                long total = 0;
                int read;
                while ((read = await body.ReadAsync(buffer, cancel)) > 0)
                {
                    total += read;
                    if (total > limit) return (false, Problems.TooLarge($"the model file is larger than the limit of {limit} bytes (MaxUploadBytes)"));
                    await output.WriteAsync(buffer.AsMemory(0, read), cancel);
                }
                if (total == 0) return (false, Problems.BadRequest("the body is empty: send the model file (application/octet-stream)"));
            }
            return (true, null);
        }
        catch (InvalidDataException e) { return (false, Problems.BadRequest($"the multipart body cannot be read: {e.Message}")); }
        catch (BadHttpRequestException e) { return (false, e.StatusCode == 413 ? Problems.TooLarge(e.Message) : Problems.BadRequest(e.Message)); }
    }
}
