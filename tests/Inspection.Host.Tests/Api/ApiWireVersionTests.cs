using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Inspection.Actors.Hosting;
using Inspection.Host.Api;
using Xunit;

namespace Inspection.Host.Tests.Api;

/// <summary>
/// A server that writes wire version 1 (the first step of a rolling upgrade from builds before version 2) cannot store
/// line settings that version has no fields for: the API says so, naming the setting and the upgrade, before anything
/// is stored, and a square line is still created.
/// </summary>
public sealed class ApiWireVersionTests
{
    [Fact]
    public async Task A_node_writing_wire_version_1_refuses_rectangles_auto_sizes_and_tiles_with_a_conflict_and_stores_square_lines()
    {
        using var folder = new TempFolder();
        int port = InspectionNodeHost.FreePort();
        var settings = new ServeSettings
        {
            Http = $"127.0.0.1:{InspectionNodeHost.FreePort()}", DataDir = folder.File("data"), ApiKeys = [ServeFixture.Key], Port = port, WireVersion = 1,
        };
        Directory.CreateDirectory(settings.DataDir);
        var node = new InspectionNodeOptions
        {
            Database = settings.Database, Port = port, SeedNodes = [$"akka.tcp://inspection@127.0.0.1:{port}"], WireVersion = 1,
        };
        await using var app = ApiServer.Build(settings, node, new ApiKeys(settings.ApiKeys));
        await app.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri("http://" + settings.Http), Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Add("X-Api-Key", ServeFixture.Key);

        foreach (var (body, named) in new (object Body, string Named)[]
                 {
                     (new { imageSize = "640x256" }, "640x256"),
                     (new { imageSize = "auto" }, "auto image size"),
                     (new { imageSize = 256, tiled = true }, "tiled inspection"),
                 })
        {
            var refused = await client.PutAsJsonAsync("/api/v1/lines/new-line", body);
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            string detail = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!;
            Assert.Contains(named, detail);
            Assert.Contains("wire version 1", detail);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/v1/lines/new-line")).StatusCode); // nothing stored
        var square = await client.PutAsJsonAsync("/api/v1/lines/new-line", new { imageSize = 192 });
        Assert.Equal(HttpStatusCode.Created, square.StatusCode);
        Assert.Equal("192", (await square.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("settings").GetProperty("imageSize").GetString());
        await app.StopAsync();
    }
}
