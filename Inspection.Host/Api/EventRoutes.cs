using System.Text.Json;
using Akka.Actor;
using Inspection.Actors.Messages;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Akka.Hosting;
using Inspection.Actors.Registry;

namespace Inspection.Host.Api;

/// <summary>
/// GET /api/v1/lines/{line}/events: Server-Sent Events, one "result" event per stored result of the line (its JSON as
/// GET /results/{id} gives it, the result id as the event id), and a comment every 15 s so proxies keep it open.
/// GET /api/v1/events: the same for every line, in one stream (a browser holds few connections per server, so a
/// dashboard of many lines reads this one).
/// </summary>
public static class EventRoutes
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/lines/{line}/events", Stream).WithTags("Lines").Produces(200, contentType: "text/event-stream")
            .WithSummary("Server-Sent Events: each result of the line as it is stored.");
        api.MapGet("/events", (HttpContext http, ApiContext api, IOptions<JsonOptions> json, CancellationToken cancel) => Send(null, http, api, json, cancel))
            .WithTags("Lines").Produces(200, contentType: "text/event-stream")
            .WithSummary("Server-Sent Events: each result of every line as it is stored.");
    }

    private static async Task<Results<EmptyHttpResult, ProblemHttpResult>> Stream(string line, HttpContext http, ApiContext api, IOptions<JsonOptions> json,
        [Microsoft.AspNetCore.Mvc.FromServices] IRequiredActor<ModelRegistry> registry, CancellationToken cancel)
    {
        var details = await (await registry.GetAsync(cancel)).Ask<LineDetails>(new GetLine(line), ApiContext.AskTimeout, cancel);
        if (!details.Known) return Problems.NotFound($"unknown line '{Names.Shorten(line)}'");
        return await Send(line, http, api, json, cancel);
    }

    /// <summary>Streams the results of <paramref name="line"/> (every line when null) until the client goes away.</summary>
    private static async Task<Results<EmptyHttpResult, ProblemHttpResult>> Send(string? line, HttpContext http, ApiContext api, IOptions<JsonOptions> json,
        CancellationToken cancel)
    {
        var (id, reader) = api.Feed.Open(line);
        try
        {
            http.Response.ContentType = "text/event-stream";
            http.Response.Headers.CacheControl = "no-cache";
            http.Response.Headers["X-Accel-Buffering"] = "no";
            await http.Response.WriteAsync(": stream of results of " + (line is null ? "every line" : "line " + line) + "\n\n", cancel);
            await http.Response.Body.FlushAsync(cancel);
            while (!cancel.IsCancellationRequested)
            {
                using var beat = CancellationTokenSource.CreateLinkedTokenSource(cancel);
                beat.CancelAfter(TimeSpan.FromSeconds(15));
                bool more;
                try { more = await reader.WaitToReadAsync(beat.Token); }
                catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
                {
                    await http.Response.WriteAsync(": keep-alive\n\n", cancel);
                    await http.Response.Body.FlushAsync(cancel);
                    continue;
                }
                if (!more) break;
                while (reader.TryRead(out var result))
                {
                    string data = JsonSerializer.Serialize(ResultViews.Of(result), json.Value.SerializerOptions);
                    await http.Response.WriteAsync($"event: result\nid: {result.ResultId}\ndata: {data}\n\n", cancel);
                }
                await http.Response.Body.FlushAsync(cancel);
            }
        }
        catch (OperationCanceledException) { } // the client went away
        finally { api.Feed.Close(id); }
        return TypedResults.Empty;
    }
}
