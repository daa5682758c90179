namespace Inspection.Engine.Tests;

/// <summary>
/// The test assembly doubles as a child-process workload for tests that must watch native code from outside (a crash
/// there cannot be caught in-process): <c>dotnet Inspection.Engine.Tests.dll &lt;workload&gt;</c>. The test runner
/// never calls this.
/// </summary>
public static class Program
{
    public static int Main(string[] args) => args switch
    {
        [Backbones.ConvolutionProbe.Name, ..] => Backbones.ConvolutionProbe.Run(args[1..]),
        _ => Usage(),
    };

    private static int Usage()
    {
        Console.Error.WriteLine($"usage: dotnet Inspection.Engine.Tests.dll {Backbones.ConvolutionProbe.Name} [--quick]");
        return 2;
    }
}
