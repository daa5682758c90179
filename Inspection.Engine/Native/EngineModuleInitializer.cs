using System.Runtime.CompilerServices;

namespace Inspection.Engine.Native;

internal static class EngineModuleInitializer
{
    /// <summary>
    /// TorchSharp loads its native backend in torch's static constructor, on first touch of any torch member. Loading
    /// our libtorch first must therefore happen before any engine code runs; programs and test assemblies that touch
    /// torch before the engine call <see cref="LibTorchLoader.EnsureLoaded"/> themselves.
    /// </summary>
#pragma warning disable CA2255 // a library module initializer is the point here
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void LoadLibTorch() => LibTorchLoader.EnsureLoaded();
}
