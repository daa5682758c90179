using TorchSharp;
using static TorchSharp.torch;

namespace Inspection.Engine.Native;

/// <summary>
/// Copies between the host and the compute device. On CUDA, small per-batch uploads are staged in page-locked (pinned)
/// memory and queued without blocking, so the host thread goes on queuing the batch's kernels while the copy engine
/// works; results come back the same way, several tensors into pinned memory with one wait for all of them instead of
/// a blocking pageable copy, and a wait, per tensor. On the CPU these are plain handles on the same memory.
/// </summary>
/// <remarks>
/// Freeing the pinned staging tensor right after queuing the copy is safe: libtorch's pinned-memory allocator records
/// the copy on its stream and reuses the block only after the copy has finished.
/// </remarks>
public static class DeviceTransfer
{
    /// <summary>A new tensor on <paramref name="device"/> with the values of <paramref name="host"/> (a CPU tensor).</summary>
    public static Tensor ToDevice(Tensor host, Device device)
    {
        if (device.type != DeviceType.CUDA) return host.to(device);
        using var pinned = host.pin_memory();
        return pinned.to(device, non_blocking: true);
    }

    /// <summary>
    /// CPU tensors holding the values of <paramref name="tensors"/>, all copied before this returns: on CUDA the copies
    /// are queued together and the device is waited for once.
    /// </summary>
    public static Tensor[] ToHost(params Tensor[] tensors)
    {
        var results = new Tensor[tensors.Length];
        var waitFor = new HashSet<int>();
        for (int i = 0; i < tensors.Length; i++)
        {
            if (tensors[i].device.type == DeviceType.CUDA)
            {
                waitFor.Add(tensors[i].device_index);
                // A non-blocking copy to the CPU lands in pinned memory; it is complete only after the wait below.
                results[i] = tensors[i].to(CPU, non_blocking: true);
            }
            else
            {
                results[i] = tensors[i].alias();
            }
        }
        foreach (int index in waitFor) cuda.synchronize(new Device(DeviceType.CUDA, index));
        return results;
    }
}
