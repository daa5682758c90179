using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Remote.Hosting;
using Akka.Remote.Transport.DotNetty;

namespace Inspection.Actors.Hosting;

/// <summary>
/// Akka.Remote over TLS with the cluster's certificate (a PKCS#12 file holding the certificate and its private key):
/// every connection is mutually authenticated, and a peer is accepted only if it presents that certificate or one of
/// <see cref="TrustedThumbprints"/> (certificates are pinned, so the cluster needs no certificate authority and no
/// machine trust store). A node without it cannot join, nor send to any actor: its handshake is refused before a
/// message is read. Node addresses become <c>akka.ssl.tcp://inspection@host:port</c>.
/// </summary>
public sealed record ClusterTls(string CertificatePath, string? Password = null, IReadOnlyList<string>? TrustedThumbprints = null)
{
    public const string Protocol = "akka.ssl.tcp";

    /// <summary>Why the certificate file cannot serve as this node's (null when it can): missing, unreadable, wrong password, no private key.</summary>
    public string? Problem()
    {
        if (!File.Exists(CertificatePath)) return $"'{CertificatePath}' does not exist";
        try
        {
            using var certificate = Load();
            if (!certificate.HasPrivateKey) return $"'{CertificatePath}' holds no private key (export the certificate with its key, as PKCS#12)";
            if (certificate.NotAfter < DateTime.Now) return $"the certificate in '{CertificatePath}' expired on {certificate.NotAfter:yyyy-MM-dd}";
            return null;
        }
        catch (CryptographicException e)
        {
            return $"'{CertificatePath}' is not a PKCS#12 certificate file this password opens ({e.Message.Trim()})";
        }
    }

    public X509Certificate2 Load() => X509CertificateLoader.LoadPkcs12FromFile(CertificatePath, Password, X509KeyStorageFlags.EphemeralKeySet);

    /// <summary>
    /// The transport's TLS as Akka.Hosting's typed options (enable-ssl and the setup it builds from them): mutual
    /// authentication, certificates pinned to this node's own and the trusted ones, no host-name check (pinning
    /// replaces it; nodes are reached by address).
    /// </summary>
    public SslOptions Ssl()
    {
        var certificate = Load();
        string[] pinned = [certificate.Thumbprint, .. TrustedThumbprints ?? []];
        return new SslOptions
        {
            X509Certificate = certificate,
            SuppressValidation = false,
            RequireMutualAuthentication = true,
            ValidateCertificateHostname = false,
            CustomValidator = CertificateValidation.PinnedCertificate(pinned),
        };
    }
}
