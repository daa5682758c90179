namespace Inspection.Host.Cli;

/// <summary>Process exit codes, so scripts can tell a bad input from a crash.</summary>
public static class ExitCodes
{
    public const int Success = 0;
    /// <summary>An unexpected failure (a bug or the machine).</summary>
    public const int Failure = 1;
    /// <summary>The input was unusable: missing or corrupt files, wrong layout, bad settings.</summary>
    public const int BadInput = 2;
    /// <summary>predict finished, but some images could not be scored (each has an error line).</summary>
    public const int SomeImagesFailed = 3;
    /// <summary>Stopped by Ctrl+C or SIGTERM before it finished (128 + SIGINT, as shells report it).</summary>
    public const int Interrupted = 130;
}
