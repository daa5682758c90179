namespace Inspection.Engine.Imaging;

/// <summary>
/// Sorts image files into those that decode and those that do not, before any work is spent on them: one corrupt,
/// empty or truncated file among hundreds of training images is skipped with its reason instead of ending the run.
/// </summary>
public static class ImageScreening
{
    public sealed record Unreadable(string Path, string Reason);

    /// <summary>Decodes every file (in parallel); keeps the order of the readable ones.</summary>
    public static (IReadOnlyList<string> Readable, IReadOnlyList<Unreadable> Unreadable) Screen(IReadOnlyList<string> paths)
    {
        var reasons = new string?[paths.Count];
        Parallel.For(0, paths.Count, i =>
        {
            try
            {
                using var bitmap = ImageDecoder.Decode(paths[i]);
            }
            catch (ImageReadException e)
            {
                reasons[i] = e.Message;
            }
        });
        var readable = new List<string>();
        var unreadable = new List<Unreadable>();
        for (int i = 0; i < paths.Count; i++)
            if (reasons[i] is { } reason) unreadable.Add(new Unreadable(paths[i], reason));
            else readable.Add(paths[i]);
        return (readable, unreadable);
    }
}
