using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Inspection.Engine.Data;
using SkiaSharp;
using Xunit;

namespace Inspection.Host.Tests.Api;

/// <summary>What a line controller and a quality engineer do over HTTP against a real server with a trained line.</summary>
[Collection(ServeCollection.Name)]
public sealed class ApiFlowTests(ServeFixture serve)
{
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(60);

    private static async Task<JsonElement> Json(HttpResponseMessage response) => await response.Content.ReadFromJsonAsync<JsonElement>();

    [Fact]
    public async Task Training_through_the_api_reports_its_stages_and_the_new_version_with_its_calibration()
    {
        var job = serve.TrainedJob;
        Assert.Equal("training", job.GetProperty("kind").GetString());
        Assert.Equal("v1", job.GetProperty("version").GetString());
        Assert.Equal(1.0, job.GetProperty("progress").GetDouble());
        Assert.True(job.GetProperty("imagesEmbedded").GetInt64() > 0);
        Assert.Equal(job.GetProperty("imagesTotal").GetInt64(), job.GetProperty("imagesEmbedded").GetInt64());
        Assert.True(job.GetProperty("coresetSteps").GetInt64() > 0);
        var calibration = job.GetProperty("calibration");
        Assert.True(calibration.GetProperty("imageThreshold").GetSingle() > 0);
        Assert.True(calibration.GetProperty("imageMax").GetSingle() >= calibration.GetProperty("imageMin").GetSingle());
        // No defective calibration images: the highest of the 4 held-out good scores, which promises 1/(4+1).
        Assert.Equal(calibration.GetProperty("heldOutGood").EnumerateArray().Max(s => s.GetSingle()), calibration.GetProperty("imageThreshold").GetSingle());
        Assert.Equal(0.2, calibration.GetProperty("expectedFalseRejectRate").GetDouble(), 9);
        Assert.StartsWith("highest score of held-out good images", calibration.GetProperty("method").GetString());
        var line = await serve.Client.GetFromJsonAsync<JsonElement>($"/api/v1/lines/{ServeFixture.Line}");
        Assert.Equal("v1", line.GetProperty("modelVersion").GetString());
        Assert.True(line.GetProperty("bankSize").GetInt64() > 0);
        Assert.Equal("128", line.GetProperty("settings").GetProperty("imageSize").GetString());
        Assert.Equal("128", line.GetProperty("inputSize").GetString());
        var list = await serve.Client.GetFromJsonAsync<JsonElement>("/api/v1/lines");
        Assert.Contains(list.EnumerateArray(), l => l.GetProperty("name").GetString() == ServeFixture.Line);
    }

