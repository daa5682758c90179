using System.Runtime.InteropServices;
using Google.Protobuf;
using Inspection.Actors.Messages;

namespace Inspection.Actors.Serialization;

/// <summary>
/// Writes one message as numbered fields in protobuf's wire format (through Google.Protobuf's CodedOutputStream), so
/// that a reader of another version skips the fields it does not know and takes defaults for those it does not find.
/// Every field that has a value is written, zeros included: a reader's default then only ever stands for "not sent".
/// </summary>
internal sealed class FieldWriter : IDisposable
{
    private readonly MemoryStream _stream;
    private readonly CodedOutputStream _out;

    public FieldWriter(int capacity = 256)
    {
        _stream = new MemoryStream(capacity);
        _out = new CodedOutputStream(_stream, leaveOpen: true);
    }

    public FieldWriter Int(int field, long value)
    {
        _out.WriteTag(field, WireFormat.WireType.Varint);
        _out.WriteInt64(value);
        return this;
    }

    public FieldWriter Bool(int field, bool value)
    {
        _out.WriteTag(field, WireFormat.WireType.Varint);
        _out.WriteBool(value);
        return this;
    }

    public FieldWriter Float(int field, float value)
    {
        _out.WriteTag(field, WireFormat.WireType.Fixed32);
        _out.WriteFloat(value);
        return this;
    }

    public FieldWriter Double(int field, double value)
    {
        _out.WriteTag(field, WireFormat.WireType.Fixed64);
        _out.WriteDouble(value);
        return this;
    }

    /// <summary>A string; null writes nothing (the reader's default, usually null, stands for it).</summary>
    public FieldWriter String(int field, string? value)
    {
        if (value is null) return this;
        _out.WriteTag(field, WireFormat.WireType.LengthDelimited);
        _out.WriteString(value);
        return this;
    }

    /// <summary>One field per string (protobuf's repeated string).</summary>
    public FieldWriter Strings(int field, IEnumerable<string> values)
    {
        foreach (var value in values) String(field, value);
        return this;
    }

    /// <summary>Bytes; null writes nothing (the reader tells it from empty bytes with <see cref="FieldReader.Has"/>).</summary>
    public FieldWriter OptionalBytes(int field, byte[]? value) => value is null ? this : Bytes(field, value);

    public FieldWriter Bytes(int field, ReadOnlyMemory<byte> value)
    {
        _out.WriteTag(field, WireFormat.WireType.LengthDelimited);
        _out.WriteBytes(UnsafeByteOperations.UnsafeWrap(value));
        return this;
    }

    /// <summary>Little-endian values in one field: the layout of protobuf's packed repeated float, fixed64 or sfixed64.</summary>
    public FieldWriter Packed<T>(int field, T[] values) where T : unmanaged =>
        Bytes(field, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    /// <summary>A nested message (written apart, then as one length-delimited field); null writes nothing.</summary>
    public FieldWriter Message<T>(int field, T? value, Action<FieldWriter, T> write)
    {
        if (value is null) return this;
        using var nested = new FieldWriter();
        write(nested, value);
        return Bytes(field, nested.ToArray());
    }

    /// <summary>One nested message per item (protobuf's repeated message).</summary>
    public FieldWriter Messages<T>(int field, IEnumerable<T> values, Action<FieldWriter, T> write)
    {
        foreach (var value in values) Message(field, value, write);
        return this;
    }

    /// <summary>
    /// A feature block as a nested message (1 rows, 2 columns, 3 element type, 4 the bytes), written in place: its
    /// size is known up front, so a megabyte of features is copied once, not through a nested buffer.
    /// </summary>
    public FieldWriter Block(int field, FeatureBlock? block)
    {
        if (block is null) return this;
        int size = CodedOutputStream.ComputeTagSize(1) + CodedOutputStream.ComputeInt64Size(block.Rows)
                   + CodedOutputStream.ComputeTagSize(2) + CodedOutputStream.ComputeInt64Size(block.Columns)
                   + CodedOutputStream.ComputeTagSize(3) + CodedOutputStream.ComputeInt64Size((long)block.Precision)
                   + CodedOutputStream.ComputeTagSize(4) + CodedOutputStream.ComputeLengthSize(block.Data.Length) + block.Data.Length;
        _out.WriteTag(field, WireFormat.WireType.LengthDelimited);
        _out.WriteLength(size);
        Int(1, block.Rows).Int(2, block.Columns).Int(3, (long)block.Precision);
        return Bytes(4, block.Data);
    }

    public byte[] ToArray()
    {
        _out.Flush();
        return _stream.ToArray();
    }

    public void Dispose()
    {
        _out.Dispose();
        _stream.Dispose();
    }
}
