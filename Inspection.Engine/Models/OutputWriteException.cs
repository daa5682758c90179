namespace Inspection.Engine.Models;

/// <summary>An output that could not be written; the message names it, says why, and that nothing was left behind.</summary>
public sealed class OutputWriteException(string path, string reason, Exception? inner = null)
    : IOException($"'{path}' could not be written: {reason}; nothing was left behind.", inner)
{
    public string OutputPath { get; } = path;
}
