using Inspection.Engine.Imaging;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Inspection.Host.Api;

/// <summary>
/// Uploaded training images: each file of a multipart request is checked (size, pixel count, that it decodes) and
/// saved under the data folder in MVTec layout (uploads/line/id/train/good), so training reads them as it reads a
/// server folder. Any bad file refuses the whole upload, naming the file, and nothing is kept.
/// </summary>
public static class Uploads
{
    public static async Task<(string? Folder, ProblemHttpResult? Problem)> Save(HttpRequest request, ServeSettings settings, string line, CancellationToken cancel)
    {
        if (request.ContentLength > settings.MaxUploadBytes)
            return (null, Problems.TooLarge($"the upload is {request.ContentLength} bytes; the limit is {settings.MaxUploadBytes} (MaxUploadBytes)"));
        IFormCollection form;
        try { form = await request.ReadFormAsync(new Microsoft.AspNetCore.Http.Features.FormOptions { MultipartBodyLengthLimit = settings.MaxUploadBytes }, cancel); }
        catch (InvalidDataException e) { return (null, e.Message.Contains("limit", StringComparison.OrdinalIgnoreCase) ? Problems.TooLarge(e.Message) : Problems.BadRequest($"the multipart body cannot be read: {e.Message}")); }
        catch (BadHttpRequestException e) { return (null, e.StatusCode == 413 ? Problems.TooLarge(e.Message) : Problems.BadRequest(e.Message)); }
        if (form.Files.Count == 0) return (null, Problems.BadRequest("the upload holds no files: send the images as multipart/form-data file parts"));
        string folder = Path.Combine(settings.UploadFolder, Uri.EscapeDataString(line), Guid.CreateVersion7().ToString("N"));
        string good = Path.Combine(folder, "train", "good");
        Directory.CreateDirectory(good);
        try
        {
            int index = 0;
            foreach (var file in form.Files)
            {
                using var buffer = new MemoryStream();
                await file.CopyToAsync(buffer, cancel);
                var bytes = buffer.ToArray();
                if (Images.Check(bytes, file.FileName, settings) is { } problem)
                {
                    Directory.Delete(folder, recursive: true);
                    return (null, problem);
                }
                string extension = ImageSignature.ExtensionOf(bytes, file.FileName);
                await File.WriteAllBytesAsync(Path.Combine(good, $"{index++:D5}{extension}"), bytes, cancel);
            }
            return (folder, null);
        }
        catch
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
            throw;
        }
    }

    /// <summary>
    /// A reviewed frame to be added to its line's model: saved like an upload (uploads/line/id/train/good), from the
    /// bytes the gpu node that scored it kept, so the training job reads it wherever those were; returns its path.
    /// </summary>
    public static async Task<string> SaveReviewed(ServeSettings settings, string line, string resultId, string fileName, byte[] bytes, CancellationToken cancel)
    {
        string good = Path.Combine(settings.UploadFolder, Uri.EscapeDataString(line), Guid.CreateVersion7().ToString("N"), "train", "good");
        Directory.CreateDirectory(good);
        string path = Path.Combine(good, resultId + ImageSignature.ExtensionOf(bytes, fileName));
        await File.WriteAllBytesAsync(path, bytes, cancel);
        return path;
    }
}
