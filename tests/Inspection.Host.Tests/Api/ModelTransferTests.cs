using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Inspection.Engine.Models;
using Xunit;

namespace Inspection.Host.Tests.Api;

/// <summary>
/// A line's model as a file through the API of the real server: downloaded, it is a valid model file of the line's
/// bank; uploaded to another line, that line serves it and scores a frame as the first does; a damaged, truncated,
/// foreign or empty file is refused with the reason and changes nothing.
/// </summary>
[Collection(ServeCollection.Name)]
public sealed class ModelTransferTests(ServeFixture serve)
{
    private static ByteArrayContent File(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return content;
    }

    private async Task<HttpResponseMessage> Upload(string line, byte[] bytes) => await serve.Client.PostAsync($"/api/v1/lines/{line}/model", File(bytes));

    [Fact]
    public async Task A_downloaded_model_uploaded_to_another_line_scores_as_the_first_and_bad_files_are_refused()
    {
        var source = await serve.Client.GetFromJsonAsync<JsonElement>($"/api/v1/lines/{ServeFixture.Line}");
        var download = await serve.Client.GetAsync($"/api/v1/lines/{ServeFixture.Line}/model");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal($"{ServeFixture.Line}-{source.GetProperty("modelVersion").GetString()}.inspection", download.Content.Headers.ContentDisposition?.FileName);
        byte[] model = await download.Content.ReadAsByteArrayAsync();
        string path = serve.Folder.File("downloaded.inspection");
        await System.IO.File.WriteAllBytesAsync(path, model);
        var (metadata, bank) = ModelFile.Read(path);
        using (bank)
        {
            Assert.Equal(source.GetProperty("bankSize").GetInt64(), bank.shape[0]);
            Assert.Equal("resnet18", metadata.Backbone);
            Assert.Equal(0.1, metadata.CoresetRatio);
        }

        // Bad files: refused before anything is published; the line does not exist afterwards.
        byte[] corrupt = (byte[])model.Clone();
        corrupt[^100] ^= 0xFF;
        var refusals = new (string Name, byte[] Bytes, HttpStatusCode Status, string Says)[]
        {
            ("a changed byte", corrupt, HttpStatusCode.UnprocessableEntity, "checksum"),
            ("a truncated file", model[..(model.Length / 2)], HttpStatusCode.UnprocessableEntity, "truncated"),
            ("an image", serve.Image("good"), HttpStatusCode.UnprocessableEntity, "not an Inspection model file"),
            ("nothing", [], HttpStatusCode.BadRequest, "empty"),
        };
        foreach (var (name, bytes, status, says) in refusals)
        {
            var refused = await Upload("moved", bytes);
            Assert.True(status == refused.StatusCode, $"{name}: {refused.StatusCode} {await refused.Content.ReadAsStringAsync()}");
            Assert.Contains(says, (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await serve.Client.GetAsync("/api/v1/lines/moved")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await serve.Client.GetAsync("/api/v1/lines/no-such-line/model")).StatusCode);

        // The file uploaded to a new line: a job makes it the line's first version, and it scores as the source does.
        var accepted = await Upload("moved", model);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var job = await serve.WaitForJob((await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("jobId").GetString()!);
        Assert.Equal("succeeded", job.GetProperty("state").GetString());
        var moved = await serve.Client.GetFromJsonAsync<JsonElement>("/api/v1/lines/moved");
        Assert.Equal("v1", moved.GetProperty("modelVersion").GetString());
        Assert.Equal(source.GetProperty("bankSize").GetInt64(), moved.GetProperty("bankSize").GetInt64());
        Assert.Equal(source.GetProperty("threshold").GetProperty("score").GetDouble(), moved.GetProperty("threshold").GetProperty("score").GetDouble(), 5);
        foreach (var kind in new[] { "good", serve.DefectKind })
        {
            var there = await (await serve.PostFrame(serve.Image(kind))).Content.ReadFromJsonAsync<JsonElement>();
            var here = await (await serve.PostFrame(serve.Image(kind), line: "moved")).Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(there.GetProperty("verdict").GetString(), here.GetProperty("verdict").GetString());
            Assert.Equal(there.GetProperty("score").GetDouble(), here.GetProperty("score").GetDouble(), 3);
        }

        // Downloaded again from the new line: the same bank, row for row.
        string movedPath = serve.Folder.File("moved.inspection");
        await System.IO.File.WriteAllBytesAsync(movedPath, await serve.Client.GetByteArrayAsync("/api/v1/lines/moved/model"));
        var (_, movedBank) = ModelFile.Read(movedPath);
        var (_, originalBank) = ModelFile.Read(path);
        using (movedBank)
        using (originalBank)
            Assert.True(movedBank.shape.SequenceEqual(originalBank.shape) && !movedBank.ne(originalBank).any().item<bool>(), "the bank read back from the new line differs from the uploaded one");
    }
}
