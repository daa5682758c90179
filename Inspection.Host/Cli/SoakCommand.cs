using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Inspection.Host.Cli;

/// <summary>
/// <c>inspection soak</c>: a steady open-loop stream of frames to a running <c>serve</c> for a long time, sampling every
/// few seconds what drifts over hours: the server's memory (RSS from /proc, the managed heap from /metrics), its
/// threads and open files, the bytes its results take on disk (images, database), latency, frames scored, failed and
/// dropped, and what retention keeps and removed. Writes soak.csv as it goes and soak.png at the end.
/// </summary>
public static partial class SoakCommand
{
    public static Command Create()
    {
        var url = new Option<string>("--url") { Description = "The server, e.g. http://127.0.0.1:8080.", Required = true };
        var line = new Option<string>("--line") { Description = "A trained line.", Required = true };
        var images = new Option<string>("--images") { Description = "Folder of images to send (its subfolders too), in turn.", Required = true };
        var rate = new Option<double>("--rate") { Description = "Frames per second, whatever the answers (open loop).", Required = true };
        var seconds = new Option<double>("--seconds") { Description = "How long to run.", DefaultValueFactory = _ => 7200 }.InRange(1, 30 * 86_400);
        var every = new Option<double>("--sample-seconds") { Description = "Seconds between samples.", DefaultValueFactory = _ => 10 }.InRange(0.5, 3_600);
        var pid = new Option<int?>("--pid") { Description = "The server's process id, for its RSS, threads and open files (/proc)." };
        var data = new Option<string?>("--data-dir") { Description = "The server's data folder, for the bytes its images and database take." };
        var output = new Option<string>("--out") { Description = "Folder for soak.csv and soak.png.", DefaultValueFactory = _ => "soak" };
        var key = new Option<string?>("--api-key") { Description = "API key (default INSPECTION_API_KEY)." };
        var command = new Command("soak", "Stream frames to a running serve at a steady rate for hours, sampling memory, threads, files, disk, latency and frames to a CSV and a plot.");
        foreach (var o in new Option[] { url, line, images, rate, seconds, every, pid, data, output, key }) command.Options.Add(o);
        command.SetAction(r => CommandRunner.Run(() => Run(new SoakOptions(r.GetValue(url)!, r.GetValue(line)!, r.GetValue(images)!, r.GetValue(rate),
            r.GetValue(seconds), r.GetValue(every), r.GetValue(pid), r.GetValue(data), r.GetValue(output)!,
            r.GetValue(key) ?? Environment.GetEnvironmentVariable("INSPECTION_API_KEY")), CancellationToken.None).GetAwaiter().GetResult()));
        return command;
    }

    public sealed record SoakOptions(string Url, string Line, string Images, double Rate, double Seconds, double SampleSeconds, int? Pid, string? DataDir,
        string Output, string? Key);

    private const int MaxOpen = 256;

