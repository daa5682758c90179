using Inspection.Actors.Hosting;
using Inspection.Engine.Backbones;
using Inspection.Engine.Native;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Inspection.Host.Api;

/// <summary>
/// A gpu node is ready once its backbone loads on its device: built once at start, off the request and actor threads
/// (the embedded ResNet18 is converted on first use), so the first frame does not pay for it and a node whose device
/// or weights cannot work says so in /healthz/ready.
/// </summary>
public sealed class BackboneWarmup
{
    private volatile string? _problem = "the backbone is loading";
    private volatile bool _ready;
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the warm-up has ended, loaded or not.</summary>
    public Task Done => _done.Task;

    public void Start(InspectionNodeOptions node) => Task.Run(() =>
    {
        try
        {
            var device = ComputeDevice.Resolve(node.Device);
            BackboneFactory.Create(node.Training.Backbone, node.Training.Layers, device, node.Training.BackboneWeights, precision: node.Training.Precision).Dispose();
            _problem = null;
            _ready = true;
        }
        catch (Exception e) when (e is not OutOfMemoryException) { _problem = $"the backbone does not load: {e.Message}"; }
        finally { _done.TrySetResult(); }
    });

    public HealthCheckResult Health() => _ready ? HealthCheckResult.Healthy("backbone loaded") : HealthCheckResult.Unhealthy(_problem);
}
