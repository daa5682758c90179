using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Inspection.Engine.Native;

/// <summary>
/// Loads libtorch and TorchSharp's native bridge before TorchSharp initialises itself, so that
/// (a) the CPU build from the TorchSharp-cpu package works on hosts whose libstdc++ is older than the one it was
///     linked against (see <see cref="ElfVersionPatcher"/>), and
/// (b) an existing libtorch installation (for example PyTorch's <c>torch/lib</c> with CUDA) can be used instead of the
///     packaged CPU build, named by <see cref="LibTorchFolderVariable"/>.
/// glibc resolves later <c>dlopen("libtorch.so")</c> and DT_NEEDED entries by SONAME against libraries already
/// loaded, so whatever we load here first is what TorchSharp ends up using.
/// </summary>
public static class LibTorchLoader
{
    /// <summary>Environment variable naming a folder that holds libtorch.so, libc10.so and libtorch_cpu.so (and CUDA parts).</summary>
    public const string LibTorchFolderVariable = "INSPECTION_LIBTORCH";
    private const string MissingGlibcxx = "GLIBCXX_3.4.32";
    private static readonly object Gate = new();
    private static string? _description;

    /// <summary>What was loaded, for logs and the bench report. Null until <see cref="EnsureLoaded"/> ran.</summary>
    public static string? Description => _description;

    /// <summary>Idempotent; call before the first use of TorchSharp. <paramref name="libTorchFolder"/> overrides the environment.</summary>
    public static void EnsureLoaded(string? libTorchFolder = null, ILogger? logger = null)
    {
        logger ??= NullLogger.Instance;
        lock (Gate)
        {
            if (_description != null) return;
            if (!OperatingSystem.IsLinux())
            {
                _description = "platform default (no native preloading outside Linux)";
                return;
            }
            string openMp = OpenMpSpinWait.Apply(); // before libgomp is loaded with libtorch
            string appFolder = NativeFolderOfPackage();
            string? external = libTorchFolder ?? Environment.GetEnvironmentVariable(LibTorchFolderVariable);
            string torchFolder = string.IsNullOrWhiteSpace(external) ? appFolder : Path.GetFullPath(external);
            if (!File.Exists(Path.Combine(torchFolder, "libtorch.so")))
                throw new InvalidOperationException(
                    $"No libtorch.so in '{torchFolder}'" + (external != null ? $" (set by {LibTorchFolderVariable})" : "") + ".");

            if (torchFolder != appFolder && File.Exists(Path.Combine(appFolder, "libtorch_cpu.so")))
                throw new InvalidOperationException(
                    $"{LibTorchLoader.LibTorchFolderVariable} names '{torchFolder}', but this build also ships a libtorch in '{appFolder}': " +
                    "TorchSharp would load both and abort. Build with -p:TorchBackend=external (or pack with scripts/gpu-check.sh).");
            // Order matters: each library's DT_NEEDED entries must already be resident.
            var handles = new Dictionary<string, IntPtr>(StringComparer.Ordinal);
            foreach (var name in new[] { "libc10.so", "libc10_cuda.so", "libtorch_cpu.so", "libtorch_cuda.so", "libtorch.so" })
            {
                var path = Path.Combine(torchFolder, name);
                if (File.Exists(path)) handles[name] = NativeLibrary.Load(path);
            }

            string bridge = Path.Combine(appFolder, "libLibTorchSharp.so");
            string original = bridge;
            if (!File.Exists(bridge))
                throw new InvalidOperationException($"TorchSharp's native bridge libLibTorchSharp.so is missing from '{appFolder}'.");
            if (!HostLibStdCxxHas(MissingGlibcxx))
            {
                string copy = WeakenedCopy(bridge);
                logger.LogDebug("Host libstdc++ lacks {Version}: loading {Copy} with that requirement marked weak", MissingGlibcxx, copy);
                bridge = copy;
            }
            handles["libLibTorchSharp.so"] = NativeLibrary.Load(bridge);
            // TorchSharp also loads these by name from its own package folder; a second copy of libtorch from another
            // file would register its operators twice and abort. Answer its lookups with what is loaded here.
            NativeLibrary.SetDllImportResolver(typeof(TorchSharp.torch).Assembly, (name, _, _) =>
            {
                string file = name.EndsWith(".so", StringComparison.Ordinal) ? name : name + ".so";
                if (!file.StartsWith("lib", StringComparison.Ordinal)) file = "lib" + file;
                return handles.TryGetValue(file, out var handle) ? handle : IntPtr.Zero;
            });
            _description = $"libtorch from {torchFolder}" + (bridge == original ? "" : " (bridge with weakened GLIBCXX_3.4.32)") + $"; {openMp}";
            logger.LogDebug("Native libtorch ready: {Description}", _description);
        }
    }

    /// <summary>The folder holding the packaged native libraries: the app folder, or runtimes/linux-x64/native under it.</summary>
    private static string NativeFolderOfPackage()
    {
        string baseDir = AppContext.BaseDirectory;
        foreach (var candidate in new[] { baseDir, Path.Combine(baseDir, "runtimes", "linux-x64", "native") })
            if (File.Exists(Path.Combine(candidate, "libLibTorchSharp.so"))) return candidate;
        // Fall back to where TorchSharp.dll itself lives (tests with shadow copies).
        var torchAssembly = typeof(TorchSharp.torch).Assembly.Location;
        return Path.GetDirectoryName(torchAssembly) ?? baseDir;
    }

    /// <summary>True when the libstdc++ this process already uses defines <paramref name="version"/>.</summary>
    private static bool HostLibStdCxxHas(string version)
    {
        string? path = File.ReadLines("/proc/self/maps")
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(parts => parts.Length >= 6 && parts[5].Contains("libstdc++.so"))
            .Select(parts => parts[5])
            .FirstOrDefault();
        if (path == null)
        {
            // Nothing mapped yet: ask the loader where it finds it.
            if (!NativeLibrary.TryLoad("libstdc++.so.6", out _)) return true;
            return HostLibStdCxxHas(version);
        }
        var bytes = File.ReadAllBytes(path);
        var needle = Encoding.ASCII.GetBytes(version + "\0");
        return bytes.AsSpan().IndexOf(needle) >= 0;
    }

    /// <summary>A private, cached copy of the bridge whose GLIBCXX_3.4.32 requirement is weak.</summary>
    private static string WeakenedCopy(string original)
    {
        var info = new FileInfo(original);
        string key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{info.FullName}|{info.Length}|{info.LastWriteTimeUtc.Ticks}")))[..16];
        string folder = Path.Combine(InspectionPaths.CacheFolder, "native", key);
        string target = Path.Combine(folder, "libLibTorchSharp.so");
        if (File.Exists(target)) return target;
        Directory.CreateDirectory(folder);
        var bytes = File.ReadAllBytes(original);
        if (ElfVersionPatcher.MarkVersionWeak(bytes, MissingGlibcxx) == 0)
            return original; // nothing to weaken: this build does not ask for it
        // Write then rename, so a concurrent process never loads a half-written library.
        string temp = target + "." + Environment.ProcessId + ".tmp";
        File.WriteAllBytes(temp, bytes);
        File.Move(temp, target, overwrite: true);
        return target;
    }
}