    /// <summary>Runs the soak; returns 0, or 1 when a frame was answered with a 5xx other than a refusal (503, 507).</summary>
    public static async Task<int> Run(SoakOptions o, CancellationToken cancel)
    {
        var server = LoadFrames.Server(o.Url);
        LoadFrames.CheckRate(o.Rate);
        var bodies = LoadFrames.Images(o.Images);
        Directory.CreateDirectory(o.Output);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = MaxOpen }) { BaseAddress = server, Timeout = TimeSpan.FromMinutes(2) };
        if (o.Key != null) http.DefaultRequestHeaders.Add("X-Api-Key", o.Key);

        var latencies = new ConcurrentQueue<double>();
        long scored = 0, failed = 0, dropped = 0, broken = 0;
        using var open = new SemaphoreSlim(MaxOpen);
        var clock = Stopwatch.StartNew();
        var requests = new List<Task>();
        var samples = new List<SoakSample>();
        string csv = Path.Combine(o.Output, "soak.csv");
        await using var writer = new StreamWriter(csv) { AutoFlush = true };
        await writer.WriteLineAsync(SoakSample.Header);
        double nextSample = o.SampleSeconds;
        for (long sent = 0; clock.Elapsed.TotalSeconds < o.Seconds && !cancel.IsCancellationRequested; sent++)
        {
            double due = sent / o.Rate;
            if (due > clock.Elapsed.TotalSeconds) await Task.Delay(TimeSpan.FromSeconds(due - clock.Elapsed.TotalSeconds), cancel);
            if (!await open.WaitAsync(0, cancel)) { Interlocked.Increment(ref dropped); continue; }
            var (body, type) = bodies[(int)(sent % bodies.Count)];
            requests.Add(Task.Run(async () =>
            {
                try
                {
                    var started = Stopwatch.GetTimestamp();
                    var content = new ByteArrayContent(body);
                    content.Headers.ContentType = new MediaTypeHeaderValue(type);
                    using var response = await http.PostAsync($"/api/v1/lines/{Uri.EscapeDataString(o.Line)}/frames?camera=soak", content, cancel);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        latencies.Enqueue(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                        var result = await response.Content.ReadFromJsonAsync<JsonElement>(cancel);
                        Interlocked.Increment(ref result.GetProperty("verdict").GetString() == "error" ? ref failed : ref scored);
                    }
                    else if (response.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.InsufficientStorage or HttpStatusCode.TooManyRequests)
                        Interlocked.Increment(ref dropped);
                    else if (Interlocked.Increment(ref broken) <= 5)
                        Console.WriteLine($"answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancel)}");
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    if (Interlocked.Increment(ref broken) <= 5) Console.WriteLine($"no answer: {e.Message}");
                }
                finally { open.Release(); }
            }, cancel));
            requests.RemoveAll(t => t.IsCompleted);
            if (clock.Elapsed.TotalSeconds >= nextSample)
            {
                nextSample += o.SampleSeconds;
                var sample = await Sample(http, o, clock.Elapsed.TotalSeconds, latencies, Interlocked.Read(ref scored), Interlocked.Read(ref failed),
                    Interlocked.Read(ref dropped) + Interlocked.Read(ref broken), cancel);
                samples.Add(sample);
                await writer.WriteLineAsync(sample.Csv());
                Console.WriteLine($"{sample.Seconds,8:0} s  rss {sample.RssMb:0} MB  heap {sample.HeapMb:0} MB  threads {sample.Threads}  fds {sample.FileDescriptors}  " +
                                  $"images {sample.ImagesMb:0.0} MB  db {sample.DatabaseMb:0.0} MB  p50 {sample.P50Ms:0} ms  p99 {sample.P99Ms:0} ms  " +
                                  $"scored {sample.Scored}  failed {sample.Failed}  dropped {sample.Dropped}  kept {sample.Retained}");
            }
        }
        await Task.WhenAll(requests);
        if (samples.Count > 0) Reports.SoakPlot.Write(Path.Combine(o.Output, "soak.png"), samples, $"soak of line {o.Line} at {o.Rate:0.##} frames/s");
        Console.WriteLine($"soak: {clock.Elapsed.TotalSeconds:0} s at {o.Rate:0.##} frames/s: scored {scored}, failed {failed}, refused {dropped}, broken {broken}; {csv}");
        return broken > 0 ? 1 : 0;
    }

    /// <summary>One sample; the latencies since the last are taken off the queue.</summary>
    private static async Task<SoakSample> Sample(HttpClient http, SoakOptions o, double seconds, ConcurrentQueue<double> latencies, long scored, long failed,
        long dropped, CancellationToken cancel)
    {
        var window = new List<double>();
        while (latencies.TryDequeue(out var l)) window.Add(l);
        window.Sort();
        double Percentile(double p) => window.Count == 0 ? double.NaN : window[Math.Min(window.Count - 1, (int)Math.Ceiling(p * window.Count) - 1)];
        string metrics = "";
        try { metrics = await http.GetStringAsync("/metrics", cancel); }
        catch (HttpRequestException) { }
        long kept = -1;
        try
        {
            var view = await http.GetFromJsonAsync<JsonElement>($"/api/v1/lines/{Uri.EscapeDataString(o.Line)}", cancel);
            if (view.TryGetProperty("storage", out var storage)) kept = storage.GetProperty("keptResults").GetInt64();
        }
        catch (HttpRequestException) { }
        var (rss, threads, fds) = Process(o.Pid);
        return new SoakSample(seconds, rss, Metric(metrics, "dotnet_gc_last_collection_heap_size_bytes", null) / 1048576.0, threads, fds,
            Bytes(o.DataDir, f => f.FullName.Contains($"{Path.DirectorySeparatorChar}results{Path.DirectorySeparatorChar}")) / 1048576.0,
            Bytes(o.DataDir, f => f.Name.Contains(".db")) / 1048576.0, Percentile(0.5), Percentile(0.99), scored, failed, dropped, kept,
            (long)Metric(metrics, "inspection_retention_removed_total", $"reason=\"age\""), (long)Metric(metrics, "inspection_retention_removed_total", $"reason=\"size\""));
    }

    /// <summary>RSS (MB), threads and open file descriptors of a process, from /proc; NaN and -1 when it cannot be read.</summary>
    private static (double RssMb, int Threads, int Fds) Process(int? pid)
    {
        if (pid is not { } id) return (double.NaN, -1, -1);
        try
        {
            var status = File.ReadAllLines($"/proc/{id}/status");
            long Field(string name) => long.Parse(status.First(l => l.StartsWith(name + ":", StringComparison.Ordinal)).Split(':')[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            return (Field("VmRSS") / 1024.0, (int)Field("Threads"), Directory.GetFiles($"/proc/{id}/fd").Length);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException) { return (double.NaN, -1, -1); }
    }

    private static long Bytes(string? folder, Func<FileInfo, bool> which)
    {
        if (folder == null || !Directory.Exists(folder)) return 0;
        long total = 0;
        foreach (var file in new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories))
        {
            try { if (which(file)) total += file.Length; }
            catch (FileNotFoundException) { } // removed meanwhile (retention)
        }
        return total;
    }

    /// <summary>The sum of a metric's series (those whose labels hold <paramref name="labels"/>); NaN when it has none.</summary>
    private static double Metric(string metrics, string name, string? labels)
    {
        double sum = 0;
        bool any = false;
        foreach (Match m in MetricLine().Matches(metrics))
        {
            if (m.Groups[1].Value != name || (labels != null && !m.Groups[2].Value.Contains(labels))) continue;
            sum += double.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture);
            any = true;
        }
        return any ? sum : labels == null ? double.NaN : 0;
    }

    [GeneratedRegex(@"^(\w+)(?:\{([^}]*)\})? ([0-9.eE+-]+)", RegexOptions.Multiline)]
    private static partial Regex MetricLine();
}
