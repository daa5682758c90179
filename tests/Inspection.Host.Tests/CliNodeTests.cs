using System.Net;
using System.Net.Sockets;
using Inspection.Engine.Data;
using Inspection.Host.Cli;
using Xunit;

namespace Inspection.Host.Tests;

/// <summary>
/// A node configuration it cannot run with is refused with one line before its actor system starts (nothing is
/// printed on stdout, where a started node prints its address first); one it can run with starts and stops.
/// </summary>
[Collection("cli")]
public class CliNodeTests
{
    [Fact]
    public void Seed_is_the_projection_seed_and_seed_node_the_cluster_seed_each_listed_once()
    {
        var help = CliRun.Invoke("node", "--help");
        Assert.Equal(ExitCodes.Success, help.ExitCode);
        var lines = help.Out.Split('\n').Select(l => l.Trim()).ToList();
        Assert.Single(lines, l => l.StartsWith("--seed <"));
        Assert.Contains(lines, l => l.StartsWith("--seed <") && l.Contains("Seed of projection and coreset"));
        Assert.Single(lines, l => l.StartsWith("--seed-node <") && l.Contains("akka.tcp://inspection@host:port"));
    }

    [Fact]
    public void A_node_with_a_projection_seed_and_a_good_configuration_starts_and_stops()
    {
        using var folder = new TempFolder();
        Directory.CreateDirectory(folder.File("camera"));
        var run = CliRun.Invoke("node", "--seed", "7", "--db", folder.File("node.db"), "--camera", $"line-a={folder.File("camera")}", "--for", "0.5");
        Assert.True(run.ExitCode == ExitCodes.Success, run.Error);
        Assert.Contains("node akka.tcp://inspection@127.0.0.1:", run.Out);
        Assert.Contains($"watches {folder.File("camera")}", run.Out);
    }

