using Akka.Actor;
using Akka.Cluster;
using Inspection.Actors.Messages;

namespace Inspection.Actors.Results;

/// <summary>
/// A result's images for the node that serves them (the HTTP API). They lie on the gpu node that scored the frame
/// (<see cref="ResultImagesActor"/>): read from this node's disk when they are in its own results folder (it scored the
/// frame), else asked of every other gpu node up, the one holding them answering with the bytes.
/// </summary>
/// <param name="folder">This node's results folder (null: it keeps none).</param>
public sealed class ResultImageSource(ActorSystem system, string? folder, TimeSpan timeout)
{
    public async Task<ResultImageAnswer> Get(string overlayPath, ResultImageKind kind, CancellationToken cancel)
    {
        if (ResultFiles.Within(folder, overlayPath) && await Task.Run(() => ResultImages.Read(overlayPath, kind), cancel) is { Held: true } here) return here;
        var cluster = Cluster.Get(system);
        var nodes = cluster.State.Members.Where(m => m.Status == MemberStatus.Up && m.HasRole("gpu") && m.Address != cluster.SelfAddress)
            .Select(m => m.Address).ToList();
        var answers = await Task.WhenAll(nodes.Select(node => Ask(node, new GetResultImage(overlayPath, kind), cancel)));
        return answers.FirstOrDefault(a => a?.Held == true)
               ?? new ResultImageAnswer(overlayPath, kind, false, null, null, nodes.Count == 0
                   ? "it is not kept (not on this node, and there is no other gpu node up to ask)"
                   : $"none of the {nodes.Count} other gpu node(s) up keeps it{(answers.Contains(null) ? $" ({answers.Count(a => a is null)} did not answer within {timeout.TotalSeconds:0.#} s)" : "")}");
    }

    /// <summary>Tells every gpu node up (this one too) to delete images of a line (retention).</summary>
    public static void Forget(ActorSystem system, ForgetResultImages forget)
    {
        foreach (var node in Cluster.Get(system).State.Members.Where(m => m.Status == MemberStatus.Up && m.HasRole("gpu")))
            system.ActorSelection(new RootActorPath(node.Address) / "user" / ResultImagesActor.Path.Split('/')).Tell(forget);
    }

    /// <returns>The node's answer; null when it did not answer in time.</returns>
    private async Task<ResultImageAnswer?> Ask(Address node, GetResultImage request, CancellationToken cancel)
    {
        var keeper = system.ActorSelection(new RootActorPath(node) / "user" / ResultImagesActor.Path.Split('/'));
        try { return await keeper.Ask<ResultImageAnswer>(request, timeout, cancel); }
        catch (AskTimeoutException) { return null; }
    }
}
