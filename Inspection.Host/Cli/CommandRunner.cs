using Inspection.Engine.Data;
using Inspection.Engine.Imaging;
using Inspection.Engine.Models;

namespace Inspection.Host.Cli;

/// <summary>Runs a command body and turns the errors users can fix into one clear line and a non-zero exit code.</summary>
public static class CommandRunner
{
    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is DatasetException or ImageReadException or ModelFileException or ArgumentException
                                      or FileNotFoundException or DirectoryNotFoundException or InvalidDataException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.BadInput;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"error: unexpected failure: {e.GetType().Name}: {e.Message}");
            if (Environment.GetEnvironmentVariable("INSPECTION_DEBUG") == "1") Console.Error.WriteLine(e);
            return ExitCodes.Failure;
        }
    }
}
