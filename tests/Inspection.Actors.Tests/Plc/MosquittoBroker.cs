using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Inspection.Actors.Tests.Plc;

/// <summary>A throw-away Mosquitto broker (Debian's) on a free 127.0.0.1 port, for the length of a test.</summary>
public sealed class MosquittoBroker : IDisposable
{
    public const string Program = "/usr/sbin/mosquitto";
    private readonly Process _process;
    private readonly string _folder = Directory.CreateTempSubdirectory("inspection-mosquitto-").FullName;

    public static string? Missing => File.Exists(Program) ? null : "Mosquitto not found: `apt-get install -y mosquitto mosquitto-clients` runs these tests";

    public int Port { get; }

    public MosquittoBroker()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        string config = Path.Combine(_folder, "mosquitto.conf");
        File.WriteAllText(config, $"listener {Port} 127.0.0.1\nallow_anonymous true\npersistence false\n");
        _process = Process.Start(new ProcessStartInfo(Program, $"-c {config}") { RedirectStandardError = true, RedirectStandardOutput = true })!;
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Loopback, Port); // ready when it accepts
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
                Thread.Sleep(50); // a process's listening socket has no event to wait on
            }
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited) { _process.Kill(); _process.WaitForExit(); }
        _process.Dispose();
        try { Directory.Delete(_folder, true); } catch (IOException) { }
    }
}
