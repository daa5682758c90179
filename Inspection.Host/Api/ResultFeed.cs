using System.Collections.Concurrent;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Inspection.Actors.Lines;
using Inspection.Actors.Messages;

namespace Inspection.Host.Api;

/// <summary>
/// Results as they are stored anywhere in the cluster (the results topic), handed to the open event streams of their
/// line (or of every line). Each stream has a bounded buffer that drops its oldest results when the client reads too slowly, so one slow
/// browser never holds up the node.
/// </summary>
public sealed class ResultFeed
{
    private readonly ConcurrentDictionary<Guid, (string? Line, Channel<StoredResult> Channel)> _streams = new();

    /// <summary>A stream of the results of <paramref name="line"/>, or of every line when it is null.</summary>
    public (Guid Id, ChannelReader<StoredResult> Reader) Open(string? line)
    {
        var channel = Channel.CreateBounded<StoredResult>(new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        var id = Guid.NewGuid();
        _streams[id] = (line, channel);
        return (id, channel.Reader);
    }

    public void Close(Guid id)
    {
        if (_streams.TryRemove(id, out var s)) s.Channel.Writer.TryComplete();
    }

    public void Publish(StoredResult result)
    {
        foreach (var (_, (line, channel)) in _streams)
            if (line == null || line == result.Frame.Line) channel.Writer.TryWrite(result);
    }

    /// <summary>Subscribes the feed to the cluster's results topic.</summary>
    public void Start(ActorSystem system)
    {
        var listener = system.ActorOf(Props.Create(() => new Listener(this)), "result-feed");
        DistributedPubSub.Get(system).Mediator.Tell(new Subscribe(LineActor.ResultsTopic, listener));
    }

    private sealed class Listener : ReceiveActor
    {
        public Listener(ResultFeed feed)
        {
            Receive<StoredResult>(feed.Publish);
            Receive<SubscribeAck>(_ => { });
        }
    }
}