    [Fact]
    public async Task A_good_frame_passes_a_defective_one_fails_and_both_are_stored_with_their_images()
    {
        var good = await Json(await serve.PostFrame(serve.Image("good"), "?camera=flow"));
        var bad = await Json(await serve.PostFrame(serve.Image("hole"), "?camera=flow"));
        Assert.Equal("pass", good.GetProperty("verdict").GetString());
        Assert.Equal("fail", bad.GetProperty("verdict").GetString());
        Assert.True(bad.GetProperty("score").GetSingle() > good.GetProperty("score").GetSingle());
        Assert.True(bad.GetProperty("normalisedScore").GetSingle() > 0.5f);
        foreach (var result in new[] { good, bad })
        {
            string id = result.GetProperty("id").GetString()!;
            var stored = await serve.Client.GetFromJsonAsync<JsonElement>($"/api/v1/results/{id}");
            Assert.Equal(result.GetProperty("score").GetSingle(), stored.GetProperty("score").GetSingle());
            Assert.Equal("flow", stored.GetProperty("camera").GetString());
            Assert.Equal("v1", stored.GetProperty("modelVersion").GetString()![..2]);
            foreach (var link in new[] { "heatmap", "overlay", "mask" })
            {
                var png = await serve.Client.GetAsync(stored.GetProperty("links").GetProperty(link).GetString());
                Assert.Equal(HttpStatusCode.OK, png.StatusCode);
                Assert.Equal("image/png", png.Content.Headers.ContentType?.MediaType);
                Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, (await png.Content.ReadAsByteArrayAsync())[..4]);
            }
        }
        // The mask marks the pixels over the threshold: some on the flagged frame, fewer on the good one.
        int Marked(JsonElement result)
        {
            var bytes = serve.Client.GetByteArrayAsync(result.GetProperty("links").GetProperty("mask").GetString()).GetAwaiter().GetResult();
            using var mask = SkiaSharp.SKBitmap.Decode(bytes);
            int marked = 0;
            for (int y = 0; y < mask.Height; y++)
                for (int x = 0; x < mask.Width; x++)
                    if (mask.GetPixel(x, y).Red > 127) marked++;
            return marked;
        }
        Assert.True(Marked(bad) > Marked(good), "the flagged frame's mask marks more pixels than the good one's");
        // Every scored frame is kept as it was sent, for review (a passed one may be a miss) and to be added to the model.
        foreach (var (result, name) in new[] { (good, "good"), (bad, "hole") })
        {
            var image = await serve.Client.GetAsync(result.GetProperty("links").GetProperty("image").GetString());
            Assert.Equal(serve.Image(name), await image.Content.ReadAsByteArrayAsync());
        }
    }

    [Fact]
    public async Task Frames_are_taken_as_multipart_and_grey_or_16_bit_images()
    {
        using var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(serve.Image("good"));
        part.Headers.ContentType = new("image/png");
        form.Add(part, "image", "part.png");
        var multipart = await serve.Client.PostAsync($"/api/v1/lines/{ServeFixture.Line}/frames?camera=formats", form);
        Assert.Equal(HttpStatusCode.OK, multipart.StatusCode);
        var grey16 = Inspection.Engine.Tests.Imaging.PngWriter.Gray16(96, 64, (x, y) => (ushort)(x * 600 + y * 100));
        var result = await Json(await serve.PostFrame(grey16, "?camera=formats"));
        Assert.True(result.GetProperty("score").GetSingle() > 0);
        Assert.Contains(result.GetProperty("verdict").GetString(), new[] { "pass", "fail" });
    }

    [Fact]
    public async Task A_retried_frame_gets_the_first_result_and_is_scored_once()
    {
        string camera = "retry-" + Guid.NewGuid().ToString("N")[..8];
        var first = await Json(await serve.PostFrame(serve.Image("stain"), $"?camera={camera}&frameId=f-1"));
        var again = await serve.PostFrame(serve.Image("stain"), $"?camera={camera}&frameId=f-1");
        Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(first.GetProperty("id").GetString(), (await Json(again)).GetProperty("id").GetString());
        // Concurrent retries with one Idempotency-Key, while the first is still being scored: one result for all.
        var sends = Enumerable.Range(0, 3).Select(_ => serve.PostFrame(serve.Image("good"), $"?camera={camera}",
            configure: r => r.Headers.Add("Idempotency-Key", "order-77"))).ToList();
        var answers = await Task.WhenAll(sends);
        var ids = new HashSet<string>();
        foreach (var a in answers)
        {
            Assert.Equal(HttpStatusCode.OK, a.StatusCode);
            ids.Add((await Json(a)).GetProperty("id").GetString()!);
        }
        Assert.Single(ids);
        var stored = await serve.Client.GetFromJsonAsync<JsonElement>($"/api/v1/results?camera={camera}&limit=50");
        Assert.Equal(2, stored.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task The_stream_of_every_line_carries_the_results_of_two_lines()
    {
        await serve.TrainLine("events-other");
        await using var events = await EventStream.Open(serve.Client, "/api/v1/events");
        Assert.Equal("text/event-stream", events.ContentType);
        var ids = new Dictionary<string, string>();
        foreach (var line in new[] { ServeFixture.Line, "events-other" })
            ids[(await Json(await serve.PostFrame(serve.Image("good"), line: line))).GetProperty("id").GetString()!] = line;
        var seen = new Dictionary<string, string>();
        while (seen.Count < ids.Count)
        {
            var (type, eventId, data) = await events.Next(EventTimeout);
            if (!ids.ContainsKey(eventId)) continue; // other tests' frames
            Assert.Equal("result", type);
            seen[eventId] = data.GetProperty("line").GetString()!;
        }
        Assert.Equal(ids, seen);
    }

    [Fact]
    public async Task A_frame_sent_without_waiting_arrives_on_the_event_stream_and_in_the_store()
    {
        await using var events = await EventStream.Open(serve.Client, $"/api/v1/lines/{ServeFixture.Line}/events");
        Assert.Equal("text/event-stream", events.ContentType);
        var queued = await serve.PostFrame(serve.Image("scratch"), "?camera=events&wait=false");
        Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
        string id = (await Json(queued)).GetProperty("resultId").GetString()!;
        Assert.Equal($"/api/v1/results/{id}", queued.Headers.Location?.OriginalString);
        while (true)
        {
            var (type, eventId, data) = await events.Next(EventTimeout);
            if (eventId != id) continue; // other tests' frames
            Assert.Equal("result", type);
            Assert.Equal("fail", data.GetProperty("verdict").GetString());
            break;
        }
        var stored = await serve.Client.GetFromJsonAsync<JsonElement>($"/api/v1/results/{id}");
        Assert.Equal("events", stored.GetProperty("camera").GetString());
    }

    [Fact]
    public async Task Results_page_newest_first_with_filters_and_a_cursor()
    {
        string camera = "pages-" + Guid.NewGuid().ToString("N")[..8];
        var ids = new List<string>();
        foreach (var kind in new[] { "good", "hole", "good", "stain", "good" })
            ids.Add((await Json(await serve.PostFrame(serve.Image(kind), $"?camera={camera}"))).GetProperty("id").GetString()!);
        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await serve.Client.GetFromJsonAsync<JsonElement>($"/api/v1/results?camera={camera}&limit=2{(cursor != null ? "&cursor=" + cursor : "")}");
            Assert.InRange(page.GetProperty("items").GetArrayLength(), 1, 2);
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()!));
            cursor = page.GetProperty("nextCursor").ValueKind == JsonValueKind.Null ? null : page.GetProperty("nextCursor").GetString();
        } while (cursor != null);
        Assert.Equal(Enumerable.Reverse(ids), seen);
        var failed = await serve.Client.GetFromJsonAsync<JsonElement>($"/api/v1/results?camera={camera}&verdict=fail");
        Assert.Equal(2, failed.GetProperty("items").GetArrayLength());
        Assert.All(failed.GetProperty("items").EnumerateArray(), i => Assert.Equal("fail", i.GetProperty("verdict").GetString()));
        var future = await serve.Client.GetFromJsonAsync<JsonElement>($"/api/v1/results?camera={camera}&since={DateTime.UtcNow.AddHours(1):O}");
        Assert.Equal(0, future.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task A_threshold_set_by_score_or_normalised_applies_to_frames_scored_after_it()
    {
        // On a line of its own, so moving its threshold does not change other tests' verdicts.
        await serve.Client.PutAsJsonAsync("/api/v1/lines/tuning", new { imageSize = 128 });
        var job = await Json(await serve.Client.PostAsJsonAsync("/api/v1/lines/tuning/training", new { folder = serve.Category }));
        var trained = await serve.WaitForJob(job.GetProperty("jobId").GetString()!);
        Assert.Equal("succeeded", trained.GetProperty("state").GetString());
        var calibration = trained.GetProperty("calibration");
        float range = calibration.GetProperty("imageMax").GetSingle() - calibration.GetProperty("imageMin").GetSingle();
        var before = await Json(await serve.PostFrame(serve.Image("hole", 1), line: "tuning"));
        Assert.Equal("fail", before.GetProperty("verdict").GetString());
        float score = before.GetProperty("score").GetSingle();
        var set = await serve.Client.PutAsJsonAsync("/api/v1/lines/tuning/threshold", new { score = score * 1.5f });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        var answer = await Json(set);
        Assert.Equal("operator", answer.GetProperty("source").GetString());
        Assert.StartsWith("key-", answer.GetProperty("setBy").GetString());
        var after = await Json(await serve.PostFrame(serve.Image("hole", 1), line: "tuning"));
        Assert.Equal(score, after.GetProperty("score").GetSingle());
        Assert.Equal("pass", after.GetProperty("verdict").GetString());
        Assert.True(after.GetProperty("normalisedScore").GetSingle() < 0.5f);
        // The earlier result keeps its verdict: a threshold applies to frames scored after it.
        var earlier = await serve.Client.GetFromJsonAsync<JsonElement>($"/api/v1/results/{before.GetProperty("id").GetString()}");
        Assert.Equal("fail", earlier.GetProperty("verdict").GetString());
        // normalised 0.5 is the threshold in force; 0.25 lowers it by a quarter of the calibrated range.
        var same = await Json(await serve.Client.PutAsJsonAsync("/api/v1/lines/tuning/threshold", new { normalised = 0.5f }));
        Assert.Equal(score * 1.5f, same.GetProperty("score").GetSingle(), 3);
        var lower = await Json(await serve.Client.PutAsJsonAsync("/api/v1/lines/tuning/threshold", new { normalised = 0.25f }));
        Assert.Equal(score * 1.5f - 0.25f * range, lower.GetProperty("score").GetSingle(), 3);
        var back = await Json(await serve.Client.PutAsJsonAsync("/api/v1/lines/tuning/threshold", new { score = score * 0.5f }));
        Assert.Equal("fail", (await Json(await serve.PostFrame(serve.Image("hole", 1), line: "tuning"))).GetProperty("verdict").GetString());
        var line = await serve.Client.GetFromJsonAsync<JsonElement>("/api/v1/lines/tuning");
        Assert.Equal(back.GetProperty("score").GetSingle(), line.GetProperty("threshold").GetProperty("score").GetSingle());
        Assert.Equal("operator", line.GetProperty("threshold").GetProperty("source").GetString());
    }

    [Fact]
    public async Task Changing_a_trained_lines_replicas_is_a_job_that_keeps_its_version_and_scores()
    {
        await serve.TrainLine("copies", new { imageSize = 128, replicas = 1 });
        var before = await serve.Client.GetFromJsonAsync<JsonElement>("/api/v1/lines/copies");
        Assert.Equal(1, before.GetProperty("replicas").GetInt32());
        var first = await Json(await serve.PostFrame(serve.Image("hole", 1), line: "copies"));

        // Two replicas on this one-node server: the second loads the slice from the shard's journal, no retrain.
        var changed = await Json(await serve.Client.PutAsJsonAsync("/api/v1/lines/copies", new { replicas = 2 }));
        string jobId = changed.GetProperty("activeJob").GetString()!;
        var job = await serve.WaitForJob(jobId);
        Assert.Equal(("replicas", "succeeded"), (job.GetProperty("kind").GetString(), job.GetProperty("state").GetString()));
        var after = await serve.Client.GetFromJsonAsync<JsonElement>("/api/v1/lines/copies");
        Assert.Equal((2, before.GetProperty("modelVersion").GetString()), (after.GetProperty("replicas").GetInt32(), after.GetProperty("modelVersion").GetString()));
        Assert.Equal(2, after.GetProperty("settings").GetProperty("replicas").GetInt32());
        var second = await Json(await serve.PostFrame(serve.Image("hole", 1), line: "copies"));
        Assert.Equal(first.GetProperty("score").GetSingle(), second.GetProperty("score").GetSingle());

        // The same count again starts nothing; a count out of range is refused and changes nothing.
        var same = await Json(await serve.Client.PutAsJsonAsync("/api/v1/lines/copies", new { replicas = 2 }));
        Assert.Equal(JsonValueKind.Null, same.GetProperty("activeJob").ValueKind);
        var refused = await serve.Client.PutAsJsonAsync("/api/v1/lines/copies", new { replicas = 9 });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(2, (await serve.Client.GetFromJsonAsync<JsonElement>("/api/v1/lines/copies")).GetProperty("replicas").GetInt32());
    }

    [Fact]
    public async Task A_false_alarm_reviewed_good_joins_the_model_as_a_new_version_and_is_counted()
    {
        await serve.Client.PutAsJsonAsync("/api/v1/lines/review", new { imageSize = 128 });
        var job = await Json(await serve.Client.PostAsJsonAsync("/api/v1/lines/review/training", new { folder = serve.Category }));
        await serve.WaitForJob(job.GetProperty("jobId").GetString()!);
        var flagged = await Json(await serve.PostFrame(serve.Image("stain", 1), line: "review"));
        Assert.Equal("fail", flagged.GetProperty("verdict").GetString());
        string id = flagged.GetProperty("id").GetString()!;
        var review = await serve.Client.PostAsJsonAsync($"/api/v1/results/{id}/review", new { label = "good", addToModel = true });
        Assert.Equal(HttpStatusCode.OK, review.StatusCode);
        var answer = await Json(review);
        Assert.Equal("good", answer.GetProperty("result").GetProperty("review").GetProperty("label").GetString());
        var extension = await serve.WaitForJob(answer.GetProperty("jobId").GetString()!);
        Assert.Equal("succeeded", extension.GetProperty("state").GetString());
        Assert.Equal("v2", extension.GetProperty("version").GetString());
        var line = await serve.Client.GetFromJsonAsync<JsonElement>("/api/v1/lines/review");
        Assert.Equal("v2", line.GetProperty("modelVersion").GetString());
        Assert.Equal(1, line.GetProperty("reviews").GetProperty("falseAlarms").GetInt64());
        // The frame now lies in the bank: it scores lower than before.
        var again = await Json(await serve.PostFrame(serve.Image("stain", 1), line: "review"));
        Assert.True(again.GetProperty("score").GetSingle() < flagged.GetProperty("score").GetSingle());
        // A miss confirmed as a defect counts as one; a confirmed flag as a confirmed defect.
        var passed = await Json(await serve.PostFrame(serve.Image("good"), line: "review"));
        await serve.Client.PostAsJsonAsync($"/api/v1/results/{passed.GetProperty("id").GetString()}/review", new { label = "defect" });
        line = await serve.Client.GetFromJsonAsync<JsonElement>("/api/v1/lines/review");
        Assert.Equal(1, line.GetProperty("reviews").GetProperty("misses").GetInt64());
    }

    [Fact]
    public async Task Uploaded_images_train_a_line_and_a_running_job_can_be_cancelled()
    {
        using (var form = new MultipartFormDataContent())
        {
            foreach (var file in Directory.GetFiles(Path.Combine(serve.Category, "train", "good")).Order().Take(12))
                form.Add(new ByteArrayContent(File.ReadAllBytes(file)), "images", Path.GetFileName(file));
            await serve.Client.PutAsJsonAsync("/api/v1/lines/uploaded", new { imageSize = 128 });
            var upload = await serve.Client.PostAsync("/api/v1/lines/uploaded/training", form);
            Assert.Equal(HttpStatusCode.Accepted, upload.StatusCode);
            var done = await serve.WaitForJob((await Json(upload)).GetProperty("jobId").GetString()!);
            Assert.Equal("succeeded", done.GetProperty("state").GetString());
        }
        // Cancel: a line whose training is long (full coreset of many images) is cancelled right after it starts.
        await serve.Client.PutAsJsonAsync("/api/v1/lines/cancelled", new { imageSize = 128, coresetRatio = 1.0 });
        var started = await Json(await serve.Client.PostAsJsonAsync("/api/v1/lines/cancelled/training", new { folder = serve.Category }));
        string id = started.GetProperty("jobId").GetString()!;
        var cancel = await serve.Client.DeleteAsync($"/api/v1/jobs/{id}");
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        var ended = await serve.WaitForJob(id);
        Assert.Equal("cancelled", ended.GetProperty("state").GetString());
        var line = await serve.Client.GetFromJsonAsync<JsonElement>("/api/v1/lines/cancelled");
        Assert.Equal(JsonValueKind.Null, line.GetProperty("modelVersion").ValueKind);
        Assert.Equal(HttpStatusCode.Conflict, (await serve.Client.DeleteAsync($"/api/v1/jobs/{id}")).StatusCode);
    }

    [Fact]
    public async Task A_full_line_refuses_frames_with_503_and_counts_them_as_dropped()
    {
        var before = await serve.Client.GetFromJsonAsync<JsonElement>($"/api/v1/lines/{ServeFixture.Line}");
        long dropped = before.GetProperty("counters").GetProperty("dropped").GetInt64();
        var sends = Enumerable.Range(0, ServeFixture.MaxInFlight * 6).Select(_ => serve.PostFrame(serve.Image("good"), "?camera=burst")).ToList();
        var answers = await Task.WhenAll(sends);
        var refused = answers.Where(a => a.StatusCode == HttpStatusCode.ServiceUnavailable).ToList();
        Assert.NotEmpty(refused);
        Assert.All(refused, r => Assert.Equal("1", r.Headers.GetValues("Retry-After").Single()));
        Assert.All(answers, a => Assert.Contains(a.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.ServiceUnavailable }));
        var after = await serve.Client.GetFromJsonAsync<JsonElement>($"/api/v1/lines/{ServeFixture.Line}");
        Assert.Equal(dropped + refused.Count, after.GetProperty("counters").GetProperty("dropped").GetInt64());
        // Every frame taken has its one stored result.
        var stored = await serve.Client.GetFromJsonAsync<JsonElement>("/api/v1/results?camera=burst&limit=500");
        Assert.Equal(answers.Length - refused.Count, stored.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task The_cluster_view_lists_the_node_and_the_shards_of_each_line()
    {
        var cluster = await serve.Client.GetFromJsonAsync<JsonElement>("/api/v1/cluster");
        var member = Assert.Single(cluster.GetProperty("members").EnumerateArray());
        Assert.Equal("Up", member.GetProperty("status").GetString());
        Assert.True(member.GetProperty("reachable").GetBoolean());
        Assert.True(member.GetProperty("leader").GetBoolean());
        Assert.Equal(new[] { "api", "gpu", "ingest" }, member.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        var tiles = cluster.GetProperty("lines").EnumerateArray().Single(l => l.GetProperty("line").GetString() == ServeFixture.Line);
        var shard = Assert.Single(tiles.GetProperty("shards").EnumerateArray());
        Assert.Equal(member.GetProperty("address").GetString(), shard.GetProperty("node").GetString());
        Assert.Equal("cpu", shard.GetProperty("device").GetString());
        Assert.True(shard.GetProperty("rows").GetInt64() > 0);
    }

    [Fact]
    public async Task Health_metrics_and_the_openapi_document_answer_for_operators_and_tools()
    {
        foreach (var path in new[] { "/healthz/live", "/healthz/ready" })
        {
            var health = await serve.Anonymous.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.Equal("Healthy", (await Json(health)).GetProperty("status").GetString());
        }
        await serve.PostFrame(serve.Image("good"), "?camera=metrics");
        string metrics = await serve.Anonymous.GetStringAsync("/metrics");
        foreach (var name in new[] { "inspection_frames_accepted_total{", "inspection_results_total{", "inspection_line_in_flight{",
                     "inspection_extraction_duration_milliseconds_bucket{", "inspection_shard_duration_milliseconds_bucket{", "http_server_request_duration_seconds_bucket{",
                     "dotnet_gc_collections_total" })
            Assert.Contains(name, metrics);
        Assert.Contains($"line=\"{ServeFixture.Line}\"", metrics);
        var document = await serve.Anonymous.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        Assert.StartsWith("3.", document.GetProperty("openapi").GetString());
        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToHashSet();
        foreach (var route in new[] { "/api/v1/lines", "/api/v1/lines/{line}", "/api/v1/lines/{line}/threshold", "/api/v1/lines/{line}/training",
                     "/api/v1/lines/{line}/good-images", "/api/v1/lines/{line}/frames", "/api/v1/lines/{line}/events", "/api/v1/jobs/{id}",
                     "/api/v1/results", "/api/v1/results/{id}", "/api/v1/results/{id}/heatmap.png", "/api/v1/results/{id}/overlay.png",
                     "/api/v1/results/{id}/review", "/api/v1/cluster" })
            Assert.Contains(route, paths);
        Assert.True(document.GetProperty("components").GetProperty("securitySchemes").TryGetProperty("apiKey", out _));
        var reference = await serve.Anonymous.GetAsync("/api-reference/");
        Assert.Equal(HttpStatusCode.OK, reference.StatusCode);
        Assert.Equal("text/html", reference.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task An_elongated_line_on_auto_size_takes_its_parts_aspect_and_a_frame_of_another_is_flagged_or_refused()
    {
        string strips = serve.SmallStrips("strips", seed: 5, trainGood: 10, testGood: 2);
        foreach (var (name, refuse) in new[] { ("strips", false), ("strict-strips", true) })
        {
            var created = await Json(await serve.Client.PutAsJsonAsync($"/api/v1/lines/{name}", new { imageSize = "auto:4096", coresetRatio = 0.25, refuseAspectMismatch = refuse }));
            Assert.Equal("auto:4096", created.GetProperty("settings").GetProperty("imageSize").GetString());
            Assert.Equal(refuse, created.GetProperty("settings").GetProperty("refuseAspectMismatch").GetBoolean());
            var started = await serve.Client.PostAsJsonAsync($"/api/v1/lines/{name}/training", new { folder = strips });
            var job = await serve.WaitForJob((await Json(started)).GetProperty("jobId").GetString()!);
            Assert.Equal("succeeded", job.GetProperty("state").GetString());
            var line = await serve.Client.GetFromJsonAsync<JsonElement>($"/api/v1/lines/{name}");
            Assert.Equal("128x32", line.GetProperty("inputSize").GetString()); // 256 x 64 parts within 4,096 pixels
        }
        byte[] strip = File.ReadAllBytes(Directory.GetFiles(Path.Combine(strips, "test", "good")).Order().First());
        var scored = await Json(await serve.PostFrame(strip, line: "strips"));
        Assert.NotEqual("error", scored.GetProperty("verdict").GetString());
        Assert.Equal(JsonValueKind.Null, scored.GetProperty("warning").ValueKind);
        var flagged = await Json(await serve.PostFrame(serve.Image("good"), line: "strips")); // a 256 x 256 tile
        Assert.NotEqual("error", flagged.GetProperty("verdict").GetString());
        Assert.Contains("256x256", flagged.GetProperty("warning").GetString());
        var stored = await serve.Client.GetFromJsonAsync<JsonElement>($"/api/v1/results/{flagged.GetProperty("id").GetString()}");
        Assert.Equal(flagged.GetProperty("warning").GetString(), stored.GetProperty("warning").GetString());
        var refused = await Json(await serve.PostFrame(serve.Image("good"), line: "strict-strips"));
        Assert.Equal("error", refused.GetProperty("verdict").GetString());
        Assert.StartsWith("refused: the frame is 256x256", refused.GetProperty("error").GetString());
        Assert.NotEqual("error", (await Json(await serve.PostFrame(strip, line: "strict-strips"))).GetProperty("verdict").GetString());
    }

    [Fact]
    public async Task A_tiled_line_scores_frames_of_any_size_in_tiles_and_returns_a_map_of_each_frames_size()
    {
        string strips = serve.SmallStrips("tiled-strips", seed: 8, trainGood: 6, testGood: 1);
        var created = await Json(await serve.Client.PutAsJsonAsync("/api/v1/lines/tiled", new { imageSize = 64, tiled = true, coresetRatio = 0.25 }));
        Assert.True(created.GetProperty("settings").GetProperty("tiled").GetBoolean());
        Assert.Equal(32, created.GetProperty("settings").GetProperty("tileOverlap").GetInt32()); // the default
        var changed = await Json(await serve.Client.PutAsJsonAsync("/api/v1/lines/tiled", new { tileOverlap = 16 }));
        Assert.Equal(16, changed.GetProperty("settings").GetProperty("tileOverlap").GetInt32());
        var job = await serve.WaitForJob((await Json(await serve.Client.PostAsJsonAsync("/api/v1/lines/tiled/training", new { folder = strips }))).GetProperty("jobId").GetString()!);
        Assert.Equal("succeeded", job.GetProperty("state").GetString());
        var line = await serve.Client.GetFromJsonAsync<JsonElement>("/api/v1/lines/tiled");
        Assert.True(line.GetProperty("tiled").GetBoolean());
        Assert.Equal("64", line.GetProperty("inputSize").GetString()); // the tile

        string large = Path.Combine(serve.Root, "tiled-large");
        SyntheticStripLine.Generate(large, new SyntheticStripOptions(Seed: 9, TrainGood: 1, TestGood: 1, DefectsPerType: 0, Height: 384, Width: 128));
        foreach (var (path, height, width) in new[]
                 {
                     (Directory.GetFiles(Path.Combine(strips, "test", "good")).Single(), 256, 64),
                     (Directory.GetFiles(Path.Combine(large, "test", "good")).Single(), 384, 128),
                 })
        {
            var scored = await Json(await serve.PostFrame(File.ReadAllBytes(path), line: "tiled"));
            Assert.NotEqual("error", scored.GetProperty("verdict").GetString());
            Assert.Equal(JsonValueKind.Null, scored.GetProperty("warning").ValueKind); // tiles do not squash a frame of another aspect
            string id = scored.GetProperty("id").GetString()!;
            using var heatmap = SKBitmap.Decode(await serve.Client.GetByteArrayAsync($"/api/v1/results/{id}/heatmap.png"));
            Assert.Equal((width, height), (heatmap.Width, heatmap.Height)); // the stitched map, at the frame's size
            using var overlay = SKBitmap.Decode(await serve.Client.GetByteArrayAsync($"/api/v1/results/{id}/overlay.png"));
            Assert.Equal((width, height), (overlay.Width, overlay.Height));
        }
        var corrupt = await serve.PostFrame(File.ReadAllBytes(Directory.GetFiles(Path.Combine(strips, "test", "good")).Single())[..300], line: "tiled");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, corrupt.StatusCode);
    }

    [Fact]
    public async Task A_false_reject_rate_policy_trains_to_its_promise_and_a_target_the_images_cannot_meet_fails_the_job_naming_how_many_it_needs()
    {
        // 4 held-out good images: a target of 0.4 takes the ceil(5 x 0.6) = 3rd smallest score, promising 1 - 3/5.
        await serve.TrainLine("rate-policy", new { imageSize = 128, thresholdPolicy = "false-reject-rate", falseRejectTarget = 0.4 });
        var line = await serve.Client.GetFromJsonAsync<JsonElement>("/api/v1/lines/rate-policy");
        var threshold = line.GetProperty("threshold");
        Assert.Equal(0.4, threshold.GetProperty("expectedFalseRejectRate").GetDouble(), 9);
        Assert.Contains("false-reject rate at most 0.4", threshold.GetProperty("method").GetString());
        Assert.Contains("rank 3 of the 4", threshold.GetProperty("method").GetString());

        // An operator's threshold keeps an estimate of its rate from the same held-out scores, and says who set it.
        var set = await serve.Client.PutAsJsonAsync("/api/v1/lines/rate-policy/threshold", new { score = 1e6 });
        set.EnsureSuccessStatusCode();
        threshold = (await serve.Client.GetFromJsonAsync<JsonElement>("/api/v1/lines/rate-policy")).GetProperty("threshold");
        Assert.Equal("operator", threshold.GetProperty("source").GetString());
        Assert.Equal(1 / 5.0, threshold.GetProperty("expectedFalseRejectRate").GetDouble(), 9); // above every held-out score
        Assert.StartsWith("set by ", threshold.GetProperty("method").GetString());

        (await serve.Client.PutAsJsonAsync("/api/v1/lines/rate-policy", new { falseRejectTarget = 0.05 })).EnsureSuccessStatusCode();
        var started = await serve.Client.PostAsJsonAsync("/api/v1/lines/rate-policy/training", new { folder = serve.Category });
        var job = await serve.WaitForJob((await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("jobId").GetString()!);
        Assert.Equal("failed", job.GetProperty("state").GetString());
        Assert.Contains("needs at least 19 held-out good images; this line has 4", job.GetProperty("error").GetString());
        Assert.Equal("v1", (await serve.Client.GetFromJsonAsync<JsonElement>("/api/v1/lines/rate-policy")).GetProperty("modelVersion").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await serve.Client.DeleteAsync("/api/v1/lines/rate-policy")).StatusCode);
    }

    [Fact]
    public async Task A_line_is_created_changed_and_deleted()
    {
        var created = await serve.Client.PutAsJsonAsync("/api/v1/lines/short-lived", new { imageSize = 160, coresetRatio = 0.05, shards = 2, thresholdPolicy = "manual" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("/api/v1/lines/short-lived", created.Headers.Location?.OriginalString);
        var changed = await Json(await serve.Client.PutAsJsonAsync("/api/v1/lines/short-lived", new { coresetRatio = 0.2 }));
        Assert.Equal("160", changed.GetProperty("settings").GetProperty("imageSize").GetString());
        Assert.Equal(JsonValueKind.Null, changed.GetProperty("inputSize").ValueKind); // not trained
        Assert.Equal(0.2, changed.GetProperty("settings").GetProperty("coresetRatio").GetDouble());
        Assert.Equal("manual", changed.GetProperty("settings").GetProperty("thresholdPolicy").GetString());
        Assert.Equal(JsonValueKind.Null, changed.GetProperty("settings").GetProperty("falseRejectTarget").ValueKind);
        // A false-reject rate policy gets 1 % unless told otherwise, keeps its target, and "calibrated" is f1's earlier name.
        var rate = await Json(await serve.Client.PutAsJsonAsync("/api/v1/lines/short-lived", new { thresholdPolicy = "false-reject-rate" }));
        Assert.Equal(("false-reject-rate", 0.01), (rate.GetProperty("settings").GetProperty("thresholdPolicy").GetString(),
            rate.GetProperty("settings").GetProperty("falseRejectTarget").GetDouble()));
        rate = await Json(await serve.Client.PutAsJsonAsync("/api/v1/lines/short-lived", new { falseRejectTarget = 0.05 }));
        Assert.Equal(0.05, rate.GetProperty("settings").GetProperty("falseRejectTarget").GetDouble());
        var f1 = await Json(await serve.Client.PutAsJsonAsync("/api/v1/lines/short-lived", new { thresholdPolicy = "calibrated" }));
        Assert.Equal("f1", f1.GetProperty("settings").GetProperty("thresholdPolicy").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await serve.Client.DeleteAsync("/api/v1/lines/short-lived")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await serve.Client.GetAsync("/api/v1/lines/short-lived")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await serve.Client.DeleteAsync("/api/v1/lines/short-lived")).StatusCode);
    }
}
