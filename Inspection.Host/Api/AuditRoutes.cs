using System.Text.Json;
using Inspection.Actors.Results;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Inspection.Host.Api;

/// <summary>
/// One change in the audit trail: when, which line (null: the server), its kind, who (an API key's name), the value
/// before and after (JSON; null where there was none) and a detail (a result id for a review, a job id for a job).
/// </summary>
public sealed record AuditView(string Id, DateTimeOffset At, string? Line, string Kind, string By, JsonElement? Old, JsonElement? New, string? Detail);

/// <summary>A page of the audit trail, newest first; NextBefore continues it (?before=), null on the last page.</summary>
public sealed record AuditPageView(IReadOnlyList<AuditView> Items, string? NextBefore);

/// <summary>GET /api/v1/audit: the audit trail, filtered by line, kind and since, newest first (<see cref="AuditLog"/>).</summary>
public static class AuditRoutes
{
    public const int MaxLimit = 1000;

    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/audit", List).WithTags("Audit")
            .WithSummary("Every change to line settings, thresholds, models and shadows, and every review: who (the API key's name), when, the value before and after. Filters: line, kind, since; newest first.");

    private static async Task<Results<Ok<AuditPageView>, ProblemHttpResult>> List(string? line, string? kind, DateTimeOffset? since, int? limit, string? before,
        ApiContext api, CancellationToken cancel)
    {
        if (kind != null && !AuditLog.Kinds.Contains(kind)) return Problems.BadRequest($"kind '{Names.Shorten(kind)}' is not known: use {string.Join(", ", AuditLog.Kinds)}");
        int take = limit ?? 100;
        if (take is < 1 or > MaxLimit) return Problems.BadRequest($"limit {take} is out of range: 1 to {MaxLimit}");
        var rows = await api.Store.Audit(new AuditQuery(line, kind, since, take + 1, before), cancel);
        var items = rows.Take(take).Select(r => new AuditView(r.Id, r.At, r.Line, r.Kind, r.Who, Parse(r.Old), Parse(r.New), r.Detail)).ToList();
        return TypedResults.Ok(new AuditPageView(items, rows.Count > take ? items[^1].Id : null));
    }

    private static JsonElement? Parse(string? json) => json is null ? null : JsonDocument.Parse(json).RootElement.Clone();
}
