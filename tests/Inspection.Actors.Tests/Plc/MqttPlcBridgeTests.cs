using System.Collections.Concurrent;
using System.Text.Json;
using Akka.Actor;
using Akka.TestKit;
using Inspection.Actors.Cameras;
using Inspection.Actors.Messages;
using Inspection.Actors.Plc;
using Inspection.Engine.Tests.Cameras;
using MQTTnet;
using MQTTnet.Protocol;
using Xunit;

namespace Inspection.Actors.Tests.Plc;

/// <summary>
/// PLCs that speak MQTT: a trigger published by Mosquitto's own client (mosquitto_pub) on a real broker triggers the
/// real GigE simulator's part as a Modbus trigger would, and the verdict comes back on the verdict topic with the part's id.
/// </summary>
public sealed class MqttPlcBridgeTests : CameraTestKit
{
    public MqttPlcBridgeTests() : base("mqtt-plc")
    {
    }

    private static (int Code, string Output, string Errors) Publish(MosquittoBroker broker, string camera, string payload) =>
        PlcClient.RunWith("/usr/bin/mosquitto_pub", "-h", "127.0.0.1", "-p", $"{broker.Port}", "-q", "1", "-t", MqttPlcBridge.TriggerTopic("line-m", camera), "-m", payload);

    [SkippableFact]
    public async Task A_trigger_on_the_mqtt_command_topic_gets_its_verdict_on_the_verdict_topic()
    {
        Skip.If(FakeGigECamera.Missing != null, FakeGigECamera.Missing);
        Skip.If(MosquittoBroker.Missing != null, MosquittoBroker.Missing);
        Skip.If(!File.Exists("/usr/bin/mosquitto_pub"), "mosquitto_pub not found: `apt-get install -y mosquitto-clients`");
        using var broker = new MosquittoBroker();
        using var simulator = new FakeGigECamera();
        var line = CreateTestProbe();
        var (name, open) = CameraSources.Open(simulator.Url("pixel-format=Mono8&width=64&height=64&trigger=software"));
        var camera = Sys.ActorOf(CameraActor.Props("line-m", name, open, line.Ref, new CameraOptions()));
        AwaitAssert(() => Assert.True(camera.Ask<CameraStats>(new GetCameraStats(), TimeSpan.FromSeconds(5)).Result.Connected), TimeSpan.FromSeconds(20));

        using var subscriber = new MqttClientFactory().CreateMqttClient();
        var verdicts = new BlockingCollection<JsonElement>();
        subscriber.ApplicationMessageReceivedAsync += e =>
        {
            verdicts.Add(JsonDocument.Parse(e.ApplicationMessage.ConvertPayloadToString()).RootElement.Clone());
            return Task.CompletedTask;
        };
        await subscriber.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).Build());
        await subscriber.SubscribeAsync(new MqttClientFactory().CreateSubscribeOptionsBuilder()
            .WithTopicFilter(MqttPlcBridge.VerdictTopic("line-m", name), MqttQualityOfServiceLevel.AtLeastOnce).Build());

        var options = new PlcOptions { Cameras = [new PlcCamera("line-m", name, camera)], Mqtt = ("127.0.0.1", broker.Port), Deadline = TimeSpan.FromSeconds(5) };
        var plc = Sys.ActorOf(PlcActor.Props(options));
        AwaitAssert(() => Assert.True(plc.Ask<PlcStats>(GetPlcStats.Instance, TimeSpan.FromSeconds(5)).Result.Mqtt!.Subscribed), TimeSpan.FromSeconds(20));

        foreach (var (payload, part, defective) in new[] { ("31337", "31337", true), ("{\"part\": 42}", "42", false) })
        {
            var publish = Publish(broker, name, payload);
            Assert.True(publish.Code == 0, publish.Errors);
            var frame = line.ExpectMsg<CapturedFrame>(TimeSpan.FromSeconds(20));
            line.Reply(new FrameAccepted(frame.Frame, "r" + frame.Frame.Sequence));
            line.Reply(new StoredResult(frame.Frame, frame.Source, "v1", 1f, defective ? 0.8f : 0.3f, defective, null, 5, null, DateTimeOffset.UtcNow, "r" + frame.Frame.Sequence));
            Assert.True(verdicts.TryTake(out var verdict, TimeSpan.FromSeconds(20)), "no verdict published");
            Assert.Equal((part, defective ? "ng" : "ok", "inspected", "r" + frame.Frame.Sequence, false),
                (verdict.GetProperty("part").GetString(), verdict.GetProperty("verdict").GetString(), verdict.GetProperty("code").GetString(),
                 verdict.GetProperty("resultId").GetString(), verdict.GetProperty("late").GetBoolean()));
        }

        // A payload that is no part id is refused with the reason, and triggers nothing.
        EventFilter.Warning(contains: "is not a part id").ExpectOne(TimeSpan.FromSeconds(20), () =>
            Publish(broker, name, "part-seven"));
        var stats = plc.Ask<PlcStats>(GetPlcStats.Instance, TimeSpan.FromSeconds(5)).Result.Cameras.Single();
        Assert.Equal((2L, 1L, 1L), (stats.Parts, stats.Ok, stats.Ng));
        line.ExpectNoMsg(TimeSpan.Zero);
    }
}
