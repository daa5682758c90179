using System.Security.Cryptography;
using System.Text;

namespace Inspection.Host.Api;

/// <summary>
/// The keys the API accepts. Keys are compared as SHA-256 digests with a constant-time comparison, so neither the
/// length nor the content of a key can be learnt from response times; a key is named in logs and audit records by the
/// start of its digest, never by itself.
/// </summary>
public sealed class ApiKeys
{
    public const int MinimumLength = 16;
    private readonly List<byte[]> _digests;

    public ApiKeys(IEnumerable<string> keys) => _digests = keys.Select(Digest).ToList();

    /// <summary>The name of the accepted key equal to <paramref name="candidate"/>, or null.</summary>
    public string? Match(string candidate)
    {
        var digest = Digest(candidate);
        string? found = null;
        // Every key is compared, match or not, so the time taken does not say which one matched.
        foreach (var d in _digests)
            if (CryptographicOperations.FixedTimeEquals(d, digest)) found = NameOf(d);
        return found;
    }

    public static string NameOf(string key) => NameOf(Digest(key));

    private static string NameOf(byte[] digest) => "key-" + Convert.ToHexString(digest, 0, 4).ToLowerInvariant();

    private static byte[] Digest(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>A new random key: 32 bytes, base64url.</summary>
    public static string Generate() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>
    /// The key stored in the data folder by an earlier start, or a new one stored there (readable by the owner only).
    /// Returns the key and whether it was just made.
    /// </summary>
    public static (string Key, bool Created) LoadOrCreate(string dataDir)
    {
        string path = Path.Combine(dataDir, "api-key");
        if (File.Exists(path))
        {
            string stored = File.ReadAllText(path).Trim();
            if (stored.Length >= MinimumLength) return (stored, false);
            throw new ArgumentException($"the API key stored in '{path}' is shorter than {MinimumLength} characters: delete the file to have a new one made, or give --api-key.");
        }
        string key = Generate();
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var file = new StreamWriter(path, Encoding.ASCII, options)) file.WriteLine(key);
        return (key, true);
    }
}
