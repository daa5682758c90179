using Inspection.Actors.Messages;

namespace Inspection.Actors.Scoring;

/// <summary>
/// Whether a version can shadow another: a shadow scores the active version's patch features of each frame (no second
/// extraction), so both must compute the same features: backbone, layers, weights, precision and input size. Tiled
/// lines have no shadow yet.
/// </summary>
public static class ShadowFeatures
{
    /// <summary>Why <paramref name="shadow"/> cannot shadow <paramref name="active"/>, or null.</summary>
    public static string? Problem(ModelDeployment active, ModelDeployment shadow)
    {
        if (active.Tiled || shadow.Tiled) return "a tiled line cannot have a shadow yet";
        if (active.Backbone != shadow.Backbone || !active.Layers.SequenceEqual(shadow.Layers) || active.BackboneWeights != shadow.BackboneWeights)
            return $"{shadow.Version} uses {Describe(shadow)} and {active.Version} {Describe(active)}: a shadow scores the active version's features, so both need the same backbone and layers";
        if (active.Precision != shadow.Precision || active.Dimensions != shadow.Dimensions)
            return $"{shadow.Version} computes {shadow.Dimensions} {shadow.Precision} features and {active.Version} {active.Dimensions} {active.Precision}: a shadow needs the active version's features";
        if (active.ImageSize != shadow.ImageSize || active.InputWidth != shadow.InputWidth)
            return $"{shadow.Version} takes {shadow.ImageSize}x{shadow.InputWidth} images and {active.Version} {active.ImageSize}x{active.InputWidth}: a shadow needs the active version's input size";
        return null;
    }

    private static string Describe(ModelDeployment d) => $"{d.Backbone} [{string.Join(", ", d.Layers)}]" + (d.BackboneWeights is { } w ? $" ({Path.GetFileName(w)})" : "");

    /// <summary>Whether a batch of the active version also goes to its shadow: each batch with the shadow's sample probability.</summary>
    public static bool Sampled(ModelDeployment active) =>
        active.Shadow != null && active.ShadowSample > 0 && (active.ShadowSample >= 1 || Random.Shared.NextDouble() < active.ShadowSample);
}
