namespace Inspection.Engine.Models;

/// <summary>A model file that cannot be used; the message names the file and the reason.</summary>
public sealed class ModelFileException(string path, string reason, Exception? inner = null)
    : Exception($"Model file '{path}' cannot be loaded: {reason}.", inner);
