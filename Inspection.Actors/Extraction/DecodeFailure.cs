using Inspection.Engine.Imaging;

namespace Inspection.Actors.Extraction;

/// <summary>The one text an extractor gives for a frame that did not decode, whole or tiled.</summary>
public static class DecodeFailure
{
    /// <summary>Why a frame did not decode: the decoder's own reason, or the exception's with the frame's name.</summary>
    public static string Reason(Exception e, string source) => e is ImageReadException ? e.Message : $"decoding {source} failed: {e.Message}";
}
