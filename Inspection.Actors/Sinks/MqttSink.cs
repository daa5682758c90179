using Inspection.Actors.Messages;
using MQTTnet;
using MQTTnet.Protocol;

namespace Inspection.Actors.Sinks;

/// <summary>
/// Publishes each result as JSON on inspection/{line}/results at QoS 1 (the broker acknowledges every message).
/// One connection per line, made on first use and again after it drops.
/// </summary>
public sealed class MqttSink(string host, int port, string line) : IResultSink
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly MqttClientOptions _options = new MqttClientOptionsBuilder()
        .WithTcpServer(host, port)
        .WithClientId($"inspection-{line}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}")
        .WithTimeout(TimeSpan.FromSeconds(10))
        .Build();

    public string Kind => "mqtt";

    public static string Topic(string line) => $"inspection/{line}/results";

    public async Task Deliver(ResultDocument result, CancellationToken cancel)
    {
        if (!_client.IsConnected) await _client.ConnectAsync(_options, cancel);
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(Topic(line))
            .WithPayload(result.ToJson())
            .WithContentType("application/json")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        var published = await _client.PublishAsync(message, cancel);
        if (!published.IsSuccess) throw new IOException($"MQTT broker {host}:{port} refused the result: {published.ReasonCode} {published.ReasonString}");
    }

    public void Dispose() => _client.Dispose();
}
