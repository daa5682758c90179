using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using Inspection.Engine.Data;

namespace Inspection.Host.Cli;

/// <summary>
/// <c>inspection loadtest</c>: N clients push frames to a running <c>serve</c> as fast as it answers, for T seconds,
/// and report throughput, latency percentiles, answers by status and the server's peak memory (read from its
/// /metrics while the load runs). A 503 is counted and the client goes on with its next frame after Retry-After.
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
        var command = new Command("loadtest", "Push frames to a running serve with N concurrent clients and report throughput and latency.");
        foreach (var o in new Option[] { url, line, images, clients, seconds, key }) command.Options.Add(o);
        command.SetAction(r => CommandRunner.Run(() => Run(r.GetValue(url)!, r.GetValue(line)!, r.GetValue(images)!, r.GetValue(clients), r.GetValue(seconds),
            r.GetValue(key) ?? Environment.GetEnvironmentVariable("INSPECTION_API_KEY")).GetAwaiter().GetResult()));
        return command;
    }

    private static async Task<int> Run(string url, string line, string folder, int clients, double seconds, string? key)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var server) || server.Scheme is not ("http" or "https"))
            throw new ArgumentException($"--url '{url}' is not an http(s) URL");
        if (!Directory.Exists(folder)) throw new ArgumentException($"--images '{folder}' is not a folder");
        var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Where(f => Path.GetExtension(f).ToLowerInvariant() is ".png" or ".jpg" or ".jpeg" or ".bmp").ToList();
        if (files.Count == 0) throw new ArgumentException($"--images '{folder}' holds no PNG, JPEG or BMP images");
        var bodies = files.Select(f => (Bytes: File.ReadAllBytes(f), Type: Path.GetExtension(f).ToLowerInvariant() switch
        {
            ".png" => "image/png", ".bmp" => "image/bmp", _ => "image/jpeg",
        })).ToList();
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients * 2 }) { BaseAddress = server, Timeout = TimeSpan.FromMinutes(2) };
        if (key != null) http.DefaultRequestHeaders.Add("X-Api-Key", key);

        var latencies = new List<double>[clients];
        var statuses = new Dictionary<string, long>[clients];
        long next = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        double peakMemory = 0;
        var memory = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peakMemory = Math.Max(peakMemory, await ServerMemory(http));
                try { await Task.Delay(1000, stop.Token); } catch (OperationCanceledException) { }
            }
        });
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            latencies[c] = [];
            statuses[c] = new();
            while (!stop.IsCancellationRequested)
            {
                var (bytes, type) = bodies[(int)(Interlocked.Increment(ref next) % bodies.Count)];
                using var content = new ByteArrayContent(bytes);
                content.Headers.ContentType = new MediaTypeHeaderValue(type);
                long started = Stopwatch.GetTimestamp();
                string status;
                TimeSpan? retryAfter = null;
                try
                {
                    using var response = await http.PostAsync($"/api/v1/lines/{Uri.EscapeDataString(line)}/frames?camera=loadtest-{c}", content);
                    status = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
                    retryAfter = response.Headers.RetryAfter?.Delta;
                    if (response.IsSuccessStatusCode) latencies[c].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
                catch (HttpRequestException e) { status = "connection: " + e.HttpRequestError; }
                catch (TaskCanceledException) { status = "timeout"; }
                statuses[c][status] = statuses[c].GetValueOrDefault(status) + 1;
                if (retryAfter is { } wait)
                {
                    try { await Task.Delay(wait, stop.Token); } catch (OperationCanceledException) { }
                }
            }
        })).ToList();
        await Task.WhenAll(workers);
        double elapsed = clock.Elapsed.TotalSeconds;
        await memory;
        var sorted = latencies.SelectMany(l => l).Order().ToList();
        var byStatus = statuses.SelectMany(s => s).GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Sum(p => p.Value));
        Console.WriteLine($"loadtest {server} line {line}: {clients} clients, {elapsed:F1} s, {files.Count} images");
        Console.WriteLine($"scored: {sorted.Count} frames, {sorted.Count / elapsed:F1} frames/s");
        if (sorted.Count > 0)
            Console.WriteLine($"latency ms: p50 {Latencies.Percentile(sorted, 0.5):F1}, p95 {Latencies.Percentile(sorted, 0.95):F1}, p99 {Latencies.Percentile(sorted, 0.99):F1}, max {sorted[^1]:F1}");
        Console.WriteLine("answers: " + string.Join(", ", byStatus.OrderBy(p => p.Key).Select(p => $"{p.Key} x{p.Value}")));
        Console.WriteLine(peakMemory > 0 ? $"server peak working set: {peakMemory / (1 << 20):F0} MiB (from its /metrics)" : "server memory: not read (no /metrics)");
        return sorted.Count > 0 ? ExitCodes.Success : ExitCodes.Failure;
    }

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
