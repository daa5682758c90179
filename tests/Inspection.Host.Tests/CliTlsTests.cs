using System.Diagnostics;
using Inspection.Actors.Hosting;
using Inspection.Host.Cli;
using Xunit;
using Xunit.Abstractions;

namespace Inspection.Host.Tests;

/// <summary>
/// The certificate recipe of docs/architecture.md ("Cluster transport security"), followed with openssl as an operator
/// would, gives a file two <c>inspection node</c> processes form a TLS cluster with; a third node with a certificate of
/// its own is refused and never joins.
/// </summary>
public sealed class CliTlsTests(ITestOutputHelper log)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private static void OpenSsl(string folder, params string[] args)
    {
        var info = new ProcessStartInfo("openssl") { WorkingDirectory = folder, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        string errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"openssl {string.Join(' ', args)}: {errors}");
    }

    /// <summary>The documented two commands: a self-signed certificate and key, then both in one PKCS#12 file.</summary>
    private static void MakeCertificate(string folder, string name, string password)
    {
        OpenSsl(folder, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "365", "-subj", "/CN=inspection-cluster",
            "-keyout", name + ".key", "-out", name + ".crt");
        OpenSsl(folder, "pkcs12", "-export", "-inkey", name + ".key", "-in", name + ".crt", "-out", name + ".pfx", "-passout", "pass:" + password);
    }

    [SkippableFact]
    public async Task Nodes_with_the_cluster_certificate_form_a_cluster_and_a_node_without_it_is_refused()
    {
        Skip.If(!File.Exists("/usr/bin/openssl"), "openssl is not installed (.ci/run installs it)");
        using var folder = new TempFolder();
        MakeCertificate(folder.Path, "cluster", "cluster-secret");
        MakeCertificate(folder.Path, "stranger", "stranger-secret");
        var secret = new Dictionary<string, string> { ["INSPECTION_TLS_PASSWORD"] = "cluster-secret" };
        int seedPort = InspectionNodeHost.FreePort();
        string seed = $"akka.ssl.tcp://inspection@127.0.0.1:{seedPort}";

        // The cluster's nodes share one journal, as a cluster must (a node with another one is refused once it has joined).
        using var first = CliProcess.StartIn(log, null, secret, "node", "--roles", "api", "--port", seedPort.ToString(), "--db", folder.File("cluster.db"),
            "--tls-certificate", folder.File("cluster.pfx"));
        await first.WaitForLine(l => l.StartsWith("joined the cluster"), Patience);
        Assert.Contains($"node {seed} (TLS)", first.Output);
        using var second = CliProcess.StartIn(log, null, secret, "node", "--roles", "api", "--port", InspectionNodeHost.FreePort().ToString(),
            "--db", folder.File("cluster.db"), "--seed-node", seed, "--tls-certificate", folder.File("cluster.pfx"));
        await second.WaitForLine(l => l.StartsWith("joined the cluster: 2 member(s) up"), Patience);
        await second.WaitForLine(l => l.StartsWith("ready:"), Patience);

        var clock = Stopwatch.StartNew();
        using var stranger = CliProcess.StartIn(log, null, new Dictionary<string, string> { ["INSPECTION_TLS_PASSWORD"] = "stranger-secret" },
            "node", "--roles", "api", "--port", InspectionNodeHost.FreePort().ToString(), "--db", folder.File("c.db"), "--seed-node", seed,
            "--tls-certificate", folder.File("stranger.pfx"), "--for", "60");
        await stranger.Process.WaitForExitAsync().WaitAsync(Patience);
        log.WriteLine($"the stranger exited with {stranger.Process.ExitCode} after {clock.Elapsed.TotalSeconds:F1} s");
        // Its handshake is refused both ways (each side pins its own certificate), and Akka.Remote stops a node whose
        // handshake failed: it exits with one error line, never having joined.
        Assert.DoesNotContain("joined the cluster", stranger.Output);
        Assert.Equal(ExitCodes.Failure, stranger.Process.ExitCode);
        Assert.Single(stranger.Errors, l => l.StartsWith("error: this node stopped because a TLS handshake with a peer failed"));
        // The cluster's nodes run on: a stranger cannot stop them.
        Assert.False(first.Process.HasExited);
        Assert.False(second.Process.HasExited);

        foreach (var node in new[] { second, first })
        {
            node.Terminate();
            await node.Process.WaitForExitAsync().WaitAsync(Patience);
        }
    }
}
