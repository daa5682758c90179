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

    /// <summary>A sink's saved position in the line's journal (told by each sink, after recovery and at each save).</summary>
    public sealed record SinkSaved(long SequenceNr);

    /// <summary>
    /// Told to the line: every one of its sinks has delivered the events up to SequenceNr (long.MaxValue: it has no
    /// sink), so the line may delete them from its journal.
    /// </summary>
    public sealed record DeliveredUpTo(long SequenceNr);

    private readonly Dictionary<IActorRef, long> _saved = [];

    public LineSinksActor(string line, string? mqttBroker)
    {
        var log = Context.GetLogger();
        Receive<SinkSaved>(s =>
        {
            _saved[Sender] = s.SequenceNr;
            TellDelivered();
        });
        Receive<Terminated>(t =>
        {
            _saved.Remove(t.ActorRef);
            TellDelivered();
        });
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
                if (Context.Child(name).IsNobody())
                {
                    var sink = Context.ActorOf(ResultSinkActor.Props(line, make(), w.JournalEnd), name);
                    Context.Watch(sink);
                    _saved[sink] = 0;
                }
            TellDelivered();
        });
    }

    /// <summary>A sink not yet recovered counts as at 0: nothing is deleted that it may still have to deliver.</summary>
    private void TellDelivered()
    {
        Context.Parent.Tell(new DeliveredUpTo(_saved.Count == 0 ? long.MaxValue : _saved.Values.Min()));
    }

    public static Props Props(string line, string? mqttBroker) => Akka.Actor.Props.Create(() => new LineSinksActor(line, mqttBroker));
}
