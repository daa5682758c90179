using System.Globalization;
using System.Text.Json;
using Akka.Actor;
using Akka.Event;
using MQTTnet;
using MQTTnet.Protocol;

namespace Inspection.Actors.Plc;

/// <summary>
/// The PLC handshake over MQTT, for PLCs that speak it: a child of <see cref="PlcActor"/> that subscribes to
/// <c>inspection/{line}/{camera}/trigger</c> (payload: the part id as a number, or <c>{"part": N}</c>, or nothing for
/// an assigned id) and triggers the part as a Modbus trigger would, and publishes every verdict as JSON on
/// <c>inspection/{line}/{camera}/verdict</c> (QoS 1): part, verdict (ok, ng, hold), code (inspected, timeout, failed,
/// no-frame), score, reason, ms from trigger to verdict, result id, late. It connects again, and subscribes again,
/// a second after the broker goes away.
/// </summary>
public sealed class MqttPlcBridge : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan Reconnect = TimeSpan.FromSeconds(1);
    private readonly string _host;
    private readonly int _port;
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public ITimerScheduler Timers { get; set; } = null!;

    public MqttPlcBridge(string host, int port)
    {
        _host = host;
        _port = port;
        var self = Self;
        _client.ApplicationMessageReceivedAsync += e =>
        {
            self.Tell(new Received(e.ApplicationMessage.Topic, e.ApplicationMessage.ConvertPayloadToString() ?? ""));
            return Task.CompletedTask;
        };
        _client.DisconnectedAsync += _ =>
        {
            self.Tell(Lost.Instance);
            return Task.CompletedTask;
        };

        Receive<Connect>(_ => ConnectAndSubscribe().PipeTo(Self, success: () => Connected.Instance, failure: e => new Failed(e.Message)));
        Receive<Connected>(_ =>
        {
            _log.Info("PLC triggers: subscribed to {0} on MQTT broker {1}:{2}", TriggerTopic("+", "+"), _host, _port);
            Context.Parent.Tell(new State($"subscribed to {TriggerTopic("+", "+")} on {_host}:{_port}", true));
        });
        Receive<Failed>(f =>
        {
            Context.Parent.Tell(new State($"not connected to {_host}:{_port}: {f.Reason}", false));
            _log.Warning("PLC triggers: MQTT broker {0}:{1}: {2}; trying again in {3} s", _host, _port, f.Reason, Reconnect.TotalSeconds);
            Timers.StartSingleTimer("connect", Connect.Instance, Reconnect);
        });
        Receive<Lost>(_ =>
        {
            Context.Parent.Tell(new State($"connection to {_host}:{_port} lost", false));
            Timers.StartSingleTimer("connect", Connect.Instance, Reconnect);
        });
        Receive<Received>(OnReceived);
        Receive<PartVerdict>(Publish);
    }

    public static Props Props(string host, int port) => Akka.Actor.Props.Create(() => new MqttPlcBridge(host, port));

    /// <summary>The bridge's state for its handshake's status.</summary>
    public sealed record State(string Text, bool Subscribed);

    public static string TriggerTopic(string line, string camera) => $"inspection/{line}/{camera}/trigger";

    public static string VerdictTopic(string line, string camera) => $"inspection/{line}/{camera}/verdict";

    protected override void PreStart() => Self.Tell(Connect.Instance);

    protected override void PostStop() => _client.Dispose();

    private async Task ConnectAndSubscribe()
    {
        if (!_client.IsConnected)
            await _client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(_host, _port)
                .WithClientId($"inspection-plc-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}").WithTimeout(TimeSpan.FromSeconds(10)).Build());
        await _client.SubscribeAsync(new MqttClientFactory().CreateSubscribeOptionsBuilder()
            .WithTopicFilter(TriggerTopic("+", "+"), MqttQualityOfServiceLevel.AtLeastOnce).Build());
    }

    private void OnReceived(Received message)
    {
        var parts = message.Topic.Split('/');
        if (parts.Length != 4) return;
        string payload = message.Payload.Trim();
        uint? part = null;
        if (payload.Length > 0)
        {
            try
            {
                part = payload.StartsWith('{')
                    ? JsonDocument.Parse(payload).RootElement.GetProperty("part").GetUInt32()
                    : uint.Parse(payload, NumberStyles.None, CultureInfo.InvariantCulture);
                if (part == 0) part = null;
            }
            catch (Exception e) when (e is FormatException or OverflowException or JsonException or KeyNotFoundException or InvalidOperationException)
            {
                _log.Warning("PLC trigger on {0} ignored: '{1}' is not a part id (a number up to 4294967295, or {{\"part\": N}}, or nothing)", message.Topic, payload);
                return;
            }
        }
        Context.Parent.Tell(new PlcActor.TriggerFromMqtt(parts[1], parts[2], part));
    }

    private void Publish(PartVerdict v)
    {
        if (!_client.IsConnected)
        {
            _log.Warning("Verdict of part {0} not published: MQTT broker {1}:{2} not connected", v.Part, _host, _port);
            return;
        }
        string json = JsonSerializer.Serialize(new
        {
            line = v.Line, camera = v.Camera, part = v.Part, verdict = v.Verdict.ToString().ToLowerInvariant(), code = Code(v.Code),
            score = float.IsFinite(v.Score) ? v.Score : (float?)null, reason = v.Reason, ms = Math.Round(v.Milliseconds, 2), resultId = v.ResultId, late = v.Late,
        });
        var message = new MqttApplicationMessageBuilder().WithTopic(VerdictTopic(v.Line, v.Camera)).WithPayload(json)
            .WithContentType("application/json").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
        var log = _log;
        _client.PublishAsync(message).ContinueWith(t =>
        {
            if (!t.IsCompletedSuccessfully || !t.Result.IsSuccess) log.Warning("Verdict of part {0} not published: {1}", v.Part, t.Exception?.GetBaseException().Message ?? t.Result.ReasonString);
        }, TaskScheduler.Default);
    }

    public static string Code(PlcResultCode code) => code switch
    {
        PlcResultCode.Inspected => "inspected",
        PlcResultCode.Timeout => "timeout",
        PlcResultCode.Failed => "failed",
        _ => "no-frame",
    };

    private sealed record Received(string Topic, string Payload);

    private sealed record Failed(string Reason);

    private sealed class Connect
    {
        public static readonly Connect Instance = new();
    }

    private sealed class Connected
    {
        public static readonly Connected Instance = new();
    }

    private sealed class Lost
    {
        public static readonly Lost Instance = new();
    }
}
