using System.Security.Cryptography;
using System.Text;

namespace Inspection.Host.Api;

/// <summary>
/// The keys the API accepts. Keys are compared as SHA-256 digests with a constant-time comparison, so neither the
/// length nor the content of a key can be learnt from response times. A key is named in logs and in the audit trail,
/// never shown: given as <c>NAME=KEY</c> (a name of letters, digits, '.', '_' and '-', starting with a letter) by that
/// name, otherwise by the start of its digest (<c>key-0a1b2c3d</c>).
/// </summary>
public sealed class ApiKeys
{
    public const int MinimumLength = 16;
    private static readonly System.Text.RegularExpressions.Regex Named = new("^([A-Za-z][A-Za-z0-9_.-]{0,39})=(.+)$");
    private readonly List<(byte[] Digest, string Name)> _keys;

    public ApiKeys(IEnumerable<string> keys) => _keys = keys.Select(Split).Select(k => (Digest(k.Secret), k.Name ?? NameOf(k.Secret))).ToList();

    /// <summary>A key as given: <c>NAME=KEY</c> gives its name and the key; anything else is the key itself, unnamed.</summary>
    public static (string? Name, string Secret) Split(string given) =>
        Named.Match(given) is { Success: true } m && m.Groups[2].Value.Length >= MinimumLength ? (m.Groups[1].Value, m.Groups[2].Value) : (null, given);

    /// <summary>The name of the accepted key equal to <paramref name="candidate"/>, or null.</summary>
    public string? Match(string candidate)
    {
        var digest = Digest(candidate);
        string? found = null;
        // Every key is compared, match or not, so the time taken does not say which one matched.
        foreach (var (d, name) in _keys)
            if (CryptographicOperations.FixedTimeEquals(d, digest)) found = name;
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
