using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Inspection.Host.Api;
using Xunit;

namespace Inspection.Host.Tests.Api;

/// <summary>
/// The audit trail through the API of the real server (SQLite): every change an operator's named key makes to a line
/// (settings, training, threshold, review, shadow, activation) and every version a job activates is listed with who,
/// when, the value before and after; filters and paging work; results name the threshold they were judged at.
/// </summary>
[Collection(ServeCollection.Name)]
public sealed class AuditTests(ServeFixture serve)
{
    private const string Line = "audited";

    private async Task<JsonElement> Audit(string query) => await serve.Client.GetFromJsonAsync<JsonElement>($"/api/v1/audit?line={Line}&{query}");

    private static List<JsonElement> Items(JsonElement page) => page.GetProperty("items").EnumerateArray().ToList();

    private async Task Train()
    {
        var started = await serve.Operator.PostAsJsonAsync($"/api/v1/lines/{Line}/training", new { folder = serve.Category });
        started.EnsureSuccessStatusCode();
        var job = await serve.WaitForJob((await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("jobId").GetString()!);
        Assert.Equal("succeeded", job.GetProperty("state").GetString());
    }

    [Fact]
    public async Task Every_change_by_a_named_key_is_in_the_audit_trail_with_its_old_and_new_value_and_results_name_their_threshold()
    {
        var op = serve.Operator;
        (await op.PutAsJsonAsync($"/api/v1/lines/{Line}", new { imageSize = 128, coresetRatio = 0.1 })).EnsureSuccessStatusCode();
        (await op.PutAsJsonAsync($"/api/v1/lines/{Line}", new { coresetRatio = 0.2 })).EnsureSuccessStatusCode();
        await Train();
        var before = await serve.PostFrame(serve.Image("good"), line: Line);
        var modelJudged = await before.Content.ReadFromJsonAsync<JsonElement>();
        var modelThreshold = modelJudged.GetProperty("threshold");
        Assert.DoesNotContain("set by", modelThreshold.GetProperty("setBy").GetString());

        (await op.PutAsJsonAsync($"/api/v1/lines/{Line}/threshold", new { score = 7.5 })).EnsureSuccessStatusCode();
        var after = await (await serve.PostFrame(serve.Image("good"), line: Line)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(7.5, after.GetProperty("threshold").GetProperty("score").GetDouble(), 3);
        Assert.StartsWith($"set by {ServeFixture.OperatorName} at ", after.GetProperty("threshold").GetProperty("setBy").GetString());
        string reviewed = after.GetProperty("id").GetString()!;
        (await op.PostAsJsonAsync($"/api/v1/results/{reviewed}/review", new { label = "good" })).EnsureSuccessStatusCode();
        await Train();
        (await op.PutAsJsonAsync($"/api/v1/lines/{Line}/shadow", new { version = "v1", sample = 0.5 })).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.NoContent, (await op.DeleteAsync($"/api/v1/lines/{Line}/shadow")).StatusCode);
        var activate = await op.PostAsync($"/api/v1/lines/{Line}/models/v1/activate", null);
        await serve.WaitForJob((await activate.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("jobId").GetString()!);

        // The job's activation is recorded when it ends (the watcher's completion runs first): wait for it to show.
        List<JsonElement> trail = [];
        for (var until = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < until; await Task.Delay(100))
        {
            trail = Items(await Audit("limit=100"));
            if (trail.Count(e => e.GetProperty("kind").GetString() == AuditLog.ModelActivated) == 3) break;
        }
        var kinds = trail.Select(e => e.GetProperty("kind").GetString()).Reverse().ToList(); // oldest first
        Assert.Equal([AuditLog.Settings, AuditLog.Settings, AuditLog.Training, AuditLog.ModelActivated, AuditLog.Threshold, AuditLog.Review, AuditLog.Training,
            AuditLog.ModelActivated, AuditLog.Shadow, AuditLog.Shadow, AuditLog.Activate, AuditLog.ModelActivated], kinds);
        Assert.All(trail, e => Assert.Equal(ServeFixture.OperatorName, e.GetProperty("by").GetString()));
        Assert.All(trail, e => Assert.Equal(Line, e.GetProperty("line").GetString()));

        JsonElement Of(string kind, int nth = 0) => trail.Where(e => e.GetProperty("kind").GetString() == kind).Reverse().ElementAt(nth);
        Assert.Equal(JsonValueKind.Null, Of(AuditLog.Settings).GetProperty("old").ValueKind); // the line was created
        Assert.Equal(0.1, Of(AuditLog.Settings, 1).GetProperty("old").GetProperty("coresetRatio").GetDouble());
        Assert.Equal(0.2, Of(AuditLog.Settings, 1).GetProperty("new").GetProperty("coresetRatio").GetDouble());
        Assert.Equal(modelThreshold.GetProperty("score").GetDouble(), Of(AuditLog.Threshold).GetProperty("old").GetProperty("score").GetDouble(), 3);
        Assert.Equal(7.5, Of(AuditLog.Threshold).GetProperty("new").GetProperty("score").GetDouble(), 3);
        Assert.Equal(reviewed, Of(AuditLog.Review).GetProperty("detail").GetString());
        Assert.Equal("good", Of(AuditLog.Review).GetProperty("new").GetProperty("label").GetString());
        Assert.Equal("v1", Of(AuditLog.ModelActivated, 0).GetProperty("new").GetProperty("version").GetString());
        Assert.Equal("v1", Of(AuditLog.ModelActivated, 1).GetProperty("old").GetProperty("version").GetString());
        Assert.Equal("v2", Of(AuditLog.ModelActivated, 1).GetProperty("new").GetProperty("version").GetString());
        Assert.Equal(0.5, Of(AuditLog.Shadow, 0).GetProperty("new").GetProperty("sample").GetDouble());
        Assert.Equal(JsonValueKind.Null, Of(AuditLog.Shadow, 1).GetProperty("new").ValueKind); // ended
        Assert.Equal("v2", Of(AuditLog.Activate).GetProperty("old").GetProperty("version").GetString());
        Assert.Equal("v1", Of(AuditLog.Activate).GetProperty("new").GetProperty("version").GetString());

        // Filters and paging.
        Assert.Equal([AuditLog.Threshold], Items(await Audit("kind=threshold")).Select(e => e.GetProperty("kind").GetString()));
        Assert.Empty(Items(await Audit($"since={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(5).ToString("O"))}")));
        var first = await Audit("limit=5");
        Assert.Equal(5, Items(first).Count);
        var second = await Audit($"limit=100&before={first.GetProperty("nextBefore").GetString()}");
        Assert.Equal(trail.Select(e => e.GetProperty("id").GetString()).Skip(5), Items(second).Select(e => e.GetProperty("id").GetString()));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("nextBefore").ValueKind);
        Assert.Equal(HttpStatusCode.BadRequest, (await serve.Client.GetAsync("/api/v1/audit?kind=vibes")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await serve.Client.GetAsync("/api/v1/audit?limit=0")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await serve.Anonymous.GetAsync("/api/v1/audit")).StatusCode);
    }

    [Fact]
    public void A_key_given_by_name_is_known_by_that_name_and_an_unnamed_one_by_its_digest()
    {
        var keys = new ApiKeys(["ops=0123456789abcdef0123", "fedcba9876543210fedcba", "a=short"]);
        Assert.Equal("ops", keys.Match("0123456789abcdef0123"));
        Assert.Null(keys.Match("ops=0123456789abcdef0123")); // the name is not part of the key
        Assert.Equal(ApiKeys.NameOf("fedcba9876543210fedcba"), keys.Match("fedcba9876543210fedcba"));
        Assert.StartsWith("key-", keys.Match("fedcba9876543210fedcba"));
        // A secret too short to be a named key is a whole key (which the settings check then refuses as too short).
        Assert.Equal((null, "a=short"), ApiKeys.Split("a=short"));
        Assert.Equal(ApiKeys.NameOf("a=short"), keys.Match("a=short"));
    }
}
