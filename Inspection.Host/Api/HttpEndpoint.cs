using System.Net;

namespace Inspection.Host.Api;

/// <summary>The host:port form of the HTTP endpoint setting.</summary>
public static class HttpEndpoint
{
    public static (string Host, int Port) Parse(string value)
    {
        string text = value.StartsWith("http://", StringComparison.OrdinalIgnoreCase) ? value[7..].TrimEnd('/') : value;
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text[(colon + 1)..], out int port) || port is < 0 or > 65535)
            throw new ArgumentException($"'{value}' is not host:port with a port from 0 (a free one) to 65535 (e.g. 127.0.0.1:8080)");
        string host = text[..colon].Trim('[', ']');
        return (host, port);
    }

    public static IPAddress Address(string host) =>
        host is "*" or "0.0.0.0" ? IPAddress.Any
        : host == "localhost" ? IPAddress.Loopback
        : IPAddress.TryParse(host, out var ip) ? ip
        : Dns.GetHostAddresses(host).FirstOrDefault() ?? throw new ArgumentException($"host '{host}' does not resolve");
}
