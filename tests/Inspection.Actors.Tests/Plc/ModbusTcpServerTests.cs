using System.Net;
using System.Net.Sockets;
using Inspection.Actors.Plc;
using Xunit;

namespace Inspection.Actors.Tests.Plc;

/// <summary>
/// The Modbus TCP server against clients nobody here wrote (pymodbus, mbpoll) and against raw frames: reads and writes
/// of every supported function code, and the exception responses and closed connections the specification asks for.
/// </summary>
public sealed class ModbusTcpServerTests : IAsyncLifetime
{
    private readonly Table _table = new(32);
    private ModbusTcpServer _server = null!;

    private int Port => _server.LocalEndpoint.Port;

    public Task InitializeAsync()
    {
        _server = new ModbusTcpServer(new IPEndPoint(IPAddress.Loopback, 0), _table);
        _server.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    /// <summary>A plain table whose registers 20-31 are read-only, as the PLC table's server registers are.</summary>
    private sealed class Table(int count) : IHoldingRegisters
    {
        public readonly ushort[] Values = new ushort[count];
        public int Count => Values.Length;

        public ushort[] Read(int address, int count)
        {
            lock (Values) return Values.AsSpan(address, count).ToArray();
        }

        public void Write(int address, ushort[] values)
        {
            if (address + values.Length > 20) throw new ModbusException(ModbusException.IllegalDataAddress, "read-only");
            lock (Values) values.CopyTo(Values, address);
        }
    }

    [SkippableFact]
    public void Mbpoll_writes_and_reads_back_holding_registers()
    {
        Skip.If(PlcClient.MbpollMissing != null, PlcClient.MbpollMissing);
        // mbpoll counts references from 1 unless -0: reference 3 is register 2.
        var write = PlcClient.Run(PlcClient.Mbpoll, $"-m tcp -p {Port} -a 1 -t 4 -r 3 -1 127.0.0.1 11 22 33");
        Assert.True(write.Code == 0, write.Errors + write.Output);
        Assert.Equal(new ushort[] { 0, 0, 11, 22, 33, 0 }, _table.Values[..6]);
        _table.Values[21] = 4242;
        var read = PlcClient.Run(PlcClient.Mbpoll, $"-m tcp -p {Port} -a 1 -t 4 -0 -r 21 -c 1 -1 127.0.0.1");
        Assert.True(read.Code == 0, read.Errors + read.Output);
        Assert.Contains("[21]: \t4242", read.Output);
        // Function 4 (input registers) reads the same table.
        var input = PlcClient.Run(PlcClient.Mbpoll, $"-m tcp -p {Port} -a 1 -t 3 -0 -r 21 -c 1 -1 127.0.0.1");
        Assert.Contains("[21]: \t4242", input.Output);
        // A write to a read-only register is refused with exception 2, and mbpoll says so.
        var refused = PlcClient.Run(PlcClient.Mbpoll, $"-m tcp -p {Port} -a 1 -t 4 -0 -r 25 -1 127.0.0.1 7");
        Assert.NotEqual(0, refused.Code);
        Assert.Contains("Illegal data address", refused.Errors + refused.Output);
        Assert.Equal(0, _table.Values[25]);
    }

    [Fact]
    public async Task Raw_requests_get_the_answers_and_exceptions_the_specification_gives()
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, Port);
        var stream = client.GetStream();
        // Write single register 5 = 0x1234 (function 6): the echo.
        Assert.Equal(new byte[] { 6, 0, 5, 0x12, 0x34 }, await Ask(stream, 1, [6, 0, 5, 0x12, 0x34]));
        Assert.Equal(0x1234, _table.Values[5]);
        // Write multiple registers 6-7 (function 16): address and quantity back.
        Assert.Equal(new byte[] { 16, 0, 6, 0, 2 }, await Ask(stream, 2, [16, 0, 6, 0, 2, 4, 0, 1, 0, 2]));
        Assert.Equal(new ushort[] { 1, 2 }, _table.Values[6..8]);
        // Read holding registers 5-7 (function 3).
        Assert.Equal(new byte[] { 3, 6, 0x12, 0x34, 0, 1, 0, 2 }, await Ask(stream, 3, [3, 0, 5, 0, 3]));
        // Exceptions: an unknown function (1), registers beyond the table (2), a quantity out of range (3), a byte count that does not match (3).
        Assert.Equal(new byte[] { 0x81, 1 }, await Ask(stream, 4, [1, 0, 0, 0, 8]));
        Assert.Equal(new byte[] { 0x83, 2 }, await Ask(stream, 5, [3, 0, 30, 0, 5]));
        Assert.Equal(new byte[] { 0x83, 3 }, await Ask(stream, 6, [3, 0, 0, 0, 200]));
        Assert.Equal(new byte[] { 0x90, 3 }, await Ask(stream, 7, [16, 0, 0, 0, 2, 3, 0, 1, 0]));
        Assert.Equal(new byte[] { 0x86, 2 }, await Ask(stream, 8, [6, 0, 25, 0, 1])); // a read-only register
        Assert.Equal(0, _table.Values[25]);
        Assert.Equal(8, _server.Requests);

        // A frame that is not Modbus TCP (protocol id 1) closes the connection; the server serves the next one.
        await stream.WriteAsync(new byte[] { 0, 9, 0, 1, 0, 6, 1, 3, 0, 0, 0, 1 });
        Assert.Equal(0, await stream.ReadAsync(new byte[16]));
        using var again = new TcpClient();
        await again.ConnectAsync(IPAddress.Loopback, Port);
        Assert.Equal(new byte[] { 3, 2, 0x12, 0x34 }, await Ask(again.GetStream(), 10, [3, 0, 5, 0, 1]));
    }

    /// <summary>Sends one request PDU with an MBAP header and returns the response PDU, checking the echoed header.</summary>
    private static async Task<byte[]> Ask(NetworkStream stream, ushort transaction, byte[] pdu)
    {
        var frame = new byte[7 + pdu.Length];
        frame[0] = (byte)(transaction >> 8);
        frame[1] = (byte)transaction;
        frame[4] = (byte)((pdu.Length + 1) >> 8);
        frame[5] = (byte)(pdu.Length + 1);
        frame[6] = 17; // any unit id is answered, and echoed
        pdu.CopyTo(frame, 7);
        await stream.WriteAsync(frame);
        var header = new byte[7];
        await stream.ReadExactlyAsync(header);
        Assert.Equal(frame[..4], header[..4]);
        Assert.Equal(17, header[6]);
        var reply = new byte[(header[4] << 8 | header[5]) - 1];
        await stream.ReadExactlyAsync(reply);
        return reply;
    }
}
