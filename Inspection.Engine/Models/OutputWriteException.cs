namespace Inspection.Engine.Models;

/// <summary>
/// An output that could not be written; the message names it, says why, and whether anything was left behind (the
/// temporary file, when even deleting it failed).
/// </summary>
public sealed class OutputWriteException(string path, string reason, Exception? inner = null, string? leftBehind = null)
    : IOException($"'{path}' could not be written: {reason}; " +
                  (leftBehind is null ? "nothing was left behind." : $"its temporary file '{leftBehind}' could not be deleted."), inner)
{
    public string OutputPath { get; } = path;
}
