using Inspection.Host.Cli;

// Native libtorch must be resident before anything touches TorchSharp (see LibTorchLoader).
try
{
    Inspection.Engine.Native.LibTorchLoader.EnsureLoaded();
}
catch (Exception e) when (e is TypeInitializationException or InvalidOperationException or DllNotFoundException)
{
    Console.Error.WriteLine($"error: libtorch could not be loaded: {(e.InnerException ?? e).Message}");
    return ExitCodes.BadInput;
}
return CommandLine.Run(args);
