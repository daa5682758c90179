using System.Text.Json;

namespace Inspection.Host.Tests.Api;

/// <summary>A client of a Server-Sent Events stream: opens it, then hands out its events one by one as they arrive.</summary>
public sealed class EventStream : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;
    private readonly CancellationTokenSource _cancel = new();

    private EventStream(HttpResponseMessage response, StreamReader reader)
    {
        _response = response;
        _reader = reader;
    }

    public string ContentType => _response.Content.Headers.ContentType?.MediaType ?? "";

    public static async Task<EventStream> Open(HttpClient client, string path)
    {
        var response = await client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var stream = new EventStream(response, reader);
        // The server writes a comment first: once it is read, the stream is attached and will see every later result.
        string? first = await reader.ReadLineAsync();
        if (first == null || !first.StartsWith(':')) throw new InvalidDataException($"the stream began with '{first}'");
        return stream;
    }

    /// <summary>The next event (comments skipped): its type, id and JSON data.</summary>
    public async Task<(string Event, string Id, JsonElement Data)> Next(TimeSpan timeout)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(_cancel.Token);
        limit.CancelAfter(timeout);
        string type = "message", id = "", data = "";
        while (true)
        {
            string? line = await _reader.ReadLineAsync(limit.Token) ?? throw new EndOfStreamException("the event stream ended");
            if (line.Length == 0)
            {
                if (data.Length > 0) return (type, id, JsonDocument.Parse(data).RootElement.Clone());
                continue;
            }
            if (line.StartsWith(':')) continue;
            int colon = line.IndexOf(':');
            string field = line[..colon], value = line[(colon + 1)..].TrimStart();
            if (field == "event") type = value;
            else if (field == "id") id = value;
            else if (field == "data") data += value;
        }
    }

    public ValueTask DisposeAsync()
    {
        _cancel.Cancel();
        _reader.Dispose();
        _response.Dispose();
        return ValueTask.CompletedTask;
    }
}
