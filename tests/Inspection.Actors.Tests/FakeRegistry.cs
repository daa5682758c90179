using Akka.Actor;
using Akka.TestKit;
using Inspection.Actors.Messages;

namespace Inspection.Actors.Tests;

/// <summary>A model registry that knows one line and its model, for tests of a line actor alone.</summary>
internal static class FakeRegistry
{
    /// <summary>A small model of one shard, named after the line a test uses.</summary>
    public static ModelDeployment Model(string line) =>
        new(line, "v1", 1, 100, 4, 1, "resnet18", ["layer2"], null, 64, 8, 4.0, 2f, 1f, 3f, 0.5f, 0f, 1f);

    public static IActorRef Knowing(TestProbe registry, ModelDeployment model)
    {
        registry.SetAutoPilot(new DelegateAutoPilot((sender, message) =>
        {
            if (message is GetDeployment) sender.Tell(model);
            if (message is GetLine g) sender.Tell(new LineDetails(g.Line, true, LineSettings.Default, model, []));
            return AutoPilot.KeepRunning;
        }));
        return registry.Ref;
    }
}
