using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Inspection.Engine.Data;

namespace Inspection.Host.Cli;

/// <summary>
/// <c>inspection loadtest</c>: N clients push frames to a running <c>serve</c> as fast as it answers, for T seconds,
/// and report throughput, latency percentiles, answers by status and the server's peak memory (read from its
/// /metrics while the load runs). A 503 is counted and the client goes on with its next frame after Retry-After.
/// An optional warm-up pushes the same load first and counts nothing, so the figures are the server's steady state
/// (its JIT has tiered up, its pools are sized) rather than its first seconds.
/// </summary>
public static class LoadTestCommand
{
    public static Command Create()
    {
        var url = new Option<string>("--url") { Description = "The server, e.g. http://127.0.0.1:8080.", Required = true };
        var line = new Option<string>("--line") { Description = "A trained line.", Required = true };
        var images = new Option<string>("--images") { Description = "Folder of images to send (its subfolders too), in turn.", Required = true };
        var clients = new Option<int>("--clients") { Description = "Concurrent clients.", DefaultValueFactory = _ => 4 }.InRange(1, 1024);
        var seconds = new Option<double>("--seconds") { Description = "How long to push.", DefaultValueFactory = _ => 30 }.InRange(1, 86_400);
        var key = new Option<string?>("--api-key") { Description = "API key (default INSPECTION_API_KEY)." };
        var rate = new Option<double?>("--rate") { Description = "Open loop: frames per second whatever the answers, at most --clients requests open (default: closed loop, each client waits for its answer)." };
        var warmup = new Option<double>("--warmup") { Description = "Seconds of the same load before measuring, not counted.", DefaultValueFactory = _ => 0 }.InRange(0, 3_600);
        var command = new Command("loadtest", "Push frames to a running serve with N concurrent clients and report throughput and latency.");
        foreach (var o in new Option[] { url, line, images, clients, seconds, rate, warmup, key }) command.Options.Add(o);
        command.SetAction(r => CommandRunner.Run(() => Run(r.GetValue(url)!, r.GetValue(line)!, r.GetValue(images)!, r.GetValue(clients), r.GetValue(seconds), r.GetValue(rate), r.GetValue(warmup),
            r.GetValue(key) ?? Environment.GetEnvironmentVariable("INSPECTION_API_KEY")).GetAwaiter().GetResult()));
        return command;
    }

