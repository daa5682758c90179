namespace Inspection.Actors.Messages;

// A result's images, kept on the disk of the gpu node that scored its frame and read from another node on request.

/// <summary>One of a result's images: the frame as sent, the overlay, the coloured heatmap, the mask of pixels over the threshold.</summary>
public enum ResultImageKind
{
    Image = 0,
    Overlay = 1,
    Heatmap = 2,
    Mask = 3,
}

/// <summary>
/// Asks a gpu node for one image of a result whose overlay path (<see cref="StoredResult.HeatmapPath"/>) lies in its
/// results folder, drawn there if it was not yet.
/// </summary>
public sealed record GetResultImage(string OverlayPath, ResultImageKind Kind) : IQuery;

/// <summary>
/// The image's bytes and file name, or (Bytes null) why there are none: Held false when the path is not in this node's
/// results folder (another node has it), true when it is but the image cannot be had.
/// </summary>
public sealed record ResultImageAnswer(string OverlayPath, ResultImageKind Kind, bool Held, byte[]? Bytes, string? FileName, string? Problem) : IAnswer;

/// <summary>
/// Retention's order to every gpu node: delete the images of these results (overlay paths; those outside the node's
/// folder are another node's), and every file of the line's folder last written before Before (images whose result
/// row is gone or never came: older than anything the line keeps). Before default: none by age.
/// </summary>
public sealed record ForgetResultImages(string Line, IReadOnlyList<string> Paths, DateTimeOffset Before) : ICommand;
