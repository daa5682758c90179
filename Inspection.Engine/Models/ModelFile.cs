using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Inspection.Engine.Models;

/// <summary>
/// One file per trained model: magic, format version, JSON metadata, the float32 coreset bank [N, D] and a SHA-256 of
/// everything before it. Truncated, foreign, corrupt and other-version files are refused with a message saying which.
/// </summary>
public static class ModelFile
{
    public const int FormatVersion = 1;
    private static readonly byte[] Magic = "INSPCORE"u8.ToArray();
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    public static void Write(string path, ModelMetadata metadata, float[] bank, int rows, int dimensions)
    {
        if ((long)rows * dimensions != bank.Length) throw new ArgumentException("Bank length does not match rows x dimensions.");
        var header = JsonSerializer.SerializeToUtf8Bytes(metadata, Json);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        string temp = path + ".partial";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
        {
            void Put(ReadOnlySpan<byte> bytes)
            {
                stream.Write(bytes);
                hash.AppendData(bytes);
            }
            Span<byte> number = stackalloc byte[8];
            Put(Magic);
            BinaryPrimitives.WriteInt32LittleEndian(number, FormatVersion); Put(number[..4]);
            BinaryPrimitives.WriteInt32LittleEndian(number, header.Length); Put(number[..4]);
            Put(header);
            BinaryPrimitives.WriteInt32LittleEndian(number, rows); Put(number[..4]);
            BinaryPrimitives.WriteInt32LittleEndian(number, dimensions); Put(number[..4]);
            Put(System.Runtime.InteropServices.MemoryMarshal.AsBytes(bank.AsSpan()));
            stream.Write(hash.GetHashAndReset());
        }
        // Replace atomically: a crash mid-write never leaves a half model under the real name.
        File.Move(temp, path, overwrite: true);
    }

    public static (ModelMetadata Metadata, float[] Bank, int Rows, int Dimensions) Read(string path)
    {
        if (!File.Exists(path)) throw new ModelFileException(path, "the file does not exist");
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            return Read(stream, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelFileException(path, e.Message, e);
        }
    }

    /// <summary>Reads the bank straight into its array (no second copy of the file in memory), hashing as it goes.</summary>
    private static (ModelMetadata, float[], int, int) Read(FileStream stream, string path)
    {
        long length = stream.Length;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Take(Span<byte> into)
        {
            stream.ReadExactly(into);
            hash.AppendData(into);
        }
        var start = new byte[16];
        int got = stream.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
        if (got < Magic.Length || !start.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new ModelFileException(path, "it is not an Inspection model file (wrong magic bytes)");
        if (got < 16) throw new ModelFileException(path, "the file is truncated (no header)");
        hash.AppendData(start);
        int version = BinaryPrimitives.ReadInt32LittleEndian(start.AsSpan(8));
        if (version != FormatVersion)
            throw new ModelFileException(path, $"it was written in model format version {version}; this build reads version {FormatVersion}. Retrain or use a matching version of inspection");
        int headerLength = BinaryPrimitives.ReadInt32LittleEndian(start.AsSpan(12));
        long fixedPart = 16L + headerLength + 8;
        if (headerLength < 2 || length < fixedPart)
            throw new ModelFileException(path, $"the file is truncated ({length} bytes, header needs {fixedPart})");
        var header = new byte[headerLength + 8];
        Take(header);
        int rows = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(headerLength));
        int dimensions = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(headerLength + 4));
        long expected = fixedPart + (long)rows * dimensions * 4 + 32;
        if (rows < 1 || dimensions < 1 || length != expected)
            throw new ModelFileException(path, length < expected
                ? $"the file is truncated ({length} bytes, expected {expected})"
                : $"the file has the wrong length ({length} bytes, expected {expected})");
        var bank = new float[(long)rows * dimensions];
        Take(System.Runtime.InteropServices.MemoryMarshal.AsBytes(bank.AsSpan()));
        var stored = new byte[32];
        stream.ReadExactly(stored);
        if (!stored.AsSpan().SequenceEqual(hash.GetHashAndReset())) throw new ModelFileException(path, "the file is corrupt (checksum mismatch)");
        ModelMetadata metadata;
        try
        {
            metadata = JsonSerializer.Deserialize<ModelMetadata>(header.AsSpan(0, headerLength), Json)
                       ?? throw new JsonException("empty header");
        }
        catch (JsonException e)
        {
            throw new ModelFileException(path, $"its header is unreadable ({e.Message})", e);
        }
        return (metadata, bank, rows, dimensions);
    }
}
