using Akka.Actor;
using Akka.Event;
using Inspection.Actors.Messages;

namespace Inspection.Actors.Sinks;

/// <summary>
/// A line's result sinks (webhook, MQTT), one <see cref="ResultSinkActor"/> child each: started and stopped as the
/// line's settings name them. A changed webhook URL is a new sink: it starts at the journal's end, as a sink added now
/// delivers results from now on.
/// </summary>
public sealed class LineSinksActor : ReceiveActor
{
    /// <summary>The line's settings now (null: none, or the line was deleted), and its journal's last sequence number.</summary>
    public sealed record Wanted(LineSettings? Settings, long JournalEnd);

    public LineSinksActor(string line, string? mqttBroker)
    {
        var log = Context.GetLogger();
        Receive<Wanted>(w =>
        {
            var wanted = new Dictionary<string, Func<IResultSink>>();
            if (w.Settings?.Webhook is { } url && Uri.TryCreate(url, UriKind.Absolute, out var uri))
                wanted["sink-webhook-" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(url)))[..12]] =
                    () => new WebhookSink(uri);
            if (w.Settings?.Mqtt == true && mqttBroker is { } broker)
            {
                int colon = broker.LastIndexOf(':');
                wanted["sink-mqtt"] = () => new MqttSink(broker[..colon], int.Parse(broker[(colon + 1)..]), line);
            }
            else if (w.Settings?.Mqtt == true) log.Warning("Line {0} publishes to MQTT, but this node has no MQTT broker configured", line);
            foreach (var child in Context.GetChildren().Where(c => !wanted.ContainsKey(c.Path.Name)))
                Context.Stop(child);
            foreach (var (name, make) in wanted)
                if (Context.Child(name).IsNobody()) Context.ActorOf(ResultSinkActor.Props(line, make(), w.JournalEnd), name);
        });
    }

    public static Props Props(string line, string? mqttBroker) => Akka.Actor.Props.Create(() => new LineSinksActor(line, mqttBroker));
}
