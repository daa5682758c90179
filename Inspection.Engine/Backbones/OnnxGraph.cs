using Google.Protobuf;

namespace Inspection.Engine.Backbones;

/// <summary>
/// The parts of an ONNX model that weight import needs: nodes (operator, inputs, outputs, attributes) and initialisers.
/// Read with Google.Protobuf's wire reader against the field numbers of onnx.proto, so no generated code is needed.
/// </summary>
public sealed class OnnxGraph
{
    public required IReadOnlyList<OnnxNode> Nodes { get; init; }
    public required IReadOnlyDictionary<string, OnnxTensor> Initializers { get; init; }
    public required IReadOnlyList<string> Inputs { get; init; }
    public required IReadOnlyList<string> Outputs { get; init; }

    public static OnnxGraph Load(string path)
    {
        using var stream = File.OpenRead(path);
        var input = new CodedInputStream(stream);
        OnnxGraph? graph = null;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == 7) graph = ReadGraph(input.ReadBytes());
            else input.SkipLastField();
        }
        return graph ?? throw new InvalidDataException($"'{path}' holds no ONNX graph.");
    }

    private static OnnxGraph ReadGraph(ByteString bytes)
    {
        var nodes = new List<OnnxNode>();
        var initializers = new Dictionary<string, OnnxTensor>();
        var inputs = new List<string>();
        var outputs = new List<string>();
        var input = bytes.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: nodes.Add(ReadNode(input.ReadBytes())); break;
                case 5: var t = ReadTensor(input.ReadBytes()); initializers[t.Name] = t; break;
                case 11: inputs.Add(ReadValueInfoName(input.ReadBytes())); break;
                case 12: outputs.Add(ReadValueInfoName(input.ReadBytes())); break;
                default: input.SkipLastField(); break;
            }
        }
        return new OnnxGraph { Nodes = nodes, Initializers = initializers, Inputs = inputs, Outputs = outputs };
    }

    private static string ReadValueInfoName(ByteString bytes)
    {
        var input = bytes.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == 1) return input.ReadString();
            input.SkipLastField();
        }
        return "";
    }

    private static OnnxNode ReadNode(ByteString bytes)
    {
        var inputs = new List<string>();
        var outputs = new List<string>();
        var attributes = new Dictionary<string, OnnxAttribute>();
        string name = "", op = "";
        var input = bytes.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: inputs.Add(input.ReadString()); break;
                case 2: outputs.Add(input.ReadString()); break;
                case 3: name = input.ReadString(); break;
                case 4: op = input.ReadString(); break;
                case 5: var a = ReadAttribute(input.ReadBytes()); attributes[a.Name] = a; break;
                default: input.SkipLastField(); break;
            }
        }
        return new OnnxNode(name, op, inputs, outputs, attributes);
    }

    private static OnnxAttribute ReadAttribute(ByteString bytes)
    {
        string name = "";
        float f = 0;
        long i = 0;
        var ints = new List<long>();
        var floats = new List<float>();
        var input = bytes.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            int field = WireFormat.GetTagFieldNumber(tag);
            var wire = WireFormat.GetTagWireType(tag);
            switch (field)
            {
                case 1: name = input.ReadString(); break;
                case 2: f = input.ReadFloat(); break;
                case 3: i = input.ReadInt64(); break;
                case 7 when wire == WireFormat.WireType.LengthDelimited: ReadPackedFloats(input.ReadBytes(), floats); break;
                case 7: floats.Add(input.ReadFloat()); break;
                case 8 when wire == WireFormat.WireType.LengthDelimited: ReadPackedInt64(input.ReadBytes(), ints); break;
                case 8: ints.Add(input.ReadInt64()); break;
                default: input.SkipLastField(); break;
            }
        }
        return new OnnxAttribute(name, f, i, ints, floats);
    }

    private static OnnxTensor ReadTensor(ByteString bytes)
    {
        var dims = new List<long>();
        var floats = new List<float>();
        int dataType = 0;
        string name = "";
        byte[]? raw = null;
        var input = bytes.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            int field = WireFormat.GetTagFieldNumber(tag);
            var wire = WireFormat.GetTagWireType(tag);
            switch (field)
            {
                case 1 when wire == WireFormat.WireType.LengthDelimited: ReadPackedInt64(input.ReadBytes(), dims); break;
                case 1: dims.Add(input.ReadInt64()); break;
                case 2: dataType = input.ReadInt32(); break;
                case 4 when wire == WireFormat.WireType.LengthDelimited: ReadPackedFloats(input.ReadBytes(), floats); break;
                case 4: floats.Add(input.ReadFloat()); break;
                case 8: name = input.ReadString(); break;
                case 9: raw = input.ReadBytes().ToByteArray(); break;
                default: input.SkipLastField(); break;
            }
        }
        const int onnxFloat = 1;
        if (dataType != onnxFloat)
            return new OnnxTensor(name, dims.ToArray(), [], dataType);
        float[] values = raw != null ? System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(raw).ToArray() : floats.ToArray();
        return new OnnxTensor(name, dims.ToArray(), values, dataType);
    }

    private static void ReadPackedInt64(ByteString bytes, List<long> into)
    {
        var input = bytes.CreateCodedInput();
        while (!input.IsAtEnd) into.Add(input.ReadInt64());
    }

    private static void ReadPackedFloats(ByteString bytes, List<float> into)
    {
        var input = bytes.CreateCodedInput();
        while (!input.IsAtEnd) into.Add(input.ReadFloat());
    }
}

public sealed record OnnxNode(string Name, string OpType, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs,
    IReadOnlyDictionary<string, OnnxAttribute> Attributes);

public sealed record OnnxAttribute(string Name, float Float, long Int, IReadOnlyList<long> Ints, IReadOnlyList<float> Floats);

/// <summary>A float initialiser (other element types keep their shape only).</summary>
public sealed record OnnxTensor(string Name, long[] Dims, float[] Values, int DataType);
