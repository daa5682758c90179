using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using static TorchSharp.torch;

namespace Inspection.Engine.PatchCore;

/// <summary>
/// Full-dimension training patches parked on disk while the coreset is chosen from their projections, so that training
/// on thousands of images never holds the whole patch bank in memory; only the selected rows are read back.
/// </summary>
internal sealed class PatchSpillFile : IDisposable
{
    private readonly SafeFileHandle _file;
    private readonly int _dimensions;
    private long _rows;

    public PatchSpillFile(int dimensions)
    {
        _dimensions = dimensions;
        string path = Path.Combine(Path.GetTempPath(), $"inspection-patches-{Environment.ProcessId}-{Guid.NewGuid():N}.f32");
        _file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, FileOptions.DeleteOnClose);
    }

    public long Rows => _rows;

    public void Append(ReadOnlySpan<float> rows)
    {
        RandomAccess.Write(_file, MemoryMarshal.AsBytes(rows), _rows * _dimensions * 4);
        _rows += rows.Length / _dimensions;
    }

    /// <summary>
    /// The given rows, in the order given, as one [count x dimensions] float32 tensor on the CPU (caller owns it), filled
    /// 4 MB at a time, so a bank larger than any array can be gathered.
    /// </summary>
    public Tensor Gather(IReadOnlyList<long> rows)
    {
        int rowBytes = _dimensions * 4;
        int rowsPerBlock = Math.Max(1, (1 << 22) / rowBytes);
        var result = empty([rows.Count, _dimensions], dtype: ScalarType.Float32);
        try
        {
            for (int first = 0; first < rows.Count; first += rowsPerBlock)
            {
                int count = Math.Min(rowsPerBlock, rows.Count - first);
                // The block's bytes are a span over the tensor's memory: rows are read into place.
                using var block = result.narrow(0, first, count);
                var bytes = block.bytes;
                for (int i = 0; i < count; i++)
                {
                    long row = rows[first + i];
                    int read = RandomAccess.Read(_file, bytes.Slice(i * rowBytes, rowBytes), row * rowBytes);
                    if (read != rowBytes) throw new IOException($"Patch spill file ended early at row {row}.");
                }
            }
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    public void Dispose() => _file.Dispose();
}
