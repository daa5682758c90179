using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;

namespace Inspection.Engine.Native;

/// <summary>Turns the configured device name (<c>cpu</c>, <c>cuda</c>, <c>cuda:N</c>, <c>auto</c>) into a torch device.</summary>
public static class ComputeDevice
{
    /// <summary>Environment variable read when no device is configured explicitly.</summary>
    public const string DeviceVariable = "INSPECTION_DEVICE";

    public static torch.Device Resolve(string? setting, ILogger? logger = null)
    {
        logger ??= NullLogger.Instance;
        LibTorchLoader.EnsureLoaded(logger: logger);
        string value = (setting ?? Environment.GetEnvironmentVariable(DeviceVariable) ?? "cpu").Trim().ToLowerInvariant();
        switch (value)
        {
            case "cpu":
                return torch.CPU;
            case "auto":
                if (CudaAvailable(out var why))
                    return new torch.Device(DeviceType.CUDA, 0);
                logger.LogInformation("Device 'auto' uses the CPU: {Reason}", why);
                return torch.CPU;
        }
        if (value == "cuda" || value.StartsWith("cuda:", StringComparison.Ordinal))
        {
            int index = 0;
            if (value.Length > 5 && !int.TryParse(value.AsSpan(5), out index))
                throw new ArgumentException($"Device '{setting}' is not valid: expected cuda:N with N a device number.");
            if (!CudaAvailable(out var reason))
                throw new InvalidOperationException($"Device '{value}' was requested but {reason}");
            int count = torch.cuda.device_count();
            if (index < 0 || index >= count)
                throw new ArgumentException($"Device '{value}' does not exist: this machine has {count} CUDA device(s).");
            return new torch.Device(DeviceType.CUDA, index);
        }
        throw new ArgumentException($"Device '{setting}' is not valid: use cpu, cuda, cuda:N or auto.");
    }

    private static bool CudaAvailable(out string reason)
    {
        try
        {
            if (torch.cuda.is_available()) { reason = ""; return true; }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            reason = $"CUDA could not be initialised ({e.Message}).";
            return false;
        }
        reason = $"no CUDA device is visible to the loaded libtorch ({LibTorchLoader.Description}); " +
                 $"set {LibTorchLoader.LibTorchFolderVariable} to a CUDA libtorch folder such as PyTorch's torch/lib.";
        return false;
    }
}
