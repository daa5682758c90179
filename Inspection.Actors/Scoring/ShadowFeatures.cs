using Inspection.Actors.Messages;

namespace Inspection.Actors.Scoring;

/// <summary>
/// How a shadow gets its features. A version that computes the active version's features (same backbone, layers,
/// weights, precision and input size, neither tiled) scores the active version's patch features of each sampled batch:
/// no second extraction. Any other version (another backbone or input size, or a tiled line on either side) has the
/// sampled frames extracted again with its own settings, which costs a second pass through a backbone.
/// </summary>
public static class ShadowFeatures
{
    /// <summary>Whether <paramref name="shadow"/> scores the features <paramref name="active"/> computes anyway.</summary>
    public static bool Shared(ModelDeployment active, ModelDeployment shadow) =>
        !active.Tiled && !shadow.Tiled
        && active.Backbone == shadow.Backbone && active.Layers.SequenceEqual(shadow.Layers) && active.BackboneWeights == shadow.BackboneWeights
        && active.Precision == shadow.Precision && active.Dimensions == shadow.Dimensions
        && active.ImageSize == shadow.ImageSize && active.InputWidth == shadow.InputWidth;

    /// <summary>Whether a batch (or request) of the active version also goes to its shadow, with the shadow's sample probability.</summary>
    public static bool Sampled(ModelDeployment active) =>
        active.Shadow != null && active.ShadowSample > 0 && (active.ShadowSample >= 1 || Random.Shared.NextDouble() < active.ShadowSample);
}
