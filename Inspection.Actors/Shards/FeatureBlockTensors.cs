using Inspection.Actors.Messages;
using Inspection.Engine.Native;
using static TorchSharp.torch;

namespace Inspection.Actors.Shards;

/// <summary>Feature blocks to and from tensors, for the actors that compute (messages themselves stay plain data).</summary>
public static class FeatureBlockTensors
{
    /// <summary>A 2-D tensor (any device) to a block.</summary>
    public static FeatureBlock ToBlock(this Tensor matrix, FeaturePrecision precision = FeaturePrecision.Float32)
    {
        // One block copy of the bytes in the block's format (libtorch converts to half precision, rounding to nearest even
        // as .NET's Half does); the scope releases the conversions' tensors.
        using var scope = NewDisposeScope();
        var type = precision == FeaturePrecision.Float32 ? ScalarType.Float32 : ScalarType.Float16;
        var host = matrix.to(type).cpu().contiguous();
        return new FeatureBlock((int)matrix.shape[0], (int)matrix.shape[1], precision, matrix.numel() == 0 ? [] : host.bytes.ToArray());
    }

    /// <summary>
    /// The values as a float32 [Rows, Columns] tensor on <paramref name="device"/>: one copy of the bytes into the host
    /// tensor (half precision is widened by libtorch), never through an intermediate .NET array, which for a batch's
    /// patches would be megabytes of large-object heap per query.
    /// </summary>
    public static Tensor ToTensor(this FeatureBlock block, Device device)
    {
        using var scope = NewDisposeScope();
        var type = block.Precision == FeaturePrecision.Float32 ? ScalarType.Float32 : ScalarType.Float16;
        var host = empty([block.Rows, block.Columns], type);
        if (block.Data.Length > 0) block.Data.CopyTo(host.bytes);
        var values = type == ScalarType.Float32 ? host : host.to(ScalarType.Float32);
        return DeviceTransfer.ToDevice(values, device).MoveToOuterDisposeScope();
    }
}
