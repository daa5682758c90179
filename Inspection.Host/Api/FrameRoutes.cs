using Akka.Actor;
using Inspection.Actors.Lines;
using Inspection.Actors.Messages;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Akka.Hosting;
using Inspection.Actors.Registry;
using Inspection.Actors.Results;

namespace Inspection.Host.Api;

/// <summary>
/// POST /api/v1/lines/{line}/frames: one frame in, its result out (or, with wait=false, where it will be). A retry
/// with the same Idempotency-Key, or the same frameId of the same camera, gets the first frame's result and is never
/// scored twice.
/// </summary>
public static class FrameRoutes
{
    public static readonly string[] ImageTypes = ["image/png", "image/jpeg", "image/bmp"];
    // Frame sequence numbers unique across restarts of this node: they start from the clock.
    private static long _sequence = DateTime.UtcNow.Ticks;

    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/lines/{line}/frames", Post).WithTags("Frames")
            .Accepts<byte[]>("image/png", "image/jpeg", "image/bmp", "multipart/form-data")
            .WithSummary("Inspect one frame: the image as the body (image/png, image/jpeg, image/bmp) or as a multipart file part.")
            .WithDescription("Answers 200 with the result, or with wait=false 202 with the result's id. 503 with Retry-After when the line is full.");
    }

    private static async Task<Results<Ok<ResultView>, Accepted<FrameQueued>, ProblemHttpResult>> Post(string line, HttpRequest request, HttpResponse response,
        ApiContext api, [FromServices] IRequiredActor<ModelRegistry> registry, [FromServices] IRequiredActor<LineRegion> lines, string? camera, string? frameId,
        string? part, bool? wait, [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey, CancellationToken cancel)
    {
        camera ??= "api";
        if (Names.Problem("line", line) is { } badLine) return Problems.BadRequest(badLine);
        if (Names.Problem("camera", camera) is { } badCamera) return Problems.BadRequest(badCamera);
        if (frameId != null && Names.KeyProblem("frameId", frameId) is { } badFrame) return Problems.BadRequest(badFrame);
        if (part != null && Names.KeyProblem("part", part) is { } badPart) return Problems.BadRequest(badPart);
        if (idempotencyKey != null && Names.KeyProblem("Idempotency-Key", idempotencyKey) is { } badKey) return Problems.BadRequest(badKey);

        // A full data disk refuses a frame before anything of it is read or written: refused, never half-kept.
        if (api.Disk?.FramesProblem is { } full) return Problems.Of(StatusCodes.Status507InsufficientStorage, "Insufficient storage", full);
        var lineRegion = await lines.GetAsync(cancel);
        // The registry is asked only about a line this node has not heard of: its deployments come on the topic.
        if (!api.Deployments.TryGet(line, out var deployment))
        {
            var details = await (await registry.GetAsync(cancel)).Ask<LineDetails>(new GetLine(line), ApiContext.AskTimeout, cancel);
            if (!details.Known) return Problems.NotFound($"unknown line '{line}'");
            if (details.Deployment == null) return Problems.Conflict($"line '{line}' has no trained model yet: train it first (POST /api/v1/lines/{line}/training)");
            api.Deployments.Offer(deployment = details.Deployment);
        }

        var (bytes, name, problem) = await Read(request, api.Settings, cancel);
        if (problem != null) return problem;
        if (Images.Check(bytes!, frameId ?? name!, api.Settings) is { } imageProblem) return imageProblem;

        // The frame's own id is the more specific key: the same physical frame sent under a new Idempotency-Key is still one frame.
        string? clientKey = frameId != null ? $"frame:{camera}/{frameId}" : idempotencyKey != null ? $"key:{idempotencyKey}" : null;
        if (clientKey != null)
        {
            ResultRecord? earlier;
            try { earlier = await api.Store.FindByKey(line, clientKey, cancel); }
            catch (System.Data.Common.DbException e)
            {
                response.Headers.RetryAfter = "5";
                return Problems.Unavailable($"the database does not answer ({e.Message}): the frame was not taken; send it again once the server is ready");
            }
            if (earlier != null) return Answer(ResultViews.Of(earlier), wait, response);
        }

        long sequence = Interlocked.Increment(ref _sequence);
        var accepted = new TaskCompletionSource<object>(TaskCreationOptions.RunContinuationsAsynchronously);
        var result = new TaskCompletionSource<StoredResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        // A tiled line's large frame has a deadline as many times longer as the line gives it.
        var deadline = api.Lines.FrameTimeout * FrameTimeScale.Of(deployment, bytes!, api.Lines.TilesPerTimeout);
        var waiter = api.System.ActorOf(FrameWaiter.Props(accepted, result, deadline + TimeSpan.FromSeconds(60)));
        var frame = new FrameId(line, camera, sequence);
        lineRegion.Tell(new CapturedFrame(frame, bytes!, frameId ?? sequence.ToString(), Guid.CreateVersion7().ToString("N"), clientKey, Part: part), waiter);

        object first;
        try { first = await accepted.Task.WaitAsync(ApiContext.AskTimeout, cancel); }
        catch (TimeoutException)
        {
            waiter.Tell(PoisonPill.Instance);
            return Problems.Unavailable($"line '{line}' did not answer within {ApiContext.AskTimeout.TotalSeconds:0} s (no ingest node up?)");
        }
        if (first is FrameRejected rejected)
        {
            response.Headers.RetryAfter = "1";
            return Problems.Unavailable($"the frame was refused: {rejected.Reason}; retry after 1 s");
        }
        string resultId = ((FrameAccepted)first).ResultId!;
        if (wait == false)
        {
            // A retry of a frame already answered has its result at hand.
            _ = api.Lost.Watch(resultId, result.Task);
            return TypedResults.Accepted($"/api/v1/results/{resultId}", new FrameQueued(resultId, $"/api/v1/results/{resultId}"));
        }
        try
        {
            var stored = await result.Task.WaitAsync(deadline + TimeSpan.FromSeconds(15), cancel);
            return TypedResults.Ok(ResultViews.Of(stored));
        }
        catch (FrameLostException lost)
        {
            response.Headers.RetryAfter = "5";
            return Problems.Unavailable($"frame {resultId} was taken but its result could not be stored: {lost.Message}. It has no result: " +
                                        "send it again, with the same frameId or Idempotency-Key, once the server is ready; it is scored once");
        }
        catch (TimeoutException)
        {
            return Problems.Of(StatusCodes.Status504GatewayTimeout, "No result in time",
                $"frame {resultId} has no result yet; it will have one: GET /api/v1/results/{resultId}",
                new Dictionary<string, object?> { ["resultId"] = resultId });
        }
    }

    private static Results<Ok<ResultView>, Accepted<FrameQueued>, ProblemHttpResult> Answer(ResultView view, bool? wait, HttpResponse response)
    {
        response.Headers["Idempotent-Replayed"] = "true";
        return wait == false ? TypedResults.Accepted(view.Links.Self, new FrameQueued(view.Id, view.Links.Self)) : TypedResults.Ok(view);
    }

    /// <summary>The image of a frame request: the whole body for an image type, the first file part of a multipart body.</summary>
    private static async Task<(byte[]? Bytes, string? Name, ProblemHttpResult? Problem)> Read(HttpRequest request, ServeSettings settings, CancellationToken cancel)
    {
        long limit = settings.MaxFrameBytes;
        if (request.ContentLength > limit)
            return (null, null, Problems.TooLarge($"the frame is {request.ContentLength} bytes; the limit is {limit} (MaxFrameBytes)"));
        string? type = request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        try
        {
            if (type == "multipart/form-data")
            {
                var form = await request.ReadFormAsync(new Microsoft.AspNetCore.Http.Features.FormOptions { MultipartBodyLengthLimit = limit }, cancel);
                var file = form.Files.GetFile("image") ?? form.Files.FirstOrDefault();
                if (file == null) return (null, null, Problems.BadRequest("the multipart body holds no file part: send the image as a part named 'image'"));
                if (file.Length > limit) return (null, null, Problems.TooLarge($"the frame is {file.Length} bytes; the limit is {limit} (MaxFrameBytes)"));
                using var part = new MemoryStream();
                await file.CopyToAsync(part, cancel);
                return (part.ToArray(), file.FileName, null);
            }
            if (type == null || !ImageTypes.Contains(type))
                return (null, null, Problems.Unsupported($"content type '{type ?? "(none)"}' is not taken: send {string.Join(", ", ImageTypes)} or multipart/form-data"));
            using var body = new MemoryStream();
            var buffer = new byte[81920];
            int read;
            while ((read = await request.Body.ReadAsync(buffer, cancel)) > 0)
            {
                if (body.Length + read > limit) return (null, null, Problems.TooLarge($"the frame is larger than the limit of {limit} bytes (MaxFrameBytes)"));
                body.Write(buffer, 0, read);
            }
            return (body.ToArray(), "frame" + type.Replace("image/", "."), null);
        }
        catch (InvalidDataException e) { return (null, null, e.Message.Contains("limit", StringComparison.OrdinalIgnoreCase) ? Problems.TooLarge(e.Message) : Problems.BadRequest($"the multipart body cannot be read: {e.Message}")); }
        catch (BadHttpRequestException e) { return (null, null, e.StatusCode == 413 ? Problems.TooLarge(e.Message) : Problems.BadRequest(e.Message)); }
    }
}
