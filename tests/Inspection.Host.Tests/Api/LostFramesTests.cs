using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Inspection.Host.Api;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Inspection.Host.Tests.Api;

/// <summary>
/// A frame answered 202 whose result could not be stored (its line told FrameLost, the database being away) is known
/// as lost: GET /results/{id} answers 410 saying so and what to do, never a 404 that reads as "not yet". The real
/// outage is DatabaseOutageTests; here the loss is the task a 202's waiter completes, failed as the waiter fails it.
/// </summary>
[Collection(ServeCollection.Name)]
public sealed class LostFramesTests(ServeFixture serve)
{
    [Fact]
    public async Task A_result_lost_after_202_answers_410_with_the_reason_and_an_unknown_one_still_404()
    {
        var lost = serve.App.Services.GetRequiredService<ApiContext>().Lost;
        string id = Guid.CreateVersion7().ToString("N");
        var result = new TaskCompletionSource<Inspection.Actors.Messages.StoredResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var decided = lost.Watch(id, result.Task);
        Assert.Equal(HttpStatusCode.NotFound, (await serve.Client.GetAsync($"/api/v1/results/{id}")).StatusCode);

        result.SetException(new FrameLostException("the journal could not store it (database gone)"));
        await decided;
        var answer = await serve.Client.GetAsync($"/api/v1/results/{id}");
        Assert.Equal(HttpStatusCode.Gone, answer.StatusCode);
        Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
        var problem = await answer.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(id, problem.GetProperty("resultId").GetString());
        Assert.Contains("the journal could not store it (database gone)", problem.GetProperty("detail").GetString());
        Assert.Contains("send it again, with the same frameId or Idempotency-Key", problem.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await serve.Client.GetAsync($"/api/v1/results/{Guid.NewGuid():N}")).StatusCode);
    }

    [Fact]
    public async Task Only_losses_are_kept_and_only_the_newest_of_them()
    {
        var lost = new LostFrames();
        var stored = new TaskCompletionSource<Inspection.Actors.Messages.StoredResult>();
        var failed = new TaskCompletionSource<Inspection.Actors.Messages.StoredResult>();
        var decided = new[] { lost.Watch("stored", stored.Task), lost.Watch("failed", failed.Task) };
        stored.SetResult(null!);
        failed.SetException(new TimeoutException("not a loss"));
        await Task.WhenAll(decided);
        Assert.Null(lost.Find("stored"));
        Assert.Null(lost.Find("failed"));

        for (int i = 0; i <= LostFrames.Capacity; i++) lost.Add($"r{i}", "gone");
        Assert.Null(lost.Find("r0"));
        Assert.Equal("gone", lost.Find("r1")?.Reason);
        Assert.NotNull(lost.Find($"r{LostFrames.Capacity}"));
    }
}
