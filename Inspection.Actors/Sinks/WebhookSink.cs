using System.Net.Http.Headers;
using Inspection.Actors.Messages;

namespace Inspection.Actors.Sinks;

/// <summary>
/// Posts each result as JSON to a URL. Any answer but 2xx (or none within 10 s) is a failed delivery, retried by the
/// sink actor. Idempotency-Key and X-Inspection-Result-Id carry the result id so a receiver can drop repeats.
/// </summary>
public sealed class WebhookSink(Uri url) : IResultSink
{
    // One client for all webhooks of the process: pooled connections, DNS refreshed every few minutes.
    private static readonly HttpClient Client = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = TimeSpan.FromSeconds(10),
    };

    public string Kind => "webhook";

    public async Task Deliver(ResultDocument result, CancellationToken cancel)
    {
        using var content = new ByteArrayContent(result.ToJson());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        request.Headers.Add("Idempotency-Key", result.Id);
        request.Headers.Add("X-Inspection-Result-Id", result.Id);
        using var response = await Client.SendAsync(request, cancel);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"webhook {url} answered {(int)response.StatusCode} {response.ReasonPhrase}");
    }

    public void Dispose() { }
}
