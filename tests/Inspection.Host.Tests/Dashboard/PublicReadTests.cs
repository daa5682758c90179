using Akka.Actor;
using Inspection.Actors.Hosting;
using Inspection.Host.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit;

namespace Inspection.Host.Tests.Dashboard;

/// <summary>
/// A serve application started with public reads (<c>--public-read</c>): the dashboard's read-only pages open without a
/// key, while its actions stay closed until one is given, as the API's own rules say.
/// </summary>
public sealed class PublicReadTests : IAsyncLifetime
{
    private const string Key = "public-read-key-0123456789";
    private readonly TempFolder _folder = new();
    private WebApplication _app = null!;
    private ServeSettings _settings = null!;

    public async Task InitializeAsync()
    {
        int port = InspectionNodeHost.FreePort();
        string data = _folder.File("data");
        Directory.CreateDirectory(data);
        _settings = new ServeSettings { Http = $"127.0.0.1:{InspectionNodeHost.FreePort()}", DataDir = data, ApiKeys = [Key], Port = port, PublicRead = true };
        var node = new InspectionNodeOptions { Database = _settings.Database, Port = port, SeedNodes = [$"akka.tcp://inspection@127.0.0.1:{port}"] };
        _app = ApiServer.Build(_settings, node, new ApiKeys(_settings.ApiKeys));
        await _app.StartAsync();
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Akka.Cluster.Cluster.Get(_app.Services.GetRequiredService<ActorSystem>()).RegisterOnMemberUp(() => up.TrySetResult());
        await up.Task.WaitAsync(TimeSpan.FromMinutes(1));
    }

    [SkippableFact]
    public async Task Without_a_key_the_overview_and_cluster_open_but_training_cannot_be_started()
    {
        await using var browser = await Browser.Start();
        var page = await browser.Page();
        string url = "http://" + _settings.Http + "/";
        var lines = await page.RunAndWaitForResponseAsync(() => page.GotoAsync(url), r => r.Url.EndsWith("/api/v1/lines"));
        Assert.Equal(200, lines.Status);
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("No lines yet");

        await page.EvaluateAsync("location.hash = '#/cluster'");
        await Assertions.Expect(page.Locator($"tr[data-address='akka.tcp://inspection@127.0.0.1:{_settings.Port}']")).ToContainTextAsync("Up");

        await page.EvaluateAsync("location.hash = '#/training'");
        await Assertions.Expect(page.Locator("#start-training")).ToBeDisabledAsync();
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("Sign in to train");
        // The API behind it still refuses an anonymous write: the page is not what keeps it closed.
        var anonymous = await page.APIRequest.PostAsync(url + "api/v1/lines/x/training", new APIRequestContextOptions { DataObject = new { folder = "/tmp" } });
        Assert.Equal(401, anonymous.Status);
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _folder.Dispose();
    }
}
