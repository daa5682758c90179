using System.Runtime.CompilerServices;

namespace Inspection.Engine.Tests;

internal static class TestAssemblyInitializer
{
    /// <summary>Tests touch TorchSharp directly, so libtorch must be loaded before any test type initialises torch.</summary>
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void LoadLibTorch() => Inspection.Engine.Native.LibTorchLoader.EnsureLoaded();
}
