using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Akka.Actor;
using Inspection.Actors.Hosting;
using Inspection.Engine.Data;
using Inspection.Host.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Inspection.Host.Tests.Api;

/// <summary>
/// A real <c>inspection serve</c> web application (Kestrel on a free 127.0.0.1 port, a one-node cluster, SQLite in a
/// temporary data folder) with one line, "tiles", trained through the API on a generated product line. Tests talk to
/// it over HTTP only. Small limits (frame bytes, pixels, frames in flight) so the limit tests stay small.
/// </summary>
public sealed class ServeFixture : IAsyncLifetime
{
    public const string Key = "test-key-0123456789abcdef";
    /// <summary>A second key, given by name (NAME=KEY), as an operator's would be: the audit trail records the name.</summary>
    public const string OperatorName = "line-operator", OperatorKey = "operator-key-0123456789abcdef";
    public const string Line = "tiles";
    public const int MaxInFlight = 4;
    public TempFolder Folder { get; } = new();
    public string Data => Folder.File("data");
    public string Root => Folder.File("root");
    public string Category => Path.Combine(Root, "line");
    public HttpClient Client { get; private set; } = null!;
    public HttpClient Anonymous { get; private set; } = null!;
    /// <summary>A client with the named operator key.</summary>
    public HttpClient Operator { get; private set; } = null!;
    public ServeSettings Settings { get; private set; } = null!;
    public WebApplication App { get; private set; } = null!;
    public string TrainingJob { get; private set; } = "";
    public JsonElement TrainedJob { get; private set; }

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Root);
        SyntheticProductLine.Generate(Category, new SyntheticLineOptions(Seed: 7, TrainGood: 40, TestGood: 6, DefectsPerType: 2));
        int port = InspectionNodeHost.FreePort();
        Settings = new ServeSettings
        {
            Http = $"127.0.0.1:{InspectionNodeHost.FreePort()}", DataDir = Data, ApiKeys = [Key, $"{OperatorName}={OperatorKey}"], FolderRoots = [Root], Port = port,
            MaxFrameBytes = 2 << 20, MaxPixels = 4_000_000, MaxInFlight = MaxInFlight, FrameDeadlineSeconds = 20,
            // The broker .ci/run starts (scripts/mosquitto.sh); without it the MQTT test is skipped.
            Mqtt = Environment.GetEnvironmentVariable("INSPECTION_TEST_MQTT") is { Length: > 0 } broker ? broker : null,
        };
        Directory.CreateDirectory(Data);
        var node = new InspectionNodeOptions
        {
            Database = Settings.Database, Port = port, SeedNodes = [$"akka.tcp://inspection@127.0.0.1:{port}"], ResultImagesFolder = Settings.HeatmapFolder,
            // Retention steps every second (the default limits remove nothing a test makes; RetentionApiTests sets its line's own).
            RetentionInterval = TimeSpan.FromSeconds(1),
            Lines = new()
            {
                MaxInFlight = MaxInFlight, FrameTimeout = TimeSpan.FromSeconds(Settings.FrameDeadlineSeconds), Images = Inspection.Actors.Messages.ImagePolicy.Drawn,
                MqttBroker = Settings.Mqtt,
            },
        };
        App = ApiServer.Build(Settings, node, new ApiKeys(Settings.ApiKeys));
        await App.StartAsync();
        var address = new Uri("http://" + Settings.Http);
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(2) };
        Client.DefaultRequestHeaders.Add("X-Api-Key", Key);
        Anonymous = new HttpClient { BaseAddress = address };
        Operator = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(2) };
        Operator.DefaultRequestHeaders.Add("X-Api-Key", OperatorKey);
        await WaitUntilReady();
        var put = await Client.PutAsJsonAsync($"/api/v1/lines/{Line}", new { imageSize = 128, coresetRatio = 0.1 });
        put.EnsureSuccessStatusCode();
        var training = await Client.PostAsJsonAsync($"/api/v1/lines/{Line}/training", new { folder = Category });
        Assert.Equal(global::System.Net.HttpStatusCode.Accepted, training.StatusCode);
        TrainingJob = (await training.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("jobId").GetString()!;
        TrainedJob = await WaitForJob(TrainingJob);
        Assert.Equal("succeeded", TrainedJob.GetProperty("state").GetString());
    }

    /// <summary>Ready once the node is up in its cluster and its backbone has loaded (events of the node itself); then /healthz/ready must say so.</summary>
    private async Task WaitUntilReady()
    {
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Akka.Cluster.Cluster.Get(System).RegisterOnMemberUp(() => up.TrySetResult());
        await up.Task.WaitAsync(TimeSpan.FromMinutes(1));
        await App.Services.GetRequiredService<BackboneWarmup>().Done.WaitAsync(TimeSpan.FromMinutes(2));
        var pipeline = await InspectionPipeline.For(System);
        await pipeline.Registry.Ask<Inspection.Actors.Messages.LineList>(new Inspection.Actors.Messages.ListLines(), TimeSpan.FromMinutes(1));
        var ready = await Anonymous.GetAsync("/healthz/ready");
        Assert.True(ready.IsSuccessStatusCode, "not ready: " + await ready.Content.ReadAsStringAsync());
    }

    /// <summary>Waits for a job to end (the job's own completion event on this node), then reads it over HTTP.</summary>
    public async Task<JsonElement> WaitForJob(string id, TimeSpan? timeout = null)
    {
        var job = App.Services.GetRequiredService<JobRegistry>().Get(id) ?? throw new InvalidOperationException($"no job {id}");
        await job.Ended.WaitAsync(timeout ?? TimeSpan.FromMinutes(5));
        return await Client.GetFromJsonAsync<JsonElement>($"/api/v1/jobs/{id}");
    }

    /// <summary>Creates and trains a line of its own for a test that changes line settings.</summary>
    public async Task TrainLine(string line, object? settings = null)
    {
        (await Client.PutAsJsonAsync($"/api/v1/lines/{line}", settings ?? new { imageSize = 128 })).EnsureSuccessStatusCode();
        var started = await Client.PostAsJsonAsync($"/api/v1/lines/{line}/training", new { folder = Category });
        started.EnsureSuccessStatusCode();
        var job = await WaitForJob((await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("jobId").GetString()!);
        Assert.Equal("succeeded", job.GetProperty("state").GetString());
    }

    /// <summary>A small elongated line under the folder root: 256 x 64 strips, trainGood to train, testGood good and one of each defect to test.</summary>
    public string SmallStrips(string name, int seed, int trainGood = 8, int testGood = 1)
    {
        string folder = Path.Combine(Root, name);
        SyntheticStripLine.Generate(folder, new SyntheticStripOptions(Seed: seed, TrainGood: trainGood, TestGood: testGood, DefectsPerType: 1, Height: 256, Width: 64));
        return folder;
    }

    /// <summary>The first defect type of the generated line's test images.</summary>
    public string DefectKind => Directory.GetDirectories(Path.Combine(Category, "test")).Select(Path.GetFileName).First(d => d != "good")!;

    /// <summary>The dashboard in a fresh tab, signed in with the key (it reloads and reads the lines with it).</summary>
    public async Task<Microsoft.Playwright.IPage> SignedInDashboard(Dashboard.Browser browser, string key = Key)
    {
        var page = await browser.Page();
        await page.GotoAsync("http://" + Settings.Http + "/");
        await Dashboard.Browser.SignIn(page, key);
        return page;
    }

    public byte[] Image(string kind, int index = 0) => File.ReadAllBytes(Directory.GetFiles(Path.Combine(Category, "test", kind)).Order().ElementAt(index));

    public async Task<HttpResponseMessage> PostFrame(byte[] image, string query = "", string type = "image/png", HttpClient? client = null,
        string line = Line, Action<HttpRequestMessage>? configure = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/lines/{line}/frames{query}") { Content = new ByteArrayContent(image) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
        configure?.Invoke(request);
        return await (client ?? Client).SendAsync(request);
    }

    public ActorSystem System => App.Services.GetRequiredService<ActorSystem>();

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        Anonymous?.Dispose();
        Operator?.Dispose();
        if (App != null)
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
        Folder.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class ServeCollection : ICollectionFixture<ServeFixture>
{
    public const string Name = "serve";
}
