using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Inspection.Actors.Hosting;
using Inspection.Engine.Data;
using Inspection.Host.Api;
using Xunit;
using Xunit.Abstractions;

namespace Inspection.Host.Tests.Api;

/// <summary>
/// A real server on its own real PostgreSQL server (scripts/postgres.sh), under a steady stream of frames, while the
/// database stops for 30 s and starts again: readiness says what is wrong meanwhile, every frame ends with exactly one
/// stored result (a client sending again what was refused, failed or lost, with the same frame id; a frame answered 202
/// ends with its result or with 410 naming its loss, never an endless 404), and the node serves again without a restart.
/// </summary>
public sealed class DatabaseOutageTests(ITestOutputHelper log) : IAsyncLifetime
{
    private const string Key = "outage-key-0123456789abcdef";
    private const string Line = "outage";
    private readonly TempFolder _folder = new();
    private readonly Dictionary<string, string> _pg = [];
    private OwnServer? _server;
    private HttpClient _client = null!;

    private static string Repository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "scripts", "postgres.sh"))) return dir.FullName;
        throw new InvalidOperationException("scripts/postgres.sh not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Runs scripts/postgres.sh with a command (start prints its variables), in the server's own folder.</summary>
    private string Postgres(string command)
    {
        var start = new ProcessStartInfo("bash", ["-c", command == "start"
            ? "source scripts/postgres.sh start && echo \"$INSPECTION_TEST_POSTGRES\" && echo \"$PG_TEST_DIR\""
            : $"bash scripts/postgres.sh {command}"])
        { WorkingDirectory = Repository(), RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in _pg) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd(), error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"scripts/postgres.sh {command}: {error}");
        return output;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    private async Task<JsonElement> Journal()
    {
        using var anonymous = new HttpClient { BaseAddress = _client.BaseAddress };
        var ready = await (await anonymous.GetAsync("/healthz/ready")).Content.ReadFromJsonAsync<JsonElement>();
        return ready.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "journal");
    }

    private readonly ConcurrentBag<string> _refusals = [];

    /// <summary>Sends one frame; with <paramref name="wait"/> false a 202's id is the result to ask for later.</summary>
    private async Task<(HttpStatusCode Status, string? Id)> Post(byte[] image, string frameId, bool wait = true)
    {
        try
        {
            var content = new ByteArrayContent(image);
            content.Headers.ContentType = new("image/png");
            var response = await _client.PostAsync($"/api/v1/lines/{Line}/frames?camera=stream&frameId={frameId}{(wait ? "" : "&wait=false")}", content);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            string? id = response.StatusCode switch
            {
                HttpStatusCode.OK => body.GetProperty("id").GetString(),
                HttpStatusCode.Accepted => body.GetProperty("resultId").GetString(),
                _ => null,
            };
            if (id == null) _refusals.Add($"{(int)response.StatusCode} {body.GetProperty("detail").GetString()![..Math.Min(60, body.GetProperty("detail").GetString()!.Length)]}");
            return (response.StatusCode, id);
        }
        catch (TaskCanceledException) { return (HttpStatusCode.RequestTimeout, null); }
    }

    [SkippableFact]
    public async Task A_database_outage_of_30_s_under_a_stream_loses_and_duplicates_no_frame_and_the_node_serves_again()
    {
        Skip.If(!Directory.EnumerateDirectories("/usr/lib/postgresql").Any(d => File.Exists(Path.Combine(d, "bin", "initdb"))),
            "PostgreSQL's binaries are not installed (/usr/lib/postgresql/*/bin): .ci/run installs them");
        var lines = Postgres("start").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string connection = lines[^2];
        _pg["PG_TEST_DIR"] = lines[^1];
        string root = _folder.File("root"), category = Path.Combine(root, "line");
        SyntheticProductLine.Generate(category, new SyntheticLineOptions(Seed: 3, TrainGood: 10, TestGood: 3, DefectsPerType: 1, Size: 96));
        int port = InspectionNodeHost.FreePort();
        var settings = new ServeSettings
        {
            Http = $"127.0.0.1:{InspectionNodeHost.FreePort()}", DataDir = _folder.File("data"), ApiKeys = [Key], FolderRoots = [root], Port = port,
            Postgres = connection,
        };
        _server = await OwnServer.Start(settings, node => node with
        {
            Database = connection, Persistence = PersistenceBackend.PostgreSql, Lines = new() { FrameTimeout = TimeSpan.FromSeconds(settings.FrameDeadlineSeconds) },
        });
        _client = _server.Client;
        await _server.TrainLine(Line, category, new { imageSize = 64 });
        byte[] image = File.ReadAllBytes(Directory.GetFiles(Path.Combine(category, "test", "good")).Order().First());
        Assert.Equal(HttpStatusCode.OK, (await Post(image, "warm-up")).Status);

        // A steady stream of 4 frames/s (each its own request, not waiting for the one before) for 50 s; the database
        // stops 10 s in and starts again 30 s later.
        var outcomes = new ConcurrentDictionary<string, (HttpStatusCode Status, string? Id)>();
        var requests = new List<Task>();
        var clock = Stopwatch.StartNew();
        bool paused = false, resumed = false;
        string? downSays = null;
        for (int i = 0; clock.Elapsed < TimeSpan.FromSeconds(50); i++)
        {
            // Every fourth frame does not wait: its client asks for the result later.
            string frame = $"f{i:D4}";
            bool wait = i % 4 != 3;
            requests.Add(Task.Run(async () => outcomes[frame] = await Post(image, frame, wait)));
            if (!paused && clock.Elapsed > TimeSpan.FromSeconds(10))
            {
                paused = true;
                await Task.Run(() => Postgres("pause"));
                log.WriteLine($"database stopped at {clock.Elapsed.TotalSeconds:0.0} s");
            }
            if (paused && !resumed && downSays == null && clock.Elapsed > TimeSpan.FromSeconds(20))
            {
                var journal = await Journal();
                downSays = $"{journal.GetProperty("status").GetString()}: {journal.GetProperty("description").GetString()}";
            }
            if (paused && !resumed && clock.Elapsed > TimeSpan.FromSeconds(40))
            {
                resumed = true;
                await Task.Run(() => Postgres("resume"));
                log.WriteLine($"database started at {clock.Elapsed.TotalSeconds:0.0} s");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }
        await Task.WhenAll(requests);
        log.WriteLine("readiness while the database was away: " + downSays);
        log.WriteLine("first answers: " + string.Join(", ", outcomes.Values.GroupBy(o => o.Status).Select(g => $"{(int)g.Key} x{g.Count()}")));
        foreach (var reason in _refusals.GroupBy(r => r).OrderByDescending(g => g.Count())) log.WriteLine($"  {reason.Count()} x {reason.Key}");
        Assert.StartsWith("Unhealthy: the database does not answer", downSays);

        // A frame answered 202 ends with its result, or with 410 saying that it was lost (then it is sent again below).
        int queued = 0, lostAfterAccepted = 0;
        foreach (var (frame, outcome) in outcomes.Where(o => o.Value.Status == HttpStatusCode.Accepted).OrderBy(o => o.Key).ToList())
        {
            queued++;
            var until = DateTime.UtcNow.AddMinutes(1);
            while (true)
            {
                var response = await _client.GetAsync($"/api/v1/results/{outcome.Id}");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    outcomes[frame] = (HttpStatusCode.OK, outcome.Id);
                    break;
                }
                if (response.StatusCode == HttpStatusCode.Gone)
                {
                    var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
                    Assert.Contains("could not be stored", problem.GetProperty("detail").GetString());
                    Assert.Equal(outcome.Id, problem.GetProperty("resultId").GetString());
                    lostAfterAccepted++;
                    break;
                }
                Assert.True(response.StatusCode == HttpStatusCode.NotFound && DateTime.UtcNow < until,
                    $"frame {frame} (result {outcome.Id}) answered 202 has neither a result nor a loss: {(int)response.StatusCode}");
                await Task.Delay(200);
            }
        }
        log.WriteLine($"{queued} frames answered 202: {lostAfterAccepted} of them lost in the outage (410), the others stored");
        Assert.True(queued > 0, "no frame was answered 202");

        // A client sends again, with the same frame id, every frame that was refused, failed or lost, until each has its result.
        var deadline = DateTime.UtcNow.AddMinutes(2);
        foreach (var frame in outcomes.Keys.Order().ToList())
            while (outcomes[frame].Status != HttpStatusCode.OK)
            {
                Assert.True(DateTime.UtcNow < deadline, $"frame {frame} still has no result: {outcomes[frame].Status}");
                await Task.Delay(200);
                outcomes[frame] = await Post(image, frame);
            }
        Assert.Equal("Healthy", (await Journal()).GetProperty("status").GetString());

        // Exactly one stored result per frame: the ids a frame was answered with, and the rows of the line.
        var stored = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var page = await _client.GetFromJsonAsync<JsonElement>($"/api/v1/results?line={Line}&camera=stream&limit=200{(cursor == null ? "" : "&cursor=" + cursor)}");
            stored.AddRange(page.GetProperty("items").EnumerateArray());
            cursor = page.GetProperty("nextCursor").ValueKind == JsonValueKind.String ? page.GetProperty("nextCursor").GetString() : null;
        } while (cursor != null);
        var byFrame = stored.GroupBy(r => r.GetProperty("frameId").GetString()!).ToDictionary(g => g.Key, g => g.Select(r => r.GetProperty("id").GetString()).ToList());
        var duplicated = byFrame.Where(f => f.Value.Count > 1).Select(f => f.Key).ToList();
        Assert.True(duplicated.Count == 0, $"frames stored more than once: {string.Join(", ", duplicated)}");
        var missing = outcomes.Keys.Where(f => !byFrame.ContainsKey(f)).ToList();
        Assert.True(missing.Count == 0, $"frames answered but not stored: {string.Join(", ", missing)}");
        foreach (var (frame, outcome) in outcomes) Assert.Equal(byFrame[frame][0], outcome.Id);

        // And a new frame is scored as before.
        Assert.Equal(HttpStatusCode.OK, (await Post(image, "after")).Status);
    }

    public async Task DisposeAsync()
    {
        if (_server != null) await _server.DisposeAsync();
        if (_pg.Count > 0) Postgres("stop");
        _folder.Dispose();
    }
}
