using System.Text.Json;
using Akka.Event;
using Inspection.Actors.Results;

namespace Inspection.Host.Api;

/// <summary>
/// Writes the audit trail: every change made through the API to a line's settings, threshold, models or shadow, every
/// review, and every version a job activated, with who made it (the API key's name) and the values before and after,
/// as JSON. A change is recorded after it is made; a trail the database cannot take is logged as an error, and the
/// change stands.
/// </summary>
public sealed class AuditLog(ResultStore store, ILoggingAdapter log)
{
    /// <summary>The kinds of change recorded.</summary>
    public const string Settings = "settings", LineDeleted = "line-deleted", Threshold = "threshold", Training = "training", GoodImages = "good-images",
        ModelUpload = "model-upload", Activate = "activate", ModelActivated = "model-activated", Shadow = "shadow", Review = "review";

    public static readonly IReadOnlyList<string> Kinds = [Settings, LineDeleted, Threshold, Training, GoodImages, ModelUpload, Activate, ModelActivated, Shadow, Review];

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task Record(string kind, string? line, string who, object? old, object? now, string? detail = null)
    {
        var record = new AuditRecord(Guid.CreateVersion7().ToString("N"), DateTimeOffset.UtcNow, line, kind, who, Serialize(old), Serialize(now), detail);
        try { await store.InsertAudit(record); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            log.Error("Audit trail: the {0} change of line {1} by {2} could not be recorded: {3}", kind, line ?? "-", who, e.Message);
        }
    }

    /// <summary>When the job ends having made or activated another version than <paramref name="previous"/>, that activation is recorded.</summary>
    public void Follow(TrainingJob job, string who, string? previous) =>
        _ = job.Ended.ContinueWith(async _ =>
        {
            var view = job.View();
            if (view.State == TrainingJob.Succeeded && view.Version != null && view.Version != previous)
                await Record(ModelActivated, job.Line, who, previous is null ? null : new { version = previous }, new { version = view.Version, job = view.Kind }, job.Id);
        }, TaskScheduler.Default);

    private static string? Serialize(object? value) => value switch
    {
        null => null,
        string text => JsonSerializer.Serialize(text, Json),
        _ => JsonSerializer.Serialize(value, value.GetType(), Json),
    };
}
