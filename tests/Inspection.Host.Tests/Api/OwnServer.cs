using System.Net.Http.Json;
using System.Text.Json;
using Inspection.Actors.Hosting;
using Inspection.Host.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Inspection.Host.Tests.Api;

/// <summary>
/// A real serve application of a test's own (where <see cref="ServeFixture"/>'s shared one cannot do: its own disk, its
/// own database): a one-node cluster on the settings' ports, an HTTP client holding the key, and lines trained through
/// the API. Disposing stops it.
/// </summary>
public sealed class OwnServer : IAsyncDisposable
{
    private OwnServer(WebApplication app, HttpClient client)
    {
        App = app;
        Client = client;
    }

    public WebApplication App { get; }
    /// <summary>Sends the first API key of the settings.</summary>
    public HttpClient Client { get; }

    /// <summary>The node options a single serve node runs with; <paramref name="node"/> adds a test's own (disk, database, lines).</summary>
    public static async Task<OwnServer> Start(ServeSettings settings, Func<InspectionNodeOptions, InspectionNodeOptions>? node = null)
    {
        Directory.CreateDirectory(settings.DataDir);
        var options = new InspectionNodeOptions
        {
            Database = settings.Database, Port = settings.Port, SeedNodes = [$"akka.tcp://inspection@127.0.0.1:{settings.Port}"],
            ResultImagesFolder = settings.HeatmapFolder,
        };
        var app = ApiServer.Build(settings, node?.Invoke(options) ?? options, new ApiKeys(settings.ApiKeys));
        await app.StartAsync();
        var client = new HttpClient { BaseAddress = new Uri("http://" + settings.Http), Timeout = TimeSpan.FromSeconds(90) };
        client.DefaultRequestHeaders.Add("X-Api-Key", settings.ApiKeys[0]);
        return new OwnServer(app, client);
    }

    /// <summary>Creates the line with <paramref name="lineSettings"/> and trains it on <paramref name="folder"/>, waiting for the job's own end.</summary>
    public async Task TrainLine(string line, string folder, object lineSettings)
    {
        (await Client.PutAsJsonAsync($"/api/v1/lines/{line}", lineSettings)).EnsureSuccessStatusCode();
        var training = await Client.PostAsJsonAsync($"/api/v1/lines/{line}/training", new { folder });
        training.EnsureSuccessStatusCode();
        string jobId = (await training.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("jobId").GetString()!;
        await App.Services.GetRequiredService<JobRegistry>().Get(jobId)!.Ended.WaitAsync(TimeSpan.FromMinutes(5));
        var job = await Client.GetFromJsonAsync<JsonElement>($"/api/v1/jobs/{jobId}");
        Assert.Equal("succeeded", job.GetProperty("state").GetString());
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
