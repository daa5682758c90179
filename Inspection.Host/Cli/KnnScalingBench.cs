using System.Diagnostics;
using Inspection.Engine.PatchCore;
using TorchSharp;
using static TorchSharp.torch;
using Inspection.Engine.Native;
using Inspection.Engine.Search;

namespace Inspection.Host.Cli;

/// <summary>
/// Exact 1-NN cost against bank size: random banks of N x D on the device, the patches of one image (or a batch) as
/// queries, the engine's chunked search. Random data costs the same as real data here: the work does not depend on values.
/// </summary>
public static class KnnScalingBench
{
    public sealed record Row(long BankSize, int Images, double MsPerBatch, double ImagesPerSecond, double TeraFlops);

    /// <summary>
    /// One image against a random bank of <paramref name="rows"/> vectors written to a temporary file and searched
    /// memory-mapped (<see cref="NearestNeighbourSearch.FromFile"/>); the file is deleted afterwards.
    /// </summary>
    public static (Row Row, double AnonymousMemoryGb) RunMapped(long rows, int dims, int patchesPerImage, long budgetBytes)
    {
        string path = Path.Combine(Path.GetTempPath(), $"inspection-bank-{Environment.ProcessId}.f32");
        try
        {
            using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 22))
            using (var generator = new Generator(1))
                for (long start = 0; start < rows; start += 100_000)
                {
                    using var block = randn([Math.Min(100_000, rows - start), dims], generator: generator);
                    file.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(HostArrays.ToArray<float>(block).AsSpan()));
                }
            using var search = NearestNeighbourSearch.FromFile(path, rows, dims, budgetBytes);
            using var queries = randn(patchesPerImage, dims);
            var clock = Stopwatch.StartNew();
            var (d, i) = search.Search(queries, 1);
            double ms = clock.Elapsed.TotalMilliseconds;
            d.Dispose();
            i.Dispose();
            double anonymousKb = File.ReadLines("/proc/self/status").Where(l => l.StartsWith("RssAnon:", StringComparison.Ordinal))
                .Select(l => double.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1])).FirstOrDefault();
            return (new Row(rows, 1, ms, 1000 / ms, 2.0 * patchesPerImage * rows * dims / (ms / 1000) / 1e12), anonymousKb / 1024 / 1024);
        }
        finally
        {
            File.Delete(path);
        }
    }

    public static List<Row> Run(IReadOnlyList<long> bankSizes, int dims, int patchesPerImage, int images, Device device, string precision, long budgetBytes)
    {
        var rows = new List<Row>();
        var dtype = ComputePrecision.ToScalarType(precision);
        foreach (long n in bankSizes)
        {
            using var scope = NewDisposeScope();
            var bank = randn(n, dims, device: device);
            using var search = new NearestNeighbourSearch(bank, budgetBytes, dtype);
            var queries = randn(patchesPerImage * images, dims, device: device);
            var times = new List<double>();
            for (int run = 0; run < 4; run++)
            {
                using var runScope = NewDisposeScope();
                var clock = Stopwatch.StartNew();
                var (d, _) = search.Search(queries, 1);
                if (device.type == DeviceType.CUDA) cuda.synchronize(device);
                else d.data<float>()[0].ToString(); // CPU work is synchronous already; touch the result anyway
                if (run > 0) times.Add(clock.Elapsed.TotalMilliseconds); // run 0 warms up
            }
            times.Sort();
            double ms = times[times.Count / 2];
            double flops = 2.0 * patchesPerImage * images * n * dims;
            rows.Add(new Row(n, images, ms, images / (ms / 1000), flops / (ms / 1000) / 1e12));
        }
        return rows;
    }
}