    [Theory]
    [InlineData("--seed-node 'akka.tcp://inspection@127.0.0.1:x' cannot be used: it is not a node address (expected akka.tcp://inspection@host:port)", "--seed", "7", "--seed-node", "akka.tcp://inspection@127.0.0.1:x")]
    [InlineData("--seed-node '7' cannot be used: it is not a node address", "--seed-node", "7")]
    [InlineData("--seed-node 'akka://inspection@h:4053' cannot be used: its protocol is 'akka'", "--seed-node", "akka://inspection@h:4053")]
    [InlineData("--seed-node 'akka.tcp://cluster@h:4053' cannot be used: its actor system is 'cluster', but every node runs 'inspection'", "--seed-node", "akka.tcp://cluster@h:4053")]
    [InlineData("--seed-node 'akka.tcp://inspection@h' cannot be used", "--seed-node", "akka.tcp://inspection@h")]
    [InlineData("--seed-node 'akka.ssl.tcp://inspection@h:4053' cannot be used: its protocol is 'akka.ssl.tcp' (expected akka.tcp://inspection@host:port: TLS needs a certificate)", "--seed-node", "akka.ssl.tcp://inspection@h:4053")]
    [InlineData("--tls-certificate: '{dir}/none.pfx' does not exist", "--tls-certificate", "{dir}/none.pfx")]
    [InlineData("--tls-certificate: '{dir}/file.txt' is not a PKCS#12 certificate file this password opens", "--tls-certificate", "{dir}/file.txt")]
    [InlineData("--db '/proc/x.db' cannot be used as the SQLite database: '/proc' does not accept new files", "--db", "/proc/x.db")]
    [InlineData("--db '{dir}' cannot be used as the SQLite database: '{dir}' is a folder; give a database file", "--db", "{dir}")]
    [InlineData("--db '{dir}/missing/x.db' cannot be used as the SQLite database: its folder '{dir}/missing' does not exist", "--db", "{dir}/missing/x.db")]
    [InlineData("--db '{dir}/file.txt' cannot be used as the SQLite database: '{dir}/file.txt' is not a SQLite database", "--db", "{dir}/file.txt")]
    [InlineData("--db 'Data Source=x.db;Mode=Memory' cannot be used as the SQLite database: an in-memory SQLite database keeps nothing", "--db", "Data Source=x.db;Mode=Memory")]
    [InlineData("a PostgreSQL connection string needs --postgres", "--db", "Host=db;Database=inspection")]
    // --postgres takes the connection string itself, as serve's always did (node's was a switch that made --db one).
    [InlineData("--postgres cannot be used as the PostgreSQL database: it is not a PostgreSQL connection string", "--postgres", "inspection.db")]
    [InlineData("--postgres cannot be used as the PostgreSQL database: it is not a valid PostgreSQL connection string", "--postgres", "Hots=db;Password=secret")]
    [InlineData("--db and --postgres are both given", "--db", "{dir}/n.db", "--postgres", "Host=db;Database=inspection")]
    [InlineData("--db was given an empty value", "--db", "")]
    [InlineData("--camera line-a={dir}/file.txt: '{dir}/file.txt' is a file and not a video; a camera is a folder, a video file", "--camera", "line-a={dir}/file.txt")]
    [InlineData("--camera line-a={dir}/camra: '{dir}/camra' does not exist (create the folder first", "--camera", "line-a={dir}/camra")]
    [InlineData("--camera expects line=source, got '{dir}'", "--camera", "{dir}")]
    [InlineData("--camera line-a=gige://cam?trigger=sometimes: trigger 'sometimes' is not free, software or a camera line", "--camera", "line-a=gige://cam?trigger=sometimes")]
    [InlineData("--plc triggers cameras, and this node has none that take a trigger: give --camera line=gige://...", "--plc", "127.0.0.1:5020")]
    [InlineData("--plc triggers cameras, and this node has none that take a trigger", "--plc", "127.0.0.1:5020", "--camera", "line-a={dir}")]
    [InlineData("--plc 'plc' is not host:port for the Modbus TCP server (e.g. 0.0.0.0:5020)", "--plc", "plc", "--camera", "line-a=gige://cam")]
    [InlineData("--plc '127.0.0.1:0': give a fixed port, the PLC is configured with it", "--plc", "127.0.0.1:0", "--camera", "line-a=gige://cam")]
    [InlineData("--plc 127.0.0.1:{busy}: port {busy} is already in use on 127.0.0.1", "--plc", "127.0.0.1:{busy}", "--camera", "line-a=gige://cam")]
    [InlineData("--part-deadline-ms 5 is out of range: 10 to 60000 milliseconds", "--part-deadline-ms", "5")]
    [InlineData("--no-verdict 'maybe' is not one of ng, hold", "--no-verdict", "maybe")]
    [InlineData("--mqtt-triggers needs the broker: give --mqtt host:port too", "--mqtt-triggers")]
    [InlineData("--plc-max-pending 0 is out of range: 1 to 64 parts", "--plc-max-pending", "0")]
    [InlineData("--train line-a={dir}/file.txt: Data folder '{dir}/file.txt' is a file; expected a category folder", "--train", "line-a={dir}/file.txt")]
    [InlineData("--train line-a={dir}: Data folder '{dir}' has no train/good folder", "--train", "line-a={dir}")]
    [InlineData("--train trains on this node, which needs the gpu role (--roles ingest api lacks it)", "--roles", "ingest", "api", "--train", "line-a={data}")]
    [InlineData("--train names line 'line-a' twice", "--train", "line-a={data}", "line-a={data}")]
    // Port texts are serve's, where 0 asks for a free port.
    [InlineData("--port -1 is not a port (1 to 65535, or 0 for a free one)", "--port", "-1")]
    [InlineData("--port 70000 is not a port (1 to 65535, or 0 for a free one)", "--port", "70000")]
    [InlineData("--port {busy}: port {busy} is already in use on 127.0.0.1", "--port", "{busy}")]
    [InlineData("--hostname was given an empty value", "--hostname", "")]
    [InlineData("--hostname no-such-host.invalid, --port 4053: host name 'no-such-host.invalid' cannot be resolved", "--hostname", "no-such-host.invalid", "--port", "4053")]
    [InlineData("--hostname no-such-host.invalid: host name 'no-such-host.invalid' cannot be resolved", "--hostname", "no-such-host.invalid")]
    [InlineData("--hostname 192.0.2.1: this machine cannot listen on 192.0.2.1:", "--hostname", "192.0.2.1")]
    [InlineData("--roles 'gpux' is not a role: use gpu, ingest, api", "--roles", "gpux")]
    [InlineData("--roles lists a value twice: gpu gpu", "--roles", "gpu", "gpu")]
    [InlineData("Required argument missing for option: '--roles'", "--roles")]
    [InlineData("--for must be greater than 0 and at most 2147483 (seconds; leave it out to run until stopped), got -1", "--for", "-1")]
    [InlineData("--for must be greater than 0 and at most 2147483 (seconds; leave it out to run until stopped), got NaN", "--for", "NaN")]
    [InlineData("--batch-size must be between 1 and 1024, got 0", "--batch-size", "0")]
    public void A_configuration_the_node_cannot_run_is_refused_before_it_starts(string expected, params string[] args)
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("file.txt"), "not a database");
        string data = folder.File("line");
        SyntheticProductLine.Generate(data, new SyntheticLineOptions(TrainGood: 2, TestGood: 1, DefectsPerType: 1, Size: 64));
        using var busy = new TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        string Fill(string s) => s.Replace("{dir}", folder.Path).Replace("{data}", data).Replace("{busy}", ((IPEndPoint)busy.LocalEndpoint).Port.ToString());
        var before = Directory.GetFileSystemEntries(folder.Path, "*", SearchOption.AllDirectories).Order().ToList();

        // A limit in case a refusal is missed (the node would start, print and stop), unless the case is about --for.
        string[] limit = args.Contains("--for") ? [] : ["--for", "30"];
        var run = CliRun.Invoke(["node", .. limit, .. args.Select(Fill)]);

        string line = CliAssert.OneErrorLine(run, ExitCodes.BadInput, Fill(expected));
        Assert.DoesNotContain("secret", line);
        Assert.Empty(run.Out); // the node never started
        Assert.Equal(before, Directory.GetFileSystemEntries(folder.Path, "*", SearchOption.AllDirectories).Order().ToList());
    }

    [Theory]
    [InlineData("INSPECTION_PORT", "4o53", "INSPECTION_PORT: 4o53 is not a valid value")]
    [InlineData("INSPECTION_SEED_NODES", "akka.tcp://inspection@a:1,node2:4053", "INSPECTION_SEED_NODES 'node2:4053' cannot be used: it is not a node address")]
    [InlineData("INSPECTION_DB", "/proc/x.db", "INSPECTION_DB '/proc/x.db' cannot be used as the SQLite database")]
    public void A_bad_environment_variable_is_refused_naming_it(string variable, string value, string expected)
    {
        string? old = Environment.GetEnvironmentVariable(variable);
        Environment.SetEnvironmentVariable(variable, value);
        try
        {
            using var folder = new TempFolder();
            string[] db = variable == "INSPECTION_DB" ? [] : ["--db", folder.File("n.db")];
            var run = CliRun.Invoke(["node", .. db, "--for", "30"]);
            CliAssert.OneErrorLine(run, ExitCodes.BadInput, expected);
            Assert.Empty(run.Out);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, old);
        }
    }
}
