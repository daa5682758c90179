using System.Runtime.InteropServices;
using Inspection.Engine.Native;
using TorchSharp;
using Xunit;

namespace Inspection.Engine.Tests.Native;

public class NativeLoadingTests
{
    [Fact]
    public void Libtorch_is_loaded_and_computes()
    {
        LibTorchLoader.EnsureLoaded();
        Assert.NotNull(LibTorchLoader.Description);
        using var x = torch.ones(2, 3);
        using var y = x.matmul(x.t());
        Assert.Equal(3f, y[0, 1].item<float>());
    }

    [SkippableFact]
    public void OpenMp_spin_count_is_in_the_native_environment_before_libtorch_starts_its_threads()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "libgomp and setenv: Linux only");
        LibTorchLoader.EnsureLoaded();
        // libgomp reads the native environment (getenv), not .NET's copy of it.
        string? native = Marshal.PtrToStringUTF8(getenv(OpenMpSpinWait.SpinCountVariable));
        if (Environment.GetEnvironmentVariable(OpenMpSpinWait.WaitPolicyVariable) is null)
        {
            Assert.NotNull(native);
            Assert.Equal(Environment.GetEnvironmentVariable(OpenMpSpinWait.SpinCountVariable), native);
        }
        Assert.Contains("OpenMP", LibTorchLoader.Description);
    }

    [DllImport("libc.so.6")]
    private static extern IntPtr getenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name);

    [SkippableFact]
    public void Weak_flag_is_set_on_the_named_version_requirement_only()
    {
        string bridge = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Skip.IfNot(File.Exists(bridge), "libLibTorchSharp.so not in the test output (not Linux x64)");
        var bytes = File.ReadAllBytes(bridge);
        var original = (byte[])bytes.Clone();
        Assert.Equal(1, ElfVersionPatcher.MarkVersionWeak(bytes, "GLIBCXX_3.4.32"));
        var changed = Enumerable.Range(0, bytes.Length).Where(i => bytes[i] != original[i]).ToList();
        Assert.Single(changed); // exactly one flags byte (vna_flags low byte) changed
        Assert.Equal(original[changed[0]] | 0x2, bytes[changed[0]]);
        Assert.Equal(0, ElfVersionPatcher.MarkVersionWeak(bytes, "GLIBCXX_9.9.99"));
    }

    [Fact]
    public void Non_elf_input_is_refused()
    {
        Assert.Throws<InvalidDataException>(() => ElfVersionPatcher.MarkVersionWeak(new byte[100], "GLIBCXX_3.4.32"));
    }

    [Theory]
    [InlineData("cpu")]
    [InlineData(" CPU ")]
    public void Cpu_device_resolves(string setting)
    {
        Assert.Equal(DeviceType.CPU, ComputeDevice.Resolve(setting).type);
    }

    [Fact]
    public void Auto_falls_back_to_cpu_without_cuda()
    {
        var device = ComputeDevice.Resolve("auto");
        Assert.Equal(torch.cuda.is_available() ? DeviceType.CUDA : DeviceType.CPU, device.type);
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:x")]
    public void Invalid_device_names_are_refused(string setting)
    {
        var e = Assert.Throws<ArgumentException>(() => ComputeDevice.Resolve(setting));
        Assert.Contains(setting, e.Message);
    }

    [SkippableFact]
    public void Cuda_request_without_cuda_says_how_to_get_it()
    {
        Skip.If(torch.cuda.is_available(), "CUDA is available here");
        var e = Assert.Throws<InvalidOperationException>(() => ComputeDevice.Resolve("cuda"));
        Assert.Contains(LibTorchLoader.LibTorchFolderVariable, e.Message);
    }
}
