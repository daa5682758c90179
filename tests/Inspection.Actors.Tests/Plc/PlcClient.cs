using System.Diagnostics;
using System.Text.Json;

namespace Inspection.Actors.Tests.Plc;

/// <summary>
/// PLCs nobody here wrote: pymodbus' client (Debian's python3-pymodbus, through scripts/plc-client.py) and mbpoll, run
/// as processes against a Modbus server on 127.0.0.1.
/// </summary>
public static class PlcClient
{
    public const string Python = "/usr/bin/python3", Mbpoll = "/usr/bin/mbpoll";

    public static string? Script
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "scripts", "plc-client.py"))) return Path.Combine(dir.FullName, "scripts", "plc-client.py");
            return null;
        }
    }

    /// <summary>Why pymodbus cannot run here, or null.</summary>
    public static string? PymodbusMissing =>
        Script is null ? "scripts/plc-client.py not found"
        : Run(Python, "-c \"import pymodbus.client\"").Code != 0 ? "pymodbus not found: `apt-get install -y python3-pymodbus` (Debian's) runs these tests" : null;

    public static string? MbpollMissing => File.Exists(Mbpoll) ? null : "mbpoll not found: `apt-get install -y mbpoll` runs these tests";

    /// <summary>scripts/plc-client.py's JSON answer to a command.</summary>
    public static JsonElement Pymodbus(int port, string command)
    {
        var (code, output, errors) = Run(Python, $"{Script} 127.0.0.1 {port} {command}");
        if (code != 0 && !output.TrimStart().StartsWith('{')) throw new InvalidOperationException($"plc-client.py {command}: exit {code}: {errors}{output}");
        return JsonDocument.Parse(output).RootElement;
    }

    public static (int Code, string Output, string Errors) Run(string program, string arguments) =>
        Run(new ProcessStartInfo(program, arguments), arguments);

    /// <summary>Runs <paramref name="program"/> with each argument passed as it is (no quoting rules between).</summary>
    public static (int Code, string Output, string Errors) RunWith(string program, params string[] arguments) =>
        Run(new ProcessStartInfo(program, arguments), string.Join(' ', arguments));

    private static (int Code, string Output, string Errors) Run(ProcessStartInfo start, string arguments)
    {
        start.RedirectStandardOutput = start.RedirectStandardError = true;
        string program = start.FileName;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        string errors = process.StandardError.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromSeconds(120))) { process.Kill(); throw new TimeoutException($"{program} {arguments} ran over 120 s"); }
        return (process.ExitCode, output.Result, errors);
    }
}
