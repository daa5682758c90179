using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Inspection.Engine.Tests.Models;

/// <summary>
/// Rewrites the JSON header of a model file and its checksum, as a hand edit that keeps the container valid would
/// (also compiled into the host tests).
/// </summary>
public static class ModelHeaderEditor
{
    public static void Edit(string path, Action<JsonObject> edit)
    {
        var bytes = File.ReadAllBytes(path);
        int headerLength = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(12));
        var header = JsonNode.Parse(bytes.AsSpan(16, headerLength))!.AsObject();
        edit(header);
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        var body = bytes.AsSpan(16 + headerLength, bytes.Length - 32 - 16 - headerLength).ToArray(); // rows, dims, bank
        var file = new List<byte>(bytes.AsSpan(0, 12).ToArray()); // magic, version
        file.AddRange(BitConverter.GetBytes(json.Length));
        file.AddRange(json);
        file.AddRange(body);
        file.AddRange(SHA256.HashData(file.ToArray()));
        File.WriteAllBytes(path, file.ToArray());
    }
}
