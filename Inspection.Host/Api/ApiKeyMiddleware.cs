namespace Inspection.Host.Api;

/// <summary>
/// The API-key rule for everything under /api: a key (X-Api-Key, or Authorization: Bearer) for every mutating request,
/// and for reads too unless public reads are configured. No key: 401; a key that is not accepted: 403. It runs before
/// routing and body parsing, so an anonymous request learns nothing about the route or its input.
/// </summary>
public sealed class ApiKeyMiddleware(RequestDelegate next, ApiKeys keys, ServeSettings settings)
{
    public const string CallerItem = "inspection.caller";

    public async Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments("/api"))
        {
            await next(context);
            return;
        }
        bool read = HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method) || HttpMethods.IsOptions(context.Request.Method);
        string? given = Presented(context.Request);
        if (given == null)
        {
            if (read && settings.PublicRead)
            {
                context.Items[CallerItem] = "anonymous";
                await next(context);
                return;
            }
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"inspection\", ApiKey header=\"X-Api-Key\"";
            await Problems.Write(context, StatusCodes.Status401Unauthorized, "API key required",
                "Send an API key in the X-Api-Key header or as Authorization: Bearer <key>.");
            return;
        }
        if (keys.Match(given) is not { } name)
        {
            await Problems.Write(context, StatusCodes.Status403Forbidden, "API key not accepted", "The API key given is not one this server accepts.");
            return;
        }
        context.Items[CallerItem] = name;
        await next(context);
    }

    private static string? Presented(HttpRequest request)
    {
        if (request.Headers.TryGetValue("X-Api-Key", out var header) && header.Count > 0 && !string.IsNullOrEmpty(header[0])) return header[0];
        string? authorization = request.Headers.Authorization;
        if (authorization != null && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            string token = authorization["Bearer ".Length..].Trim();
            if (token.Length > 0) return token;
        }
        return null;
    }

    /// <summary>Who made the request: the accepted key's name, or "anonymous" for a public read.</summary>
    public static string Caller(HttpContext context) => context.Items[CallerItem] as string ?? "anonymous";
}
