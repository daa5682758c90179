using Inspection.Host.Cli;

// Native libtorch must be resident before anything touches TorchSharp (see LibTorchLoader).
Inspection.Engine.Native.LibTorchLoader.EnsureLoaded();
return CommandLine.Build().Parse(args).Invoke();
