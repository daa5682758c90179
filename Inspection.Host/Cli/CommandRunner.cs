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
        catch (Exception e) when (e is DatasetException or ImageReadException or ModelFileException or OutputWriteException or ArgumentException
                                      or FileNotFoundException or DirectoryNotFoundException or InvalidDataException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: {OneLine(e.Message)}");
            return ExitCodes.BadInput;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"error: unexpected failure: {e.GetType().Name}: {OneLine(e.Message)}" +
                                    (Debugging ? "" : " (INSPECTION_DEBUG=1 prints the stack trace)"));
            if (Debugging) Console.Error.WriteLine(e);
            return ExitCodes.Failure;
        }
    }

    private static bool Debugging => Environment.GetEnvironmentVariable("INSPECTION_DEBUG") == "1";

    /// <summary>
    /// The first line of a message: native errors (libtorch) append their C++ stack, which would turn the promised
    /// single error line into dozens.
    /// </summary>
    public static string OneLine(string message)
    {
        var first = message.AsSpan().Trim();
        int end = first.IndexOfAny('\r', '\n');
        return (end < 0 ? first : first[..end].TrimEnd()).ToString();
    }
}
