namespace Inspection.Actors.Plc;

/// <summary>
/// A table of 16-bit holding registers that a Modbus server (<see cref="ModbusTcpServer"/>) serves. Its calls come from
/// the server's connection threads, so an implementation is thread-safe. A bad address or value throws
/// <see cref="ModbusException"/> with the exception code the client gets.
/// </summary>
public interface IHoldingRegisters
{
    int Count { get; }

    ushort[] Read(int address, int count);

    /// <summary>Writes <paramref name="values"/> from <paramref name="address"/> on, all or none, as one change.</summary>
    void Write(int address, ushort[] values);
}

/// <summary>A Modbus exception response's code (the Modbus application protocol, section 7).</summary>
public sealed class ModbusException(byte code, string message) : Exception(message)
{
    public const byte IllegalFunction = 1, IllegalDataAddress = 2, IllegalDataValue = 3, ServerDeviceFailure = 4;

    public byte Code { get; } = code;
}
