using Akka.Actor;

namespace Inspection.Host.Cli;

/// <summary>
/// Akka.Remote stops a node whose own TLS handshake with a peer failed, rather than run half connected; node and
/// serve then end with this error instead of a plain stop. Its shutdown reason type is internal to Akka.Remote, so it
/// is known by name.
/// </summary>
public static class TlsShutdown
{
    public const string Error = "error: this node stopped because a TLS handshake with a peer failed: the peer's certificate is not this node's " +
                                "(nor one --tls-trust names), or this node's is not the peer's; every node of a cluster needs the cluster's certificate";

    public static bool Happened(ActorSystem system) => CoordinatedShutdown.Get(system).ShutdownReason?.GetType().Name == "TlsHandshakeFailureReason";
}
