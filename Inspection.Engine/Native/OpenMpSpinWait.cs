using System.Runtime.InteropServices;

namespace Inspection.Engine.Native;

/// <summary>
/// Shortens how long libtorch's OpenMP threads spin after each parallel region. The CPU build of libtorch runs its
/// kernels on GNU OpenMP threads, which by default busy-wait for 300,000 iterations for the next region before they
/// sleep. The engine interleaves libtorch products with .NET parallel loops (the pruned kNN's scans, coreset steps,
/// shard searches, the actors) on the same cores, and the spinning threads take those cores away from them. A spin
/// count of 10,000 made the pruned 1-NN faster than the default did; shorter spins or a passive wait policy slowed the
/// products themselves (docs/benchmark-history.md, 'Design measurements quoted in code before 2026-12-05').
/// </summary>
/// <remarks>
/// libgomp reads its settings once, when it is loaded, from the native environment (which
/// <see cref="Environment.SetEnvironmentVariable(string, string)"/> does not change on Unix), so this calls libc's
/// <c>setenv</c> before libtorch is loaded. A user's own <c>GOMP_SPINCOUNT</c> or <c>OMP_WAIT_POLICY</c> is left alone.
/// </remarks>
internal static class OpenMpSpinWait
{
    public const string SpinCountVariable = "GOMP_SPINCOUNT";
    public const string WaitPolicyVariable = "OMP_WAIT_POLICY";
    public const string SpinCount = "10000";

    /// <summary>Sets <see cref="SpinCountVariable"/> unless the user set it or a wait policy; returns what applies.</summary>
    public static string Apply()
    {
        string? own = Environment.GetEnvironmentVariable(SpinCountVariable);
        string? policy = Environment.GetEnvironmentVariable(WaitPolicyVariable);
        if (own != null || policy != null)
            return $"OpenMP wait left as set: {SpinCountVariable}={own ?? "(unset)"}, {WaitPolicyVariable}={policy ?? "(unset)"}";
        try
        {
            if (setenv(SpinCountVariable, SpinCount, 0) != 0)
                return $"OpenMP spin count not set (setenv failed with errno {Marshal.GetLastPInvokeError()})";
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return $"OpenMP spin count not set (no glibc setenv: {e.GetType().Name})"; // e.g. a musl-based image
        }
        Environment.SetEnvironmentVariable(SpinCountVariable, SpinCount); // keep .NET's copy in step, for child processes
        return $"OpenMP {SpinCountVariable}={SpinCount}";
    }

    [DllImport("libc.so.6", SetLastError = true)]
    private static extern int setenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);
}
