namespace Inspection.Actors.Serialization;

/// <summary>Bytes that do not decode as the message their manifest names.</summary>
public sealed class SerializationException(string message) : Exception(message);
