using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Cluster;
using Inspection.Actors.Hosting;
using Xunit;
using Xunit.Abstractions;

namespace Inspection.Actors.Tests;

/// <summary>
/// Akka.Remote over TLS with the cluster's certificate: two nodes holding it form a cluster over TCP on 127.0.0.1, and
/// neither a node with another certificate nor a node without TLS can join or get a message to any of their actors.
/// </summary>
public sealed class ClusterTlsTests(ITestOutputHelper output)
{
    /// <summary>A self-signed certificate with its key, as <c>openssl req -x509</c> and <c>openssl pkcs12 -export</c> make one.</summary>
    internal static void MakeCertificate(string path, string password, string name)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, critical: false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, password));
    }

    private sealed class Guarded : ReceiveActor
    {
        public Guarded(ConcurrentQueue<string> received, TaskCompletionSource fromCluster) => Receive<string>(m =>
        {
            received.Enqueue(m);
            if (m == "from the cluster") fromCluster.TrySetResult();
        });
    }

    [Fact]
    public async Task Only_nodes_with_the_cluster_certificate_join_or_reach_an_actor()
    {
        using var folder = new TempFolder();
        MakeCertificate(folder.File("cluster.pfx"), "cluster-secret", "inspection-cluster");
        MakeCertificate(folder.File("other.pfx"), "other-secret", "inspection-cluster"); // same name, another key
        var cluster = new ClusterTls(folder.File("cluster.pfx"), "cluster-secret");
        var other = new ClusterTls(folder.File("other.pfx"), "other-secret");
        Assert.Null(cluster.Problem());

        int seedPort = TestSupport.FreePort();
        string Seed(string protocol) => $"{protocol}://inspection@127.0.0.1:{seedPort}";
        Func<InspectionNodeOptions, InspectionNodeOptions> Node(ClusterTls? tls) => o => o with
        {
            Tls = tls, SeedNodes = [Seed(tls is null ? "akka.tcp" : ClusterTls.Protocol)], Roles = ["api"],
        };
        var nodes = new List<ClusterNode>();
        try
        {
            nodes.Add(await ClusterNode.Start(seedPort, seedPort, folder.File("a.db"), Node(cluster)));
            nodes.Add(await ClusterNode.Start(TestSupport.FreePort(), seedPort, folder.File("b.db"), Node(cluster)));
            await ClusterNode.AllUp(nodes, TimeSpan.FromSeconds(30));
            Assert.Equal(ClusterTls.Protocol, Cluster.Get(nodes[0].System).SelfAddress.Protocol);

            var received = new ConcurrentQueue<string>();
            var fromCluster = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            nodes[0].System.ActorOf(Props.Create(() => new Guarded(received, fromCluster)), "guarded");
            string guarded = $"{Seed(ClusterTls.Protocol)}/user/guarded";

            var wrongCertificate = await ClusterNode.Start(TestSupport.FreePort(), seedPort, folder.File("c.db"), Node(other));
            nodes.Add(wrongCertificate);
            var plain = await ClusterNode.Start(TestSupport.FreePort(), seedPort, folder.File("d.db"), Node(null));
            nodes.Add(plain);
            // Each intruder tries to join (its seed is the first node) and to reach the actor, by name and by Identify.
            foreach (var (intruder, address) in new[] { (wrongCertificate, guarded), (plain, guarded.Replace(ClusterTls.Protocol, "akka.tcp")) })
            {
                intruder.System.ActorSelection(address).Tell("from an intruder");
                // No answer, or the answer of the intruder's own dead letters (the address is gated): never the actor.
                ActorIdentity? identity = null;
                try { identity = await intruder.System.ActorSelection(address).Ask<ActorIdentity>(new Identify(1), TimeSpan.FromSeconds(8)); }
                catch (AskTimeoutException) { }
                Assert.Null(identity?.Subject);
            }
            // Meanwhile a node with the certificate reaches it: the guard stops strangers, not the cluster.
            var friend = await nodes[1].System.ActorSelection(guarded).Ask<ActorIdentity>(new Identify(2), TimeSpan.FromSeconds(10));
            Assert.NotNull(friend.Subject);
            friend.Subject.Tell("from the cluster");
            await fromCluster.Task.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(["from the cluster"], received.ToArray());
            foreach (var node in nodes)
                output.WriteLine($"{Cluster.Get(node.System).SelfAddress}: members {string.Join(", ", Cluster.Get(node.System).State.Members.Select(m => $"{m.Address} {m.Status}"))}");
            Assert.Equal(2, nodes[0].UpMembers);
            Assert.All(new[] { wrongCertificate, plain }, n => Assert.Equal(0, n.UpMembers));
        }
        finally
        {
            for (int i = nodes.Count - 1; i >= 0; i--) await nodes[i].DisposeAsync();
        }
    }

    [Fact]
    public void A_certificate_file_that_cannot_serve_is_named_with_the_reason()
    {
        using var folder = new TempFolder();
        MakeCertificate(folder.File("cluster.pfx"), "right", "inspection-cluster");
        Assert.Contains("does not exist", new ClusterTls(folder.File("none.pfx"), "x").Problem());
        Assert.Contains("is not a PKCS#12 certificate file this password opens", new ClusterTls(folder.File("cluster.pfx"), "wrong").Problem());
        File.WriteAllText(folder.File("text.pfx"), "not a certificate");
        Assert.Contains("is not a PKCS#12 certificate file", new ClusterTls(folder.File("text.pfx"), "x").Problem());
        // The certificate alone, without its key, cannot authenticate this node.
        using (var withKey = X509CertificateLoader.LoadPkcs12FromFile(folder.File("cluster.pfx"), "right"))
            File.WriteAllBytes(folder.File("public.pfx"), X509CertificateLoader.LoadCertificate(withKey.Export(X509ContentType.Cert)).Export(X509ContentType.Pkcs12, "p"));
        Assert.Contains("holds no private key", new ClusterTls(folder.File("public.pfx"), "p").Problem());
        Assert.Null(new ClusterTls(folder.File("cluster.pfx"), "right").Problem());
    }
}
