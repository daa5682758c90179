using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TorchSharp;

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

    /// <summary>Values moved between file and bank per read or write: 4 MB, within a span's reach for a bank of any size.</summary>
    private const int BlockFloats = 1 << 20;

    public static void Write(string path, ModelMetadata metadata, float[] bank, int rows, int dimensions)
    {
        if ((long)rows * dimensions != bank.Length) throw new ArgumentException("Bank length does not match rows x dimensions.");
        using var tensor = torch.tensor(bank, [rows, dimensions]);
        Write(path, metadata, tensor);
    }

    /// <summary>Writes <paramref name="bank"/> ([rows, dims] float32 on the CPU) block by block: no copy of the whole bank.</summary>
    public static void Write(string path, ModelMetadata metadata, torch.Tensor bank)
    {
        if (bank.dim() != 2 || bank.dtype != torch.ScalarType.Float32 || bank.device_type != DeviceType.CPU)
            throw new ArgumentException("The bank must be a [rows, dims] float32 tensor on the CPU.");
        if (bank.shape[0] > int.MaxValue || bank.shape[1] > int.MaxValue) throw new ArgumentException("The bank has more rows or dimensions than the format holds.");
        var header = JsonSerializer.SerializeToUtf8Bytes(metadata, Json);
        // Whole or not at all: a crash or a full disk mid-write never leaves a half model under the real name.
        AtomicFile.Write(path, stream =>
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using var values = bank.contiguous();
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
            BinaryPrimitives.WriteInt32LittleEndian(number, (int)bank.shape[0]); Put(number[..4]);
            BinaryPrimitives.WriteInt32LittleEndian(number, (int)bank.shape[1]); Put(number[..4]);
            using var flat = values.view(-1);
            long total = flat.shape[0];
            for (long at = 0; at < total; at += BlockFloats)
            {
                // A block's bytes are a span over the tensor's own memory: written without a copy.
                using var block = flat.narrow(0, at, Math.Min(BlockFloats, total - at));
                Put(block.bytes);
            }
            stream.Write(hash.GetHashAndReset());
        }, bufferSize: 1 << 20);
    }

    /// <summary>Metadata and bank ([rows, dims] float32 on the CPU; the caller owns it).</summary>
    public static (ModelMetadata Metadata, torch.Tensor Bank) Read(string path)
    {
        if (Directory.Exists(path)) throw new ModelFileException(path, "it is a folder, not a model file");
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

    /// <summary>Reads the bank block by block into its tensor (no second copy of the file in memory), hashing as it goes.</summary>
    private static (ModelMetadata, torch.Tensor) Read(FileStream stream, string path)
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
        if (got == 0) throw new ModelFileException(path, "the file is empty");
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
        var bank = torch.empty([rows, dimensions], dtype: torch.ScalarType.Float32);
        try
        {
            using var flat = bank.view(-1);
            long total = (long)rows * dimensions;
            for (long at = 0; at < total; at += BlockFloats)
            {
                using var block = flat.narrow(0, at, Math.Min(BlockFloats, total - at));
                Take(block.bytes); // read straight into the tensor's memory
            }
            var stored = new byte[32];
            stream.ReadExactly(stored);
            if (!stored.AsSpan().SequenceEqual(hash.GetHashAndReset())) throw new ModelFileException(path, "the file is corrupt (checksum mismatch)");
        }
        catch
        {
            bank.Dispose();
            throw;
        }
        ModelMetadata metadata;
        try
        {
            metadata = JsonSerializer.Deserialize<ModelMetadata>(header.AsSpan(0, headerLength), Json)
                       ?? throw new JsonException("empty header");
        }
        catch (JsonException e)
        {
            bank.Dispose();
            throw new ModelFileException(path, $"its header is unreadable ({e.Message})", e);
        }
        if (ModelMetadataChecks.FirstProblem(metadata, rows, dimensions) is { } problem)
        {
            bank.Dispose();
            throw new ModelFileException(path, problem);
        }
        return (metadata, bank);
    }
}
