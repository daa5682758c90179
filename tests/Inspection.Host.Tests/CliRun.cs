using System.Runtime.CompilerServices;
using Inspection.Host.Cli;

namespace Inspection.Host.Tests;

/// <summary>Runs the inspection command line in-process and captures what it prints.</summary>
public static class CliRun
{
    private static readonly object Gate = new();

#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void LoadLibTorch() => Inspection.Engine.Native.LibTorchLoader.EnsureLoaded();

    public static (int ExitCode, string Out, string Error) Invoke(params string[] args)
    {
        lock (Gate)
        {
            var oldOut = Console.Out;
            var oldError = Console.Error;
            var output = new StringWriter();
            var error = new StringWriter();
            Console.SetOut(output);
            Console.SetError(error);
            try
            {
                int code = CommandLine.Run(args); // as Program.cs runs it
                return (code, output.ToString(), error.ToString());
            }
            finally
            {
                Console.SetOut(oldOut);
                Console.SetError(oldError);
            }
        }
    }
}

/// <summary>A temporary folder deleted with the test.</summary>
public sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("inspection-cli-").FullName;
    public string File(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);
    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
