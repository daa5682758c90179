using Inspection.Engine.Cameras;
using System.Diagnostics;

namespace Inspection.Engine.Tests.Cameras;

/// <summary>
/// aravis' own GigE Vision camera simulator (`arv-fake-gv-camera-0.8`, Debian's aravis-tools), a separate process on
/// 127.0.0.1 that a test can kill and start again. One simulator can listen on 127.0.0.1's GigE Vision port at a
/// time, across every test process on the machine, so a simulator holds a machine-wide lock (a file lock) from its
/// start to its disposal. Its frames are a diagonal ramp: pixel (x, y) = (frame + x + y) mod 255.
/// </summary>
public sealed class FakeGigECamera : IDisposable
{
    public const string Program = "/usr/bin/arv-fake-gv-camera-0.8";
    public const string Address = "127.0.0.1";
    private static readonly string LockFile = Path.Combine(Path.GetTempPath(), "inspection-fake-gige-camera.lock");
    private readonly FileStream _lock;
    private Process? _process;

    /// <summary>Why the simulator cannot run here, or null.</summary>
    public static string? Missing =>
        !File.Exists(Program) ? $"{Program} not found: `apt-get install -y aravis-tools libaravis-0.8-0` (Debian's) runs these tests"
        : !File.Exists("/usr/lib/x86_64-linux-gnu/libaravis-0.8.so.0") && !File.Exists("/usr/lib/aarch64-linux-gnu/libaravis-0.8.so.0")
            ? "libaravis-0.8.so.0 not found: `apt-get install -y libaravis-0.8-0`" : null;

    public FakeGigECamera()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(5);
        while (true)
        {
            try
            {
                _lock = new FileStream(LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                break;
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(100); // another test process holds the simulator; there is no event to wait on across processes
            }
        }
        Start();
        WarmUp();
    }

    /// <summary>
    /// Takes one frame and lets go: the simulator's first frame after it starts came incomplete now and then (its
    /// stream timing starts with it), and tests assert whole frames. Only at the first start, when no camera actor
    /// competes for the camera's control channel.
    /// </summary>
    private void WarmUp()
    {
        using var source = new GigESource(GigESettings.Parse(Url("trigger=software")));
        source.Connect(CancellationToken.None);
        for (int i = 0; i < 3; i++)
        {
            source.Trigger();
            using var within = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            if (source.Next(within.Token) is { Encoded.Length: > 0 }) return;
        }
    }

    public string Url(string settings = "") => $"gige://{Address}{(settings.Length > 0 ? "?" + settings : "")}";

    /// <summary>Starts the simulator (again) and returns once it listens on the GigE Vision control port.</summary>
    public void Start()
    {
        _process = Process.Start(new ProcessStartInfo(Program, $"-i {Address}") { RedirectStandardError = true, RedirectStandardOutput = true })!;
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        // Listening, read from the kernel's socket table: a probe connection would take the camera's control channel,
        // which a camera grants one client at a time, and race a camera actor that is connecting again.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!File.ReadAllText("/proc/net/udp").Contains("0100007F:0F74")) // 127.0.0.1:3956
        {
            if (_process.HasExited) throw new InvalidOperationException($"{Program} exited at once (code {_process.ExitCode}); is another simulator running on {Address}?");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{Program} did not listen on {Address}:3956 within 20 s");
            Thread.Sleep(20); // a socket table has no event to wait on
        }
    }

    /// <summary>The camera disappears, as a camera whose cable is pulled.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false }) { _process.Kill(); _process.WaitForExit(); }
    }

    public void Dispose()
    {
        Kill();
        _process?.Dispose();
        _lock.Dispose();
    }
}
