using System.Diagnostics.Metrics;
using Inspection.Actors.Diagnostics;

namespace Inspection.Actors.Storage;

/// <summary>
/// Watches the volumes of a node's data (its database, its result images) against two marks of used space. Above
/// <see cref="HighWater"/> the node keeps no more result images (results still flow, marked); above
/// <see cref="HardLimit"/> it refuses frames (nothing is half-written, nothing acknowledged and then lost). It reads
/// the volumes every <see cref="Interval"/> (and on <see cref="Refresh"/>), so it recovers by itself when space returns.
/// </summary>
public sealed class DiskGuard : IDisposable
{
    private static readonly Meter Meter = new(PipelineMetrics.MeterName);
    private static readonly List<DiskGuard> Live = [];
    private static readonly ObservableGauge<double> UsedGauge = Meter.CreateObservableGauge("inspection.disk.used", Measure, "1",
        "Used share of each data volume of this node (tag folder).");
    private static readonly ObservableGauge<int> StateGauge = Meter.CreateObservableGauge("inspection.disk.state", States, "1",
        "0: space enough; 1: above the high-water mark, result images not kept; 2: above the hard limit, frames refused.");

    private readonly IReadOnlyList<string> _folders;
    private readonly Timer _timer;
    private volatile DiskStatus _status = DiskStatus.Unknown;

    public double HighWater { get; }
    public double HardLimit { get; }
    public TimeSpan Interval { get; }

    /// <param name="folders">The node's data folders (they may lie on one volume or several; the fullest counts).</param>
    public DiskGuard(IEnumerable<string> folders, double highWater, double hardLimit, TimeSpan interval)
    {
        if (Problem(highWater, hardLimit) is { } problem) throw new ArgumentException(problem);
        _folders = folders.Distinct().ToList();
        HighWater = highWater;
        HardLimit = hardLimit;
        Interval = interval;
        Refresh();
        _timer = new Timer(_ => Refresh(), null, interval, interval);
        lock (Live) Live.Add(this);
    }

    /// <summary>Why these marks cannot be used (fractions of a volume), or null.</summary>
    public static string? Problem(double highWater, double hardLimit, string highName = "high-water mark", string hardName = "hard limit")
    {
        if (!(highWater > 0 && highWater <= 1)) return $"{highName} must be above 0 % and at most 100 %";
        if (!(hardLimit > 0 && hardLimit <= 1)) return $"{hardName} must be above 0 % and at most 100 %";
        if (highWater >= hardLimit) return $"{highName} ({highWater:0.##%}) must be below the {hardName} ({hardLimit:0.##%}): images stop before frames do";
        return null;
    }

    public DiskStatus Status => _status;

    /// <summary>Why a frame's images are not kept now; null: they may be.</summary>
    public string? ImagesProblem => _status.Level >= DiskLevel.ImagesStopped ? _status.Reason : null;

    /// <summary>Why frames are refused now; null: they are taken.</summary>
    public string? FramesProblem => _status.Level >= DiskLevel.Full ? _status.Reason : null;

    /// <summary>Reads the volumes now.</summary>
    public DiskStatus Refresh()
    {
        var spaces = _folders.Select(DiskSpace.Of).Where(s => s != null).Select(s => s!).ToList();
        var fullest = spaces.OrderByDescending(s => s.Used).FirstOrDefault();
        DiskStatus status;
        if (fullest == null) status = new DiskStatus(DiskLevel.Ok, null, spaces);
        else if (fullest.Used >= HardLimit)
            status = new DiskStatus(DiskLevel.Full, $"the data volume {fullest.Volume} (holding {fullest.Folder}) is {fullest.Used:0.#%} full, at or above its hard limit of {HardLimit:0.#%}: frames are refused until space returns", spaces);
        else if (fullest.Used >= HighWater)
            status = new DiskStatus(DiskLevel.ImagesStopped, $"the data volume {fullest.Volume} (holding {fullest.Folder}) is {fullest.Used:0.#%} full, above its high-water mark of {HighWater:0.#%}: result images are not kept", spaces);
        else status = new DiskStatus(DiskLevel.Ok, null, spaces);
        _status = status;
        return status;
    }

    public void Dispose()
    {
        _timer.Dispose();
        lock (Live) Live.Remove(this);
    }

    private static IEnumerable<Measurement<double>> Measure()
    {
        lock (Live)
            return Live.SelectMany(g => g._status.Spaces).Select(s => new Measurement<double>(s.Used, new KeyValuePair<string, object?>("folder", s.Folder))).ToList();
    }

    private static IEnumerable<Measurement<int>> States()
    {
        lock (Live) return Live.Select(g => new Measurement<int>((int)g._status.Level)).ToList();
    }
}