    private static async Task<int> Run(string url, string line, string folder, int clients, double seconds, double? rate, double warmup, string? key)
    {
        var server = LoadFrames.Server(url);
        var bodies = LoadFrames.Images(folder);
        LoadFrames.CheckRate(rate);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients * 2 }) { BaseAddress = server, Timeout = TimeSpan.FromMinutes(2) };
        if (key != null) http.DefaultRequestHeaders.Add("X-Api-Key", key);

        var counters = new Counters();
        var measureFrom = Stopwatch.GetTimestamp() + (long)(warmup * Stopwatch.Frequency);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(warmup + seconds));
        // The server's working set once a second over the measured part: its start, middle and end show whether memory
        // stays flat under the load (the question an overload run asks), the peak how much it needs.
        var memorySamples = new List<double>();
        var memory = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                double now = await ServerMemory(http);
                if (Stopwatch.GetTimestamp() >= measureFrom && now > 0) memorySamples.Add(now);
                try { await Task.Delay(1000, stop.Token); } catch (OperationCanceledException) { }
            }
        });
        string path = $"/api/v1/lines/{Uri.EscapeDataString(line)}/frames";
        long next = 0;
        (byte[] Bytes, string Type) NextBody() => bodies[(int)(Interlocked.Increment(ref next) % bodies.Count)];
        var before = await LineCounters(http, line);
        Task load = rate is { } perSecond
            ? OpenLoop(http, path, NextBody, perSecond, clients, measureFrom, measureFrom + (long)(seconds * Stopwatch.Frequency), counters, stop.Token)
            : Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(() => ClosedLoop(http, $"{path}?camera=loadtest-{c}", NextBody, measureFrom, counters, stop.Token))));
        await load;
        double elapsed = Stopwatch.GetElapsedTime(measureFrom).TotalSeconds;
        await memory;
        await WaitForQuiet(http, line);
        var after = await LineCounters(http, line);

        var sorted = counters.Latencies.Order().ToList();
        string mode = rate is { } r ? $"open loop at {r:F1} frames/s (at most {clients} requests open)" : $"{clients} clients";
        Console.WriteLine($"loadtest {server} line {line}: {mode}, {elapsed:F1} s measured after {warmup:F0} s of warm-up, {bodies.Count} images");
        Console.WriteLine($"scored: {sorted.Count} frames, {sorted.Count / elapsed:F1} frames/s");
        if (sorted.Count > 0)
            Console.WriteLine($"latency ms: p50 {Latencies.Percentile(sorted, 0.5):F1}, p95 {Latencies.Percentile(sorted, 0.95):F1}, p99 {Latencies.Percentile(sorted, 0.99):F1}, max {sorted[^1]:F1}");
        Console.WriteLine("answers: " + (counters.Statuses.IsEmpty ? "none" : string.Join(", ", counters.Statuses.OrderBy(p => p.Key).Select(p => $"{p.Key} x{p.Value}"))));
        if (counters.NotSent > 0) Console.WriteLine($"not sent: {counters.NotSent} frames due while {clients} requests were open (the load generator was the limit)");
        static string MiB(double bytes) => (bytes / (1 << 20)).ToString("F0", CultureInfo.InvariantCulture);
        Console.WriteLine(memorySamples.Count > 0
            ? $"server working set: {MiB(memorySamples[0])} MiB when measuring began, {MiB(memorySamples[memorySamples.Count / 2])} half-way, " +
              $"{MiB(memorySamples[^1])} at the end, peak {MiB(memorySamples.Max())} MiB (from its /metrics)"
            : "server memory: not read (no /metrics)");
        if (before is { } b0 && after is { } b1)
            Console.WriteLine($"server line counters over the run{(warmup > 0 ? ", warm-up included" : "")}: accepted {b1.Accepted - b0.Accepted}, scored {b1.Scored - b0.Scored}, " +
                $"failed {b1.Failed - b0.Failed}, refused {b1.Dropped - b0.Dropped}; in flight now {b1.InFlight}; " +
                $"accepted without a result: {b1.Accepted - b0.Accepted - (b1.Scored - b0.Scored) - (b1.Failed - b0.Failed) - b1.InFlight + b0.InFlight}");
        return sorted.Count > 0 ? ExitCodes.Success : ExitCodes.Failure;
    }

    /// <summary>What the clients saw, once the warm-up is over.</summary>
    private sealed class Counters
    {
        public ConcurrentQueue<double> Latencies { get; } = new();
        public ConcurrentDictionary<string, long> Statuses { get; } = new();
        public long NotSent;

        public void Count(string status) => Statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
    }

    /// <summary>One client: the next frame as soon as the last is answered, after Retry-After on a 503.</summary>
    private static async Task ClosedLoop(HttpClient http, string path, Func<(byte[] Bytes, string Type)> body, long measureFrom, Counters counters, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var retryAfter = await Push(http, path, body(), Stopwatch.GetTimestamp() >= measureFrom, counters);
            if (retryAfter is { } wait)
            {
                try { await Task.Delay(wait, stop); } catch (OperationCanceledException) { }
            }
        }
    }

    /// <summary>
    /// Frames at a fixed rate whatever the answers, as cameras send them: a 503 is counted and its frame is not sent
    /// again. A frame due while <paramref name="maxOpen"/> requests are open is not sent and is counted.
    /// </summary>
    private static async Task OpenLoop(HttpClient http, string path, Func<(byte[] Bytes, string Type)> body, double perSecond, int maxOpen, long measureFrom, long measureUntil, Counters counters, CancellationToken stop)
    {
        var open = new List<Task>();
        var clock = Stopwatch.StartNew();
        long start = Stopwatch.GetTimestamp();
        using var slots = new SemaphoreSlim(maxOpen, maxOpen);
        for (long i = 0; !stop.IsCancellationRequested; i++)
        {
            // The run ends by the frames' due times too: on a busy machine the stop timer can fire late, and the frames
            // sent meanwhile would count beyond the rate.
            long dueAt = start + (long)(i / perSecond * Stopwatch.Frequency);
            if (dueAt >= measureUntil) break;
            var due = TimeSpan.FromSeconds(i / perSecond) - clock.Elapsed;
            if (due > TimeSpan.Zero)
            {
                try { await Task.Delay(due, stop); } catch (OperationCanceledException) { break; }
            }
            // A frame belongs to the measured part by when it was due, so a generator that fell behind in the warm-up
            // does not count the frames it catches up on.
            bool counted = dueAt >= measureFrom;
            if (!slots.Wait(0))
            {
                if (counted) Interlocked.Increment(ref counters.NotSent);
                continue;
            }
            open.Add(Task.Run(async () =>
            {
                try { await Push(http, $"{path}?camera=loadtest-open", body(), counted, counters); }
                finally { slots.Release(); }
            }));
            open.RemoveAll(t => t.IsCompleted);
        }
        await Task.WhenAll(open);
    }

    /// <summary>Sends one frame; counts its answer (and its latency when scored) when it belongs to the measured part.</summary>
    private static async Task<TimeSpan?> Push(HttpClient http, string path, (byte[] Bytes, string Type) frame, bool counted, Counters counters)
    {
        using var content = new ByteArrayContent(frame.Bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(frame.Type);
        long started = Stopwatch.GetTimestamp();
        string status;
        TimeSpan? retryAfter = null;
        try
        {
            using var response = await http.PostAsync(path, content);
            status = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
            retryAfter = response.Headers.RetryAfter?.Delta;
            if (response.IsSuccessStatusCode && counted) counters.Latencies.Enqueue(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (HttpRequestException e) { status = "connection: " + e.HttpRequestError; }
        catch (TaskCanceledException) { status = "timeout"; }
        if (counted) counters.Count(status);
        return retryAfter;
    }

    private sealed record LineCountersAnswer(long Accepted, long Scored, long Failed, long Dropped, int InFlight);

    private sealed record LineAnswer(LineCountersAnswer? Counters);

    /// <summary>The line's counters from <c>GET /lines/{line}</c>, or null when the server does not give them.</summary>
    private static async Task<LineCountersAnswer?> LineCounters(HttpClient http, string line)
    {
        try { return (await http.GetFromJsonAsync<LineAnswer>($"/api/v1/lines/{Uri.EscapeDataString(line)}", JsonOptions))?.Counters; }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException) { return null; }
    }

    /// <summary>Waits (up to a minute) until the line has no frame in flight, so the counters after the run are final.</summary>
    private static async Task WaitForQuiet(HttpClient http, string line)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromMinutes(1) && await LineCounters(http, line) is { InFlight: > 0 })
            await Task.Delay(200);
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    /// <summary>The server's working set from its Prometheus metrics (the .NET runtime's process meter).</summary>
    private static async Task<double> ServerMemory(HttpClient http)
    {
        try
        {
            string text = await http.GetStringAsync("/metrics");
            foreach (var line in text.Split('\n'))
                if (line.StartsWith("dotnet_process_memory_working_set_bytes", StringComparison.Ordinal) || line.StartsWith("process_memory_usage_bytes", StringComparison.Ordinal))
                    return double.Parse(line.Split(' ')[^1], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or FormatException) { }
        return 0;
    }
}
