using Akka.TestKit.Xunit2;
using Inspection.Actors.Messages;
using Inspection.Actors.Registry;
using Xunit;

namespace Inspection.Actors.Tests;

/// <summary>
/// A node's copy of the lines' deployments: what the registry answered is kept until the topic says otherwise, a new
/// version or threshold from the topic replaces it, and a deleted line is forgotten.
/// </summary>
public sealed class DeploymentCacheTests() : TestKit("akka.actor.provider = local\nakka.loglevel = WARNING")
{
    private static ModelDeployment Deployment(string version, float threshold = 1) =>
        new("press", version, 1, 100, 384, 9, "resnet18", ["layer2", "layer3"], null, 256, 32, 4.0, threshold, 0, 2, 1, 0, 2);

    [Fact]
    public void The_topics_news_replace_what_the_registry_answered_and_a_deleted_line_is_forgotten()
    {
        var cache = DeploymentCache.Start(Sys, "cache");
        var follower = Sys.ActorSelection("/user/cache");
        Assert.False(cache.TryGet("press", out _));
        cache.Offer(Deployment("v1"));
        Assert.True(cache.TryGet("press", out var first) && first.Version == "v1");

        follower.Tell(new DeploymentChanged(Deployment("v1", threshold: 3)));
        AwaitAssert(() => Assert.True(cache.TryGet("press", out var d) && d.ImageThreshold == 3));
        cache.Offer(Deployment("v1")); // an older answer does not undo the topic's news
        Assert.True(cache.TryGet("press", out var kept) && kept.ImageThreshold == 3);

        follower.Tell(new LineDeleted("press", true));
        AwaitAssert(() => Assert.False(cache.TryGet("press", out _)));
        cache.Offer(Deployment("v2"));
        cache.Forget("press");
        Assert.False(cache.TryGet("press", out _));
    }
}
