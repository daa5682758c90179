using System.Text.RegularExpressions;

namespace Inspection.Host.Api;

/// <summary>Line and camera names: they appear in URLs, file names and metric labels, so they are kept plain.</summary>
public static partial class Names
{
    public const int MaxKeyLength = 200;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex Plain();

    /// <summary>Why <paramref name="value"/> cannot be a line or camera name; null if it can.</summary>
    public static string? Problem(string what, string value) => Plain().IsMatch(value)
        ? null
        : $"{what} '{Shorten(value)}' is not a valid name: 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit";

    /// <summary>Why a client key (frame id, Idempotency-Key) cannot be used; null if it can.</summary>
    public static string? KeyProblem(string what, string value) =>
        value.Length == 0 ? $"{what} is empty"
        : value.Length > MaxKeyLength ? $"{what} is longer than {MaxKeyLength} characters"
        : value.Any(char.IsControl) ? $"{what} holds control characters"
        : null;

    public static string Shorten(string value) => value.Length <= 80 ? value : value[..80] + "...";
}
