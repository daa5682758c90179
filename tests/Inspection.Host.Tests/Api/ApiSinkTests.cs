using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Inspection.Actors.Diagnostics;
using Inspection.Actors.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using MQTTnet;
using MQTTnet.Protocol;
using Xunit;

namespace Inspection.Host.Tests.Api;

/// <summary>Result sinks against real receivers: an HTTP server in the test, and the Mosquitto broker .ci/run starts.</summary>
[Collection(ServeCollection.Name)]
public sealed class ApiSinkTests(ServeFixture serve)
{
    [Fact]
    public async Task A_webhook_gets_every_result_at_least_once_through_failures_keyed_by_its_id()
    {
        // A receiver that fails its first two deliveries, as one that is restarting would.
        var received = new ConcurrentDictionary<string, JsonElement>();
        var keys = new ConcurrentBag<(string Header, string Body)>();
        int calls = 0;
        var allSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var expected = new ConcurrentDictionary<string, bool>();
        int port = InspectionNodeHost.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        await using var receiver = builder.Build();
        receiver.MapPost("/hook", async (HttpRequest request) =>
        {
            if (Interlocked.Increment(ref calls) <= 2) return Results.StatusCode(500);
            var body = await JsonSerializer.DeserializeAsync<JsonElement>(request.Body);
            string id = body.GetProperty("id").GetString()!;
            keys.Add((request.Headers["Idempotency-Key"].ToString(), id));
            received[id] = body;
            if (!expected.IsEmpty && expected.Keys.All(received.ContainsKey)) allSeen.TrySetResult();
            return Results.Ok();
        });
        await receiver.StartAsync();
        var counted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int deliveries = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == PipelineMetrics.MeterName && instrument.Name == PipelineMetrics.SinkDeliveriesName) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag is { Key: "line", Value: "hooked" } && Interlocked.Add(ref deliveries, (int)value) >= 3) counted.TrySetResult();
        });
        listener.Start();

        await serve.TrainLine("hooked");
        var configured = await serve.Client.PutAsJsonAsync("/api/v1/lines/hooked", new { webhook = $"http://127.0.0.1:{port}/hook" });
        Assert.Equal($"http://127.0.0.1:{port}/hook", (await configured.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("settings").GetProperty("webhook").GetString());
        var sent = new List<JsonElement>();
        foreach (var kind in new[] { "good", "hole", "scratch" })
            sent.Add(await (await serve.PostFrame(serve.Image(kind), line: "hooked")).Content.ReadFromJsonAsync<JsonElement>());
        foreach (var r in sent) expected[r.GetProperty("id").GetString()!] = true;
        if (expected.Keys.All(received.ContainsKey)) allSeen.TrySetResult();
        await allSeen.Task.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(calls >= 5);
        foreach (var r in sent)
        {
            var delivered = received[r.GetProperty("id").GetString()!];
            foreach (var field in new[] { "line", "camera", "frameId", "modelVersion", "verdict" })
                Assert.Equal(r.GetProperty(field).GetString(), delivered.GetProperty(field).GetString());
            Assert.Equal(r.GetProperty("score").GetSingle(), delivered.GetProperty("score").GetSingle());
        }
        Assert.All(keys, k => Assert.Equal(k.Body, k.Header));
        // The sink counts a delivery when the receiver's answer is back, a moment after the receiver saw the result.
        await counted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        string metrics = await serve.Anonymous.GetStringAsync("/metrics");
        Assert.Matches("inspection_sink_failures_total\\{[^}]*line=\"hooked\"[^}]*sink=\"webhook\"[^}]*\\} [2-9]", metrics);
        Assert.Matches("inspection_sink_deliveries_total\\{[^}]*line=\"hooked\"[^}]*sink=\"webhook\"[^}]*\\} [3-9]", metrics);
        // An empty webhook removes it.
        await serve.Client.PutAsJsonAsync("/api/v1/lines/hooked", new { webhook = "" });
        var line = await serve.Client.GetFromJsonAsync<JsonElement>("/api/v1/lines/hooked");
        Assert.Equal(JsonValueKind.Null, line.GetProperty("settings").GetProperty("webhook").ValueKind);
    }

    [SkippableFact]
    public async Task Results_are_published_on_the_line_topic_at_qos_1_for_a_stock_mqtt_subscriber()
    {
        Skip.If(serve.Settings.Mqtt is null, "no MQTT broker: .ci/run starts Mosquitto and sets INSPECTION_TEST_MQTT (scripts/mosquitto.sh)");
        var (host, port) = Inspection.Host.Api.HttpEndpoint.Parse(serve.Settings.Mqtt!);
        using var subscriber = new MqttClientFactory().CreateMqttClient();
        var messages = new ConcurrentQueue<(MqttQualityOfServiceLevel Qos, JsonElement Body)>();
        var two = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        subscriber.ApplicationMessageReceivedAsync += e =>
        {
            messages.Enqueue((e.ApplicationMessage.QualityOfServiceLevel, JsonDocument.Parse(e.ApplicationMessage.ConvertPayloadToString()).RootElement.Clone()));
            if (messages.Count >= 2) two.TrySetResult();
            return Task.CompletedTask;
        };
        await subscriber.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(host, port).WithClientId("inspection-test-subscriber").Build());
        await subscriber.SubscribeAsync(new MqttClientFactory().CreateSubscribeOptionsBuilder()
            .WithTopicFilter("inspection/published/results", MqttQualityOfServiceLevel.AtLeastOnce).Build());

        await serve.TrainLine("published", new { imageSize = 128, mqtt = true });
        var ids = new List<string>();
        foreach (var kind in new[] { "good", "stain" })
            ids.Add((await (await serve.PostFrame(serve.Image(kind), line: "published")).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);
        await two.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.All(messages, m => Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, m.Qos));
        Assert.Equal(ids, messages.Select(m => m.Body.GetProperty("id").GetString()).Distinct().Take(2));
        Assert.Equal("fail", messages.First(m => m.Body.GetProperty("id").GetString() == ids[1]).Body.GetProperty("verdict").GetString());
    }

    [Fact]
    public async Task A_line_cannot_publish_to_mqtt_without_a_broker_or_post_to_a_non_http_webhook()
    {
        var ftp = await serve.Client.PutAsJsonAsync("/api/v1/lines/sinkless", new { webhook = "ftp://example.invalid/x" });
        Assert.Equal(HttpStatusCode.BadRequest, ftp.StatusCode);
        if (serve.Settings.Mqtt is null)
        {
            var mqtt = await serve.Client.PutAsJsonAsync("/api/v1/lines/sinkless", new { mqtt = true });
            Assert.Equal(HttpStatusCode.BadRequest, mqtt.StatusCode);
            Assert.Contains("--mqtt", (await mqtt.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        }
    }
}
