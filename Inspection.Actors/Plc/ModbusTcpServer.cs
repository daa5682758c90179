using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Inspection.Actors.Plc;

/// <summary>
/// A Modbus TCP server for the holding registers a PLC polls (no .NET Modbus library is served here, so this is the
/// protocol, kept to what a PLC handshake needs): function codes 3 (read holding registers), 4 (read input registers:
/// the same table), 6 (write single register) and 16 (write multiple registers); every other code gets exception 1,
/// a bad address exception 2, a bad quantity or byte count exception 3. Any unit id is answered (one device per
/// address). A frame that is not Modbus TCP (protocol id not 0, a length out of range) closes that connection, as the
/// specification says; a client that stops sending is dropped after <see cref="IdleTimeout"/>. Each connection is
/// served in order, one request at a time.
/// </summary>
public sealed class ModbusTcpServer : IAsyncDisposable
{
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(60);
    private const int MaxRead = 125, MaxWrite = 123;
    private readonly TcpListener _listener;
    private readonly IHoldingRegisters _registers;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private Task? _accepting;
    private long _requests;

    public ModbusTcpServer(IPEndPoint endpoint, IHoldingRegisters registers)
    {
        _listener = new TcpListener(endpoint);
        _registers = registers;
    }

    public IPEndPoint LocalEndpoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>Requests answered since the start (exception responses included).</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>When the last request came (null: none yet): a PLC that stops polling shows here.</summary>
    public DateTimeOffset? LastRequestAt
    {
        get
        {
            long ticks = Interlocked.Read(ref _lastRequestTicks);
            return ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    private long _lastRequestTicks;

    /// <summary>Listens; throws <see cref="SocketException"/> when the address cannot be had.</summary>
    public void Start()
    {
        _listener.Start();
        _accepting = Accept(_stop.Token);
    }

    private async Task Accept(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(stop); }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException) { return; }
            lock (_connections)
            {
                _connections.RemoveAll(t => t.IsCompleted);
                _connections.Add(Serve(client, stop));
            }
        }
    }

    private async Task Serve(TcpClient client, CancellationToken stop)
    {
        using var _ = client;
        client.NoDelay = true;
        var stream = client.GetStream();
        var header = new byte[7];
        try
        {
            while (!stop.IsCancellationRequested)
            {
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(stop);
                idle.CancelAfter(IdleTimeout);
                if (!await ReadExactly(stream, header, idle.Token)) return;
                // MBAP header: transaction id, protocol id (0), length (unit id + PDU), unit id.
                ushort protocol = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(2));
                int length = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(4));
                if (protocol != 0 || length < 2 || length > 254) return;
                var pdu = new byte[length - 1];
                if (!await ReadExactly(stream, pdu, idle.Token)) return;
                byte[] reply = Answer(pdu);
                var frame = new byte[7 + reply.Length];
                header.AsSpan(0, 4).CopyTo(frame);
                BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(4), (ushort)(reply.Length + 1));
                frame[6] = header[6];
                reply.CopyTo(frame, 7);
                // Counted before the answer leaves: a client that has its answer sees its request counted.
                Interlocked.Increment(ref _requests);
                Interlocked.Exchange(ref _lastRequestTicks, DateTimeOffset.UtcNow.UtcTicks);
                await stream.WriteAsync(frame, stop);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away or idled out; its connection ends, the server goes on.
        }
    }

    private static async Task<bool> ReadExactly(NetworkStream stream, byte[] buffer, CancellationToken cancel)
    {
        try
        {
            await stream.ReadExactlyAsync(buffer, cancel);
            return true;
        }
        catch (EndOfStreamException) { return false; }
    }

    /// <summary>The response PDU to a request PDU: the function's answer or an exception response.</summary>
    public byte[] Answer(ReadOnlySpan<byte> pdu)
    {
        byte function = pdu[0];
        try
        {
            return function switch
            {
                3 or 4 => ReadRegisters(function, pdu),
                6 => WriteSingle(pdu),
                16 => WriteMultiple(pdu),
                _ => throw new ModbusException(ModbusException.IllegalFunction, $"function {function} is not supported"),
            };
        }
        catch (ModbusException e)
        {
            return [(byte)(function | 0x80), e.Code];
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return [(byte)(function | 0x80), ModbusException.ServerDeviceFailure];
        }
    }

    private byte[] ReadRegisters(byte function, ReadOnlySpan<byte> pdu)
    {
        if (pdu.Length != 5) throw new ModbusException(ModbusException.IllegalDataValue, "a read is 4 bytes");
        int address = BinaryPrimitives.ReadUInt16BigEndian(pdu[1..]), count = BinaryPrimitives.ReadUInt16BigEndian(pdu[3..]);
        if (count is < 1 or > MaxRead) throw new ModbusException(ModbusException.IllegalDataValue, $"read {count} registers");
        CheckRange(address, count);
        var values = _registers.Read(address, count);
        var reply = new byte[2 + 2 * count];
        reply[0] = function;
        reply[1] = (byte)(2 * count);
        for (int i = 0; i < count; i++) BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(2 + 2 * i), values[i]);
        return reply;
    }

    private byte[] WriteSingle(ReadOnlySpan<byte> pdu)
    {
        if (pdu.Length != 5) throw new ModbusException(ModbusException.IllegalDataValue, "a single write is 4 bytes");
        int address = BinaryPrimitives.ReadUInt16BigEndian(pdu[1..]);
        CheckRange(address, 1);
        _registers.Write(address, [BinaryPrimitives.ReadUInt16BigEndian(pdu[3..])]);
        return pdu.ToArray(); // the echo of the request
    }

    private byte[] WriteMultiple(ReadOnlySpan<byte> pdu)
    {
        if (pdu.Length < 6) throw new ModbusException(ModbusException.IllegalDataValue, "a write is at least 5 bytes");
        int address = BinaryPrimitives.ReadUInt16BigEndian(pdu[1..]), count = BinaryPrimitives.ReadUInt16BigEndian(pdu[3..]);
        if (count is < 1 or > MaxWrite || pdu[5] != 2 * count || pdu.Length != 6 + 2 * count)
            throw new ModbusException(ModbusException.IllegalDataValue, $"write of {count} registers with {pdu[5]} bytes");
        CheckRange(address, count);
        var values = new ushort[count];
        for (int i = 0; i < count; i++) values[i] = BinaryPrimitives.ReadUInt16BigEndian(pdu[(6 + 2 * i)..]);
        _registers.Write(address, values);
        return [16, pdu[1], pdu[2], pdu[3], pdu[4]];
    }

    private void CheckRange(int address, int count)
    {
        if (address + count > _registers.Count)
            throw new ModbusException(ModbusException.IllegalDataAddress, $"registers {address}-{address + count - 1} beyond {_registers.Count}");
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        if (_accepting != null) await _accepting;
        Task[] open;
        lock (_connections) open = [.. _connections];
        await Task.WhenAll(open);
        _stop.Dispose();
    }
}
