using Microsoft.Win32.SafeHandles;

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
        RandomAccess.Write(_file, System.Runtime.InteropServices.MemoryMarshal.AsBytes(rows), _rows * _dimensions * 4);
        _rows += rows.Length / _dimensions;
    }

    /// <summary>The given rows, in the order given, as one [count x dimensions] array.</summary>
    public float[] Gather(IReadOnlyList<long> rows)
    {
        var result = new float[rows.Count * _dimensions];
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(result.AsSpan());
        int rowBytes = _dimensions * 4;
        for (int i = 0; i < rows.Count; i++)
        {
            var target = bytes.Slice(i * rowBytes, rowBytes);
            int read = RandomAccess.Read(_file, target, rows[i] * rowBytes);
            if (read != rowBytes) throw new IOException($"Patch spill file ended early at row {rows[i]}.");
        }
        return result;
    }

    public void Dispose() => _file.Dispose();
}
