using System.Text.RegularExpressions;
using Xunit;

namespace Inspection.Host.Tests;

public static partial class CliAssert
{
    /// <summary>A line of the console logger as EngineOptions.Logging sets it up: time, level, category.</summary>
    [GeneratedRegex(@"^\d\d:\d\d:\d\d (trce|dbug|info|warn): ")]
    private static partial Regex LogLine();

    /// <summary>
    /// The exit code and exactly one error line on stderr, containing <paramref name="expected"/>. Progress lines
    /// ("[00:00:01] stage: n/m"), warning lines and log lines ("12:00:01 warn: ...") may precede it; any other line
    /// (a stack trace, a second message) fails.
    /// </summary>
    public static string OneErrorLine((int ExitCode, string Out, string Error) run, int code, string expected)
    {
        Assert.True(code == run.ExitCode, $"exit code {run.ExitCode}, expected {code}; stderr:\n{run.Error}");
        var errors = run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !l.StartsWith('[') && !l.StartsWith("warning: ", StringComparison.Ordinal) && !LogLine().IsMatch(l)).ToList();
        Assert.True(errors.Count == 1, $"expected one error line, got {errors.Count}:\n{run.Error}");
        Assert.StartsWith("error: ", errors[0]);
        Assert.Contains(expected, errors[0]);
        return errors[0];
    }
}
