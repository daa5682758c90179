namespace Inspection.Actors.Plc;

/// <summary>
/// The PLC handshake's register table (<see cref="PlcRegisterMap"/>): served to the PLC by the Modbus server's threads
/// and written by the PLC actor, under one lock. Each write by the PLC is reported, after it is stored, to
/// <see cref="Written"/>; the PLC may write only its own registers (trigger, part id, ack): writing the server's is
/// refused with Modbus exception 2, so a PLC program's wrong address shows at once.
/// </summary>
public sealed class PlcRegisters(int cameras, Action<int, ushort[]> written) : IHoldingRegisters
{
    private readonly ushort[] _values = new ushort[cameras * PlcRegisterMap.Block];

    public int Count => _values.Length;

    public ushort[] Read(int address, int count)
    {
        lock (_values) return _values.AsSpan(address, count).ToArray();
    }

    public void Write(int address, ushort[] values)
    {
        for (int a = address; a < address + values.Length; a++)
            if (a % PlcRegisterMap.Block is not (PlcRegisterMap.Trigger or PlcRegisterMap.PartHigh or PlcRegisterMap.PartLow or PlcRegisterMap.Ack))
                throw new ModbusException(ModbusException.IllegalDataAddress, $"register {a} is written by the server only");
        lock (_values) values.CopyTo(_values, address);
        written(address, values);
    }

    /// <summary>The value of camera <paramref name="camera"/>'s register at <paramref name="offset"/>.</summary>
    public ushort Get(int camera, int offset)
    {
        lock (_values) return _values[camera * PlcRegisterMap.Block + offset];
    }

    /// <summary>Sets registers of one camera's block at once, so a PLC never reads half a verdict.</summary>
    public void Set(int camera, params (int Offset, ushort Value)[] values)
    {
        lock (_values)
            foreach (var (offset, value) in values) _values[camera * PlcRegisterMap.Block + offset] = value;
    }

    /// <summary>Adds one to a counter register (modulo 65536).</summary>
    public void Increment(int camera, int offset)
    {
        lock (_values) _values[camera * PlcRegisterMap.Block + offset]++;
    }
}
