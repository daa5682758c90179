using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Inspection.Host.Api;

/// <summary>RFC 9457 problem details: every error the API answers is one of these, as application/problem+json.</summary>
public static class Problems
{
    public static ProblemHttpResult Of(int status, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title, extensions: extensions);

    public static ProblemHttpResult BadRequest(string detail) => Of(StatusCodes.Status400BadRequest, "Bad request", detail);
    public static ProblemHttpResult NotFound(string detail) => Of(StatusCodes.Status404NotFound, "Not found", detail);
    public static ProblemHttpResult Conflict(string detail) => Of(StatusCodes.Status409Conflict, "Conflict", detail);
    public static ProblemHttpResult Forbidden(string detail) => Of(StatusCodes.Status403Forbidden, "Forbidden", detail);
    public static ProblemHttpResult TooLarge(string detail) => Of(StatusCodes.Status413PayloadTooLarge, "Too large", detail);
    public static ProblemHttpResult Unsupported(string detail) => Of(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", detail);
    public static ProblemHttpResult Unprocessable(string detail) => Of(StatusCodes.Status422UnprocessableEntity, "Unprocessable image", detail);
    public static ProblemHttpResult Unavailable(string detail) => Of(StatusCodes.Status503ServiceUnavailable, "Service unavailable", detail);

    /// <summary>What a problem the framework answers by itself (routing, content-type matching) says, so none is bare.</summary>
    public static string? DefaultDetail(HttpContext context, int? status) => status switch
    {
        StatusCodes.Status404NotFound => $"there is no route {context.Request.Method} {context.Request.Path} (the routes: /openapi/v1.json)",
        StatusCodes.Status405MethodNotAllowed => $"{context.Request.Path} does not take {context.Request.Method} (the routes: /openapi/v1.json)",
        StatusCodes.Status415UnsupportedMediaType =>
            $"{context.Request.Method} {context.Request.Path} does not take content type '{context.Request.ContentType ?? "(none)"}' (the types each route takes: /openapi/v1.json)",
        _ => null,
    };

    /// <summary>Writes a problem outside an endpoint (middleware).</summary>
    public static Task Write(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new ProblemDetails { Status = status, Title = title, Detail = detail },
            options: null, contentType: "application/problem+json");
    }
}
