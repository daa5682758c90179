using Inspection.Actors.Messages;

namespace Inspection.Actors.Results;

/// <summary>
/// How long and how much of a line's results a node keeps: passing results (and errors) for <see cref="Keep"/>,
/// flagged ones (failed, or reviewed by an operator: the evidence someone acted on) for <see cref="KeepFlagged"/>, and
/// all of them within <see cref="MaxBytes"/> (images plus <see cref="ResultStore.RowBytes"/> a result), whichever limit
/// comes first. Over the size limit the oldest passing results go first, flagged ones only when no passing one is left.
/// </summary>
public sealed record Retention(TimeSpan Keep, TimeSpan KeepFlagged, long MaxBytes, TimeSpan KeepAudit = default)
{
    /// <summary>
    /// The node's defaults: a week of passing results, a month of flagged ones, 1 GiB a line (a small disk holds a few
    /// lines), and a year of the audit trail (the server's, not a line's: <see cref="AuditKept"/>).
    /// </summary>
    public static Retention Defaults { get; } = new(TimeSpan.FromDays(7), TimeSpan.FromDays(30), 1L << 30, TimeSpan.FromDays(365));

    /// <summary>How long changes stay in the audit trail (unset: a year).</summary>
    public TimeSpan AuditKept => KeepAudit > TimeSpan.Zero ? KeepAudit : TimeSpan.FromDays(365);

    /// <summary>The smallest size limit: one frame's images with its row (a large frame keeps about a megabyte).</summary>
    public const long MinBytes = 1L << 20;

    /// <summary>The line's retention: its own settings where it has them (above 0), these defaults for the rest.</summary>
    public Retention For(LineSettings settings) => new(
        settings.KeepDays > 0 ? TimeSpan.FromDays(settings.KeepDays) : Keep,
        settings.KeepFlaggedDays > 0 ? TimeSpan.FromDays(settings.KeepFlaggedDays) : KeepFlagged,
        settings.KeepMegabytes > 0 ? settings.KeepMegabytes << 20 : MaxBytes);

    /// <summary>Why these limits cannot be kept (null: they can). Names are the settings' as the user wrote them.</summary>
    public string? Problem(string keepName = "keepDays", string flaggedName = "keepFlaggedDays", string bytesName = "keepMegabytes")
    {
        if (Keep <= TimeSpan.Zero) return $"{keepName} must be more than 0 days";
        if (KeepFlagged <= TimeSpan.Zero) return $"{flaggedName} must be more than 0 days";
        if (KeepFlagged < Keep)
            return $"{flaggedName} ({KeepFlagged.TotalDays:0.###}) must be at least {keepName} ({Keep.TotalDays:0.###}): flagged results are kept at least as long as passing ones";
        if (MaxBytes < MinBytes) return $"{bytesName} must be at least {MinBytes >> 20} (one frame's images and row)";
        return null;
    }

    /// <summary>
    /// A line's own settings as given (0: the node's default), checked one by one before they meet the defaults: a
    /// negative age or a size below one frame is refused whatever the defaults are.
    /// </summary>
    public static string? SettingsProblem(double keepDays, double keepFlaggedDays, long keepMegabytes)
    {
        if (!double.IsFinite(keepDays) || keepDays < 0) return "keepDays must be 0 (the node's default) or a positive number of days";
        if (!double.IsFinite(keepFlaggedDays) || keepFlaggedDays < 0) return "keepFlaggedDays must be 0 (the node's default) or a positive number of days";
        if (keepMegabytes < 0 || (keepMegabytes > 0 && keepMegabytes << 20 < MinBytes))
            return $"keepMegabytes must be 0 (the node's default) or at least {MinBytes >> 20}";
        if (keepMegabytes > long.MaxValue >> 21) return "keepMegabytes is too large";
        return null;
    }

    /// <summary>
    /// Of the oldest passing and flagged results (each oldest first), those to remove to free <paramref name="over"/>
    /// bytes: passing ones first, flagged ones only once the passing ones are all taken.
    /// </summary>
    public static IReadOnlyList<StoredFootprint> ToFree(long over, IReadOnlyList<StoredFootprint> passing, IReadOnlyList<StoredFootprint> flagged)
    {
        var chosen = new List<StoredFootprint>();
        long freed = 0;
        foreach (var result in passing.Concat(flagged))
        {
            if (freed >= over) break;
            chosen.Add(result);
            freed += result.Bytes;
        }
        return chosen;
    }
}
