namespace Inspection.Engine.Data;

/// <summary>A data folder that cannot be used as given; the message says what is missing and what was expected.</summary>
public sealed class DatasetException(string message) : Exception(message);
