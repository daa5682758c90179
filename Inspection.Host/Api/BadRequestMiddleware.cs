namespace Inspection.Host.Api;

/// <summary>
/// Requests the framework cannot bind (a query value of the wrong type, malformed JSON, a JSON body of another content
/// type) become problems that say what was wrong, instead of a bare status: minimal APIs throw them as
/// <see cref="BadHttpRequestException"/> (RouteHandlerOptions.ThrowOnBadRequest) and they are answered here. An ask
/// the cluster did not answer in time becomes a 503 with Retry-After.
/// </summary>
public sealed class BadRequestMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            string title = e.StatusCode switch
            {
                StatusCodes.Status415UnsupportedMediaType => "Unsupported media type",
                StatusCodes.Status413PayloadTooLarge => "Too large",
                _ => "Bad request",
            };
            string detail = e.InnerException is System.Text.Json.JsonException json ? $"{e.Message}: {json.Message}" : e.Message;
            await Problems.Write(context, e.StatusCode, title, detail);
        }
        catch (Akka.Actor.AskTimeoutException) when (!context.Response.HasStarted)
        {
            // The registry singleton or a line entity is starting or moving to another node: a state that passes.
            context.Response.Headers.RetryAfter = "2";
            await Problems.Write(context, StatusCodes.Status503ServiceUnavailable, "Service unavailable",
                "the cluster did not answer in time (its model registry or this line is starting or moving to another node); retry after 2 s");
        }
    }
}
