using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Xunit;
using Xunit.Abstractions;

namespace Inspection.Host.Tests.Api;

/// <summary>
/// Bad requests of every kind against the real server: each gets its status and an RFC 9457 problem body (never a 500),
/// and the node scores a good frame right after all of them.
/// </summary>
[Collection(ServeCollection.Name)]
public sealed class ApiBadRequestTests(ServeFixture serve, ITestOutputHelper log)
{
    private const string Frames = $"/api/v1/lines/{ServeFixture.Line}/frames";

    private HttpRequestMessage Request(HttpMethod method, string path, HttpContent? content = null, string? key = ServeFixture.Key, string? bearer = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        if (key != null) request.Headers.Add("X-Api-Key", key);
        if (bearer != null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return request;
    }

    private static ByteArrayContent Bytes(byte[] bytes, string? type)
    {
        var content = new ByteArrayContent(bytes);
        if (type != null) content.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
        return content;
    }

    private static ByteArrayContent Text(string text, string type) => Bytes(Encoding.UTF8.GetBytes(text), type);

    private static StringContent JsonBody(object value) => new(JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");

    [Fact]
    public async Task Every_bad_request_gets_its_status_and_a_problem_and_a_good_frame_scores_after_them()
    {
        // A result to review, a line without a model, a folder under the root that is no dataset, a link out of the root.
        var flagged = await (await serve.PostFrame(serve.Image("hole"), "?camera=bad-requests")).Content.ReadFromJsonAsync<JsonElement>();
        string resultId = flagged.GetProperty("id").GetString()!;
        await serve.Client.PutAsJsonAsync("/api/v1/lines/untrained", new { imageSize = 128 });
        string empty = Path.Combine(serve.Root, "empty");
        Directory.CreateDirectory(empty);
        string outside = serve.Folder.File("outside");
        Directory.CreateDirectory(outside);
        string link = Path.Combine(serve.Root, "link-out");
        if (!Directory.Exists(link)) Directory.CreateSymbolicLink(link, outside);
        byte[] good = serve.Image("good");
        byte[] truncated = good[..(good.Length / 2)];
        byte[] tiff = [0x49, 0x49, 0x2A, 0x00, 8, 0, 0, 0, 0, 0, 0, 0];
        byte[] huge = Inspection.Engine.Tests.Imaging.PngWriter.HeaderOnly(5000, 5000);
        byte[] oversized = new byte[serve.Settings.MaxFrameBytes + 1];
        good.CopyTo(oversized, 0);
        var noFile = new MultipartFormDataContent { { new StringContent("not a file"), "note" } };

        var cases = new (string Name, Func<HttpRequestMessage> Send, HttpStatusCode Status)[]
        {
            ("no API key on a read", () => Request(HttpMethod.Get, "/api/v1/lines", key: null), HttpStatusCode.Unauthorized),
            ("no API key on a frame", () => Request(HttpMethod.Post, Frames, Bytes(good, "image/png"), key: null), HttpStatusCode.Unauthorized),
            ("a wrong API key", () => Request(HttpMethod.Get, "/api/v1/lines", key: "wrong-key-0123456789"), HttpStatusCode.Forbidden),
            ("a wrong bearer token", () => Request(HttpMethod.Get, "/api/v1/cluster", key: null, bearer: "wrong-key-0123456789"), HttpStatusCode.Forbidden),
            ("an unknown line", () => Request(HttpMethod.Post, "/api/v1/lines/nowhere/frames", Bytes(good, "image/png")), HttpStatusCode.NotFound),
            ("a line not trained yet", () => Request(HttpMethod.Post, "/api/v1/lines/untrained/frames", Bytes(good, "image/png")), HttpStatusCode.Conflict),
            ("a text body", () => Request(HttpMethod.Post, Frames, Text("hello", "text/plain")), HttpStatusCode.UnsupportedMediaType),
            ("no content type", () => Request(HttpMethod.Post, Frames, Bytes(good, null)), HttpStatusCode.UnsupportedMediaType),
            ("a TIFF said to be PNG", () => Request(HttpMethod.Post, Frames, Bytes(tiff, "image/png")), HttpStatusCode.UnprocessableEntity),
            ("random bytes said to be JPEG", () => Request(HttpMethod.Post, Frames, Bytes(Enumerable.Range(0, 500).Select(i => (byte)(i * 7)).ToArray(), "image/jpeg")), HttpStatusCode.UnprocessableEntity),
            ("a truncated PNG", () => Request(HttpMethod.Post, Frames, Bytes(truncated, "image/png")), HttpStatusCode.UnprocessableEntity),
            ("an empty body", () => Request(HttpMethod.Post, Frames, Bytes([], "image/png")), HttpStatusCode.UnprocessableEntity),
            ("a body over the frame limit", () => Request(HttpMethod.Post, Frames, Bytes(oversized, "image/png")), HttpStatusCode.RequestEntityTooLarge),
            ("an image over the pixel limit", () => Request(HttpMethod.Post, Frames, Bytes(huge, "image/png")), HttpStatusCode.RequestEntityTooLarge),
            ("multipart without a file", () => Request(HttpMethod.Post, Frames, noFile), HttpStatusCode.BadRequest),
            ("a broken multipart body", () => Request(HttpMethod.Post, Frames, Text("--x\r\nno headers", "multipart/form-data; boundary=x")), HttpStatusCode.BadRequest),
            ("a line name with spaces", () => Request(HttpMethod.Put, "/api/v1/lines/bad%20name", JsonBody(new { })), HttpStatusCode.BadRequest),
            ("a camera name with a slash", () => Request(HttpMethod.Post, Frames + "?camera=a%2Fb", Bytes(good, "image/png")), HttpStatusCode.BadRequest),
            ("a frame id of 300 characters", () => Request(HttpMethod.Post, Frames + "?frameId=" + new string('f', 300), Bytes(good, "image/png")), HttpStatusCode.BadRequest),
            ("wait that is not a boolean", () => Request(HttpMethod.Post, Frames + "?wait=perhaps", Bytes(good, "image/png")), HttpStatusCode.BadRequest),
            ("malformed JSON for a line", () => Request(HttpMethod.Put, "/api/v1/lines/new-line", Text("{\"imageSize\": ", "application/json")), HttpStatusCode.BadRequest),
            ("a line setting of the wrong type", () => Request(HttpMethod.Put, "/api/v1/lines/new-line", Text("{\"imageSize\": \"big\"}", "application/json")), HttpStatusCode.BadRequest),
            ("an unknown backbone", () => Request(HttpMethod.Put, "/api/v1/lines/new-line", JsonBody(new { backbone = "vgg16" })), HttpStatusCode.BadRequest),
            ("an image size resnet18 cannot take", () => Request(HttpMethod.Put, "/api/v1/lines/new-line", JsonBody(new { imageSize = 100 })), HttpStatusCode.BadRequest),
            ("a rectangle resnet18 cannot take", () => Request(HttpMethod.Put, "/api/v1/lines/new-line", JsonBody(new { imageSize = "96x100" })), HttpStatusCode.BadRequest),
            ("an auto size without a number", () => Request(HttpMethod.Put, "/api/v1/lines/new-line", JsonBody(new { imageSize = "auto:lots" })), HttpStatusCode.BadRequest),
            ("a tile overlap as wide as the tile", () => Request(HttpMethod.Put, "/api/v1/lines/new-line", JsonBody(new { imageSize = 64, tiled = true, tileOverlap = 64 })), HttpStatusCode.BadRequest),
            ("a negative tile overlap", () => Request(HttpMethod.Put, "/api/v1/lines/new-line", JsonBody(new { imageSize = 64, tiled = true, tileOverlap = -1 })), HttpStatusCode.BadRequest),
            ("a negative age to keep results", () => Request(HttpMethod.Put, "/api/v1/lines/new-line", JsonBody(new { keepDays = -2 })), HttpStatusCode.BadRequest),
            ("a size limit below one frame", () => Request(HttpMethod.Put, "/api/v1/lines/new-line", JsonBody(new { keepMegabytes = -1 })), HttpStatusCode.BadRequest),
            ("flagged results kept shorter than passing ones", () => Request(HttpMethod.Put, "/api/v1/lines/new-line",
                JsonBody(new { keepDays = 20, keepFlaggedDays = 10 })), HttpStatusCode.BadRequest),
            ("tiles of an auto size", () => Request(HttpMethod.Put, "/api/v1/lines/new-line", JsonBody(new { imageSize = "auto", tiled = true })), HttpStatusCode.BadRequest),
            ("an image size as a list", () => Request(HttpMethod.Put, "/api/v1/lines/new-line", Text("{\"imageSize\": [640, 256]}", "application/json")), HttpStatusCode.BadRequest),
            ("a coreset ratio of 0", () => Request(HttpMethod.Put, "/api/v1/lines/new-line", JsonBody(new { coresetRatio = 0.0 })), HttpStatusCode.BadRequest),
            ("an unknown threshold policy", () => Request(HttpMethod.Put, "/api/v1/lines/new-line", JsonBody(new { thresholdPolicy = "vibes" })), HttpStatusCode.BadRequest),
            ("a false-reject rate target of 0", () => Request(HttpMethod.Put, "/api/v1/lines/new-line",
                JsonBody(new { thresholdPolicy = "false-reject-rate", falseRejectTarget = 0.0 })), HttpStatusCode.BadRequest),
            ("a false-reject rate target above one half", () => Request(HttpMethod.Put, "/api/v1/lines/new-line",
                JsonBody(new { thresholdPolicy = "false-reject-rate", falseRejectTarget = 0.75 })), HttpStatusCode.BadRequest),
            ("a negative number of versions to keep", () => Request(HttpMethod.Put, "/api/v1/lines/new-line", JsonBody(new { keepVersions = -1 })), HttpStatusCode.BadRequest),
            ("more versions to keep than the limit", () => Request(HttpMethod.Put, "/api/v1/lines/new-line", JsonBody(new { keepVersions = 1000 })), HttpStatusCode.BadRequest),
            ("activating a version of an unknown line", () => Request(HttpMethod.Post, "/api/v1/lines/nowhere/models/v1/activate"), HttpStatusCode.NotFound),
            ("activating a version the line never had", () => Request(HttpMethod.Post, $"/api/v1/lines/{ServeFixture.Line}/models/v99/activate"), HttpStatusCode.NotFound),
            ("a line settings body as text", () => Request(HttpMethod.Put, "/api/v1/lines/new-line", Text("imageSize=128", "text/plain")), HttpStatusCode.UnsupportedMediaType),
            ("a threshold with score and normalised", () => Request(HttpMethod.Put, $"/api/v1/lines/{ServeFixture.Line}/threshold", JsonBody(new { score = 3.0, normalised = 0.5 })), HttpStatusCode.BadRequest),
            ("a threshold with neither", () => Request(HttpMethod.Put, $"/api/v1/lines/{ServeFixture.Line}/threshold", JsonBody(new { })), HttpStatusCode.BadRequest),
            ("a normalised threshold above 1", () => Request(HttpMethod.Put, $"/api/v1/lines/{ServeFixture.Line}/threshold", JsonBody(new { normalised = 2.0 })), HttpStatusCode.BadRequest),
            ("a negative threshold score", () => Request(HttpMethod.Put, $"/api/v1/lines/{ServeFixture.Line}/threshold", JsonBody(new { score = -1.0 })), HttpStatusCode.BadRequest),
            ("a threshold for an untrained line", () => Request(HttpMethod.Put, "/api/v1/lines/untrained/threshold", JsonBody(new { score = 3.0 })), HttpStatusCode.Conflict),
            ("a threshold for an unknown line", () => Request(HttpMethod.Put, "/api/v1/lines/nowhere/threshold", JsonBody(new { score = 3.0 })), HttpStatusCode.NotFound),
            ("an unknown line's details", () => Request(HttpMethod.Get, "/api/v1/lines/nowhere"), HttpStatusCode.NotFound),
            ("deleting an unknown line", () => Request(HttpMethod.Delete, "/api/v1/lines/nowhere"), HttpStatusCode.NotFound),
            ("an unknown line's events", () => Request(HttpMethod.Get, "/api/v1/lines/nowhere/events"), HttpStatusCode.NotFound),
            ("an unknown result", () => Request(HttpMethod.Get, "/api/v1/results/0000"), HttpStatusCode.NotFound),
            ("an unknown result's heatmap", () => Request(HttpMethod.Get, "/api/v1/results/0000/heatmap.png"), HttpStatusCode.NotFound),
            ("an unknown verdict filter", () => Request(HttpMethod.Get, "/api/v1/results?verdict=maybe"), HttpStatusCode.BadRequest),
            ("a page size of 0", () => Request(HttpMethod.Get, "/api/v1/results?limit=0"), HttpStatusCode.BadRequest),
            ("a page size that is no number", () => Request(HttpMethod.Get, "/api/v1/results?limit=many"), HttpStatusCode.BadRequest),
            ("a since that is no time", () => Request(HttpMethod.Get, "/api/v1/results?since=yesterday"), HttpStatusCode.BadRequest),
            ("a cursor the server never gave", () => Request(HttpMethod.Get, "/api/v1/results?cursor=garbage!"), HttpStatusCode.BadRequest),
            ("a review label not known", () => Request(HttpMethod.Post, $"/api/v1/results/{resultId}/review", JsonBody(new { label = "meh" })), HttpStatusCode.BadRequest),
            ("adding a defect to the model", () => Request(HttpMethod.Post, $"/api/v1/results/{resultId}/review", JsonBody(new { label = "defect", addToModel = true })), HttpStatusCode.BadRequest),
            ("a review of an unknown result", () => Request(HttpMethod.Post, "/api/v1/results/0000/review", JsonBody(new { label = "good" })), HttpStatusCode.NotFound),
            ("malformed JSON for a review", () => Request(HttpMethod.Post, $"/api/v1/results/{resultId}/review", Text("{label: good}", "application/json")), HttpStatusCode.BadRequest),
            ("training from outside the roots", () => Request(HttpMethod.Post, "/api/v1/lines/new-line/training", JsonBody(new { folder = outside })), HttpStatusCode.Forbidden),
            ("training through a link out of the root", () => Request(HttpMethod.Post, "/api/v1/lines/new-line/training", JsonBody(new { folder = link })), HttpStatusCode.Forbidden),
            ("training from a dotted escape", () => Request(HttpMethod.Post, "/api/v1/lines/new-line/training", JsonBody(new { folder = serve.Root + "/../outside" })), HttpStatusCode.Forbidden),
            ("training from a relative folder", () => Request(HttpMethod.Post, "/api/v1/lines/new-line/training", JsonBody(new { folder = "line" })), HttpStatusCode.Forbidden),
            ("training from an empty folder", () => Request(HttpMethod.Post, "/api/v1/lines/new-line/training", JsonBody(new { folder = empty })), HttpStatusCode.UnprocessableEntity),
            ("training without a folder", () => Request(HttpMethod.Post, "/api/v1/lines/new-line/training", JsonBody(new { })), HttpStatusCode.BadRequest),
            ("training with malformed JSON", () => Request(HttpMethod.Post, "/api/v1/lines/new-line/training", Text("{\"folder\"", "application/json")), HttpStatusCode.BadRequest),
            ("training with a text body", () => Request(HttpMethod.Post, "/api/v1/lines/new-line/training", Text("folder", "text/plain")), HttpStatusCode.UnsupportedMediaType),
            ("an upload of no images", () => Request(HttpMethod.Post, "/api/v1/lines/new-line/training", new MultipartFormDataContent { { new StringContent("x"), "note" } }), HttpStatusCode.BadRequest),
            ("an upload with a corrupt image", () => Request(HttpMethod.Post, "/api/v1/lines/new-line/training", new MultipartFormDataContent { { Bytes(truncated, "image/png"), "images", "bad.png" } }), HttpStatusCode.UnprocessableEntity),
            ("good images for an untrained line", () => Request(HttpMethod.Post, "/api/v1/lines/untrained/good-images", new MultipartFormDataContent { { Bytes(good, "image/png"), "images", "g.png" } }), HttpStatusCode.Conflict),
            ("an unknown job", () => Request(HttpMethod.Get, "/api/v1/jobs/0000"), HttpStatusCode.NotFound),
            ("cancelling an unknown job", () => Request(HttpMethod.Delete, "/api/v1/jobs/0000"), HttpStatusCode.NotFound),
            ("cancelling a finished job", () => Request(HttpMethod.Delete, $"/api/v1/jobs/{serve.TrainingJob}"), HttpStatusCode.Conflict),
            ("an unknown route", () => Request(HttpMethod.Get, "/api/v1/nothing-here"), HttpStatusCode.NotFound),
            ("a method the route does not take", () => Request(HttpMethod.Delete, "/api/v1/cluster"), HttpStatusCode.MethodNotAllowed),
        };
        Assert.True(cases.Length >= 30);
        Assert.Equal(cases.Length, cases.Select(c => c.Name).Distinct().Count());
        var failures = new List<string>();
        foreach (var (name, send, status) in cases)
        {
            using var response = await serve.Anonymous.SendAsync(send());
            string body = await response.Content.ReadAsStringAsync();
            log.WriteLine($"{name}: {(int)response.StatusCode} {body}");
            if (response.StatusCode != status) { failures.Add($"{name}: {(int)response.StatusCode} instead of {(int)status}: {body}"); continue; }
            if (response.Content.Headers.ContentType?.MediaType != "application/problem+json") { failures.Add($"{name}: content type {response.Content.Headers.ContentType}"); continue; }
            var problem = JsonDocument.Parse(body).RootElement;
            if (!problem.TryGetProperty("status", out var s) || s.GetInt32() != (int)status) failures.Add($"{name}: problem status missing or wrong: {body}");
            if (!problem.TryGetProperty("title", out var t) || string.IsNullOrWhiteSpace(t.GetString())) failures.Add($"{name}: problem without a title: {body}");
            if (!problem.TryGetProperty("detail", out var d) || string.IsNullOrWhiteSpace(d.GetString())) failures.Add($"{name}: problem that does not say why: {body}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));

        var after = await serve.PostFrame(good, "?camera=bad-requests");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        var result = await after.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("pass", result.GetProperty("verdict").GetString());
        // Nothing of the refused requests reached the line: the camera has exactly the two frames scored here.
        var stored = await serve.Client.GetFromJsonAsync<JsonElement>("/api/v1/results?camera=bad-requests");
        Assert.Equal(2, stored.GetProperty("items").GetArrayLength());
    }
}
