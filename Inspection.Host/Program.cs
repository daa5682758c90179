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
// Some work still blocks a pool thread while it waits (decoding a batch, database drivers): more threads from the
// start, so request handling and actors never wait for the pool to grow one thread at a time.
ThreadPool.GetMinThreads(out int workers, out int io);
ThreadPool.SetMinThreads(Math.Max(workers, 32), Math.Max(io, 32));
return CommandLine.Run(args);
