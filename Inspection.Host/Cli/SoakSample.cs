using System.Globalization;

namespace Inspection.Host.Cli;

/// <summary>
/// One sample of a soak run (<see cref="SoakCommand"/>): the server process's memory, threads and open files, the
/// bytes its data takes on disk, the latency of the frames answered since the sample before, and the frames so far.
/// A figure that could not be read is NaN (or -1 for counts).
/// </summary>
public sealed record SoakSample(double Seconds, double RssMb, double HeapMb, int Threads, int FileDescriptors, double ImagesMb, double DatabaseMb,
    double P50Ms, double P99Ms, long Scored, long Failed, long Dropped, long Retained, long RemovedByAge, long RemovedBySize)
{
    public const string Header = "seconds,rss_mb,heap_mb,threads,fds,images_mb,database_mb,p50_ms,p99_ms,scored,failed,dropped,results_kept,removed_by_age,removed_by_size";

    public string Csv() => string.Join(',', new object[]
    {
        Seconds, RssMb, HeapMb, Threads, FileDescriptors, ImagesMb, DatabaseMb, P50Ms, P99Ms, Scored, Failed, Dropped, Retained, RemovedByAge, RemovedBySize,
    }.Select(v => v is double d ? d.ToString("0.###", CultureInfo.InvariantCulture) : Convert.ToString(v, CultureInfo.InvariantCulture)));

    public static SoakSample Parse(string line)
    {
        var f = line.Split(',');
        double D(int i) => double.Parse(f[i], CultureInfo.InvariantCulture);
        long L(int i) => long.Parse(f[i], CultureInfo.InvariantCulture);
        return new SoakSample(D(0), D(1), D(2), (int)L(3), (int)L(4), D(5), D(6), D(7), D(8), L(9), L(10), L(11), L(12), L(13), L(14));
    }
}
