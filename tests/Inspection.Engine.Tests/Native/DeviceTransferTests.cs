using Inspection.Engine.Native;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Inspection.Engine.Tests.Native;

/// <summary>
/// The transfer helpers on the devices this machine has (the CPU here; CUDA too where a CUDA libtorch is configured):
/// values arrive unchanged and the results stay valid after their sources are freed, as the callers rely on.
/// </summary>
public class DeviceTransferTests
{
    private static IEnumerable<Device> Devices()
    {
        LibTorchLoader.EnsureLoaded();
        yield return CPU;
        if (cuda.is_available()) yield return new Device(DeviceType.CUDA, 0);
    }

    [Fact]
    public void Upload_and_download_keep_values_and_outlive_their_sources()
    {
        foreach (var device in Devices())
        {
            manual_seed(7);
            var expected = randn(33, 17);
            var bytes = randint(0, 256, [2, 5, 3], dtype: ScalarType.Byte);
            var onDevice = DeviceTransfer.ToDevice(expected, device);
            var bytesOnDevice = DeviceTransfer.ToDevice(bytes, device);
            Assert.Equal(device.type, onDevice.device.type);
            var indices = arange(10, device: device) * 3;
            var back = DeviceTransfer.ToHost(onDevice * 2, bytesOnDevice, indices);
            onDevice.Dispose();
            bytesOnDevice.Dispose();
            indices.Dispose();
            Assert.All(back, t => Assert.Equal(DeviceType.CPU, t.device.type));
            Assert.Equal((expected * 2).data<float>().ToArray(), back[0].data<float>().ToArray());
            Assert.Equal(bytes.data<byte>().ToArray(), back[1].data<byte>().ToArray());
            Assert.Equal(Enumerable.Range(0, 10).Select(i => 3L * i).ToArray(), back[2].data<long>().ToArray());
            foreach (var t in back) t.Dispose();
            expected.Dispose();
            bytes.Dispose();
        }
    }
}
