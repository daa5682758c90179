using System.Runtime.InteropServices;
using Google.Protobuf;
using Inspection.Actors.Messages;

namespace Inspection.Actors.Serialization;

/// <summary>
/// The fields of one message in protobuf's wire format, read at once (through Google.Protobuf's CodedInputStream) and
/// then taken by number. A field this version does not know is never asked for, so it is skipped; a field a sender
/// of another version did not write reads as the default the caller gives. A repeated singular field reads as its
/// last value, as in protobuf.
/// </summary>
internal sealed class FieldReader
{
    private readonly Dictionary<int, List<object>> _fields = new();

    private FieldReader() { }

    public static FieldReader Parse(ReadOnlyMemory<byte> bytes)
    {
        var reader = new FieldReader();
        try
        {
            if (!MemoryMarshal.TryGetArray(bytes, out var segment)) segment = new ArraySegment<byte>(bytes.ToArray());
            var input = new CodedInputStream(segment.Array!, segment.Offset, segment.Count);
            uint tag;
            while ((tag = input.ReadTag()) != 0)
            {
                object value = WireFormat.GetTagWireType(tag) switch
                {
                    WireFormat.WireType.Varint => input.ReadUInt64(),
                    WireFormat.WireType.Fixed32 => input.ReadFixed32(),
                    WireFormat.WireType.Fixed64 => input.ReadFixed64(),
                    WireFormat.WireType.LengthDelimited => Delimited(input, segment),
                    var other => throw new SerializationException($"Field {WireFormat.GetTagFieldNumber(tag)} has wire type {other}, which no Inspection message uses."),
                };
                int field = WireFormat.GetTagFieldNumber(tag);
                if (!reader._fields.TryGetValue(field, out var values)) reader._fields[field] = values = new List<object>(1);
                values.Add(value);
            }
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new SerializationException($"Message is truncated or corrupt: {e.Message}");
        }
        return reader;
    }

    /// <summary>
    /// A length-delimited field as a slice of the message's own bytes, not a copy: a nested feature block is copied
    /// once, when its bytes are taken, instead of once per level of nesting.
    /// </summary>
    private static ReadOnlyMemory<byte> Delimited(CodedInputStream input, ArraySegment<byte> message)
    {
        // Over an array, Position is the index into that array (the segment's offset included), at the field's length.
        long start = input.Position;
        input.SkipLastField();
        long end = input.Position;
        int length = new CodedInputStream(message.Array!, (int)start, (int)(end - start)).ReadLength();
        return new ReadOnlyMemory<byte>(message.Array, (int)(end - length), length);
    }

    public bool Has(int field) => _fields.ContainsKey(field);

    private T Last<T>(int field, string expected)
    {
        var value = _fields[field][^1];
        return value is T typed ? typed : throw new SerializationException($"Field {field} is not {expected}.");
    }

    public long Int64(int field, long absent = 0) => Has(field) ? (long)Last<ulong>(field, "an integer") : absent;

    public int Int32(int field, int absent = 0) => Has(field) ? checked((int)Int64(field)) : absent;

    public bool Bool(int field, bool absent = false) => Has(field) ? Last<ulong>(field, "a boolean") != 0 : absent;

    public float Float(int field, float absent = 0) => Has(field) ? BitConverter.UInt32BitsToSingle(Last<uint>(field, "a float")) : absent;

    public double Double(int field, double absent = 0) => Has(field) ? BitConverter.UInt64BitsToDouble(Last<ulong>(field, "a double")) : absent;

    /// <summary>The string, or <paramref name="absent"/> when it was not written (null is written as absent).</summary>
    public string? OptionalString(int field, string? absent = null) =>
        Has(field) ? System.Text.Encoding.UTF8.GetString(Last<ReadOnlyMemory<byte>>(field, "a string").Span) : absent;

    public string String(int field, string absent = "") => OptionalString(field) ?? absent;

    public IReadOnlyList<string> Strings(int field) => All(field).Select(b => System.Text.Encoding.UTF8.GetString(b.Span)).ToList();

    /// <summary>The bytes, copied out of the message (the one copy they make on the way in).</summary>
    public byte[] Bytes(int field) => Has(field) ? Last<ReadOnlyMemory<byte>>(field, "bytes").ToArray() : [];

    public T[] Packed<T>(int field) where T : unmanaged
    {
        var bytes = Has(field) ? Last<ReadOnlyMemory<byte>>(field, "packed values").Span : default;
        if (bytes.Length % System.Runtime.CompilerServices.Unsafe.SizeOf<T>() != 0)
            throw new SerializationException($"Field {field} holds {bytes.Length} bytes, not a whole number of {typeof(T).Name} values.");
        return MemoryMarshal.Cast<byte, T>(bytes).ToArray();
    }

    public FieldReader? Message(int field) => Has(field) ? Parse(Last<ReadOnlyMemory<byte>>(field, "a message")) : null;

    public FieldReader RequiredMessage(int field, string what) =>
        Message(field) ?? throw new SerializationException($"Message has no {what} (field {field}).");

    public IEnumerable<FieldReader> Messages(int field) => All(field).Select(Parse).ToList();

    /// <summary>A feature block written by <see cref="FieldWriter.Block"/>, its byte count checked against its shape.</summary>
    public FeatureBlock? OptionalBlock(int field) => Message(field)?.AsBlock();

    /// <summary>These fields as a feature block (1 rows, 2 columns, 3 element type, 4 the bytes), its byte count checked against its shape.</summary>
    public FeatureBlock AsBlock()
    {
        int rows = Int32(1), columns = Int32(2);
        var precision = (FeaturePrecision)Int32(3);
        var data = Bytes(4);
        long expected = (long)rows * columns * (precision == FeaturePrecision.Float32 ? 4 : 2);
        if (data.Length != expected) throw new SerializationException($"Feature block of {rows}x{columns} {precision} has {data.Length} bytes, expected {expected}.");
        return new FeatureBlock(rows, columns, precision, data);
    }

    public FeatureBlock Block(int field) => OptionalBlock(field) ?? throw new SerializationException($"Message has no feature block (field {field}).");

    private IEnumerable<ReadOnlyMemory<byte>> All(int field) =>
        _fields.TryGetValue(field, out var values)
            ? values.Select(v => v is ReadOnlyMemory<byte> m ? m : throw new SerializationException($"Field {field} is not length-delimited."))
            : [];
}
