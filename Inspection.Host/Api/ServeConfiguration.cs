using System.CommandLine;
using Inspection.Actors.Hosting;
using Microsoft.Extensions.Configuration;

namespace Inspection.Host.Api;

/// <summary>
/// Reads <see cref="ServeSettings"/> from its sources with Microsoft.Extensions.Configuration, later sources winning
/// whole values (a list given on the command line replaces the file's, it does not merge by index): the JSON settings
/// file, then INSPECTION_* variables, then the command line. Then checks the result: any value serve could not run
/// with ends the command with one line naming the setting and its source.
/// </summary>
public static class ServeConfiguration
{
    public static ServeSettings Load(ParseResult result, IReadOnlyDictionary<ServeSettingKey, Option> options, Option<string?> settingsFile)
    {
        var sources = new List<(string Name, Func<ServeSettingKey, string[]?> Values)>();
        string? file = result.GetValue(settingsFile) ?? Variable(ServeSettingKey.SettingsFile.Environment);
        if (file != null)
        {
            if (!File.Exists(file)) throw new ArgumentException($"settings file '{file}' does not exist");
            IConfiguration json;
            try { json = new ConfigurationBuilder().AddJsonFile(Path.GetFullPath(file), optional: false).Build(); }
            catch (Exception e) when (e is FormatException or InvalidDataException or System.Text.Json.JsonException)
            { throw new ArgumentException($"settings file '{file}' is not valid JSON: {(e.InnerException ?? e).Message}"); }
            var known = ServeSettingKey.All.Select(k => k.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
            if (json.GetChildren().FirstOrDefault(c => !known.Contains(c.Key)) is { } unknown)
                throw new ArgumentException($"settings file '{file}' has the unknown key '{unknown.Key}' (known: {string.Join(", ", known)})");
            sources.Add(($"settings file {file}", k =>
            {
                var section = json.GetSection(k.Key);
                if (k.List) return section.GetChildren().Any() ? section.GetChildren().Select(c => c.Value ?? "").ToArray() : section.Value is { } one ? [one] : null;
                return section.Value is { } v ? [v] : null;
            }));
        }
        sources.Add(("environment", k => Variable(k.Environment) is { } v
            ? k.List ? v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [v]
            : null));
        sources.Add(("command line", k => options.TryGetValue(k, out var option) ? Given(result, option) : null));

        var values = new Dictionary<string, string?>();
        var origin = new Dictionary<string, string>();
        foreach (var key in ServeSettingKey.All)
            foreach (var (name, read) in sources)
                if (read(key) is { } given)
                {
                    origin[key.Key] = name == "environment" ? key.Environment : name == "command line" ? key.Flag : $"{key.Key} in {name}";
                    foreach (var old in values.Keys.Where(v => v == key.Key || v.StartsWith(key.Key + ":", StringComparison.Ordinal)).ToList()) values.Remove(old);
                    if (key.List) for (int i = 0; i < given.Length; i++) values[$"{key.Key}:{i}"] = given[i];
                    else values[key.Key] = given[0];
                }
        var settings = new ServeSettings();
        try { new ConfigurationBuilder().AddInMemoryCollection(values).Build().Bind(settings); }
        catch (InvalidOperationException e)
        {
            var key = ServeSettingKey.All.FirstOrDefault(k => e.Message.Contains($"'{k.Key}'", StringComparison.Ordinal) || e.Message.Contains(k.Key + ":", StringComparison.Ordinal));
            string where = key != null && origin.TryGetValue(key.Key, out var o) ? o : "a setting";
            throw new ArgumentException($"{where}: {(e.InnerException ?? e).Message}");
        }
        // Lists bind by appending to what a property holds, so list defaults are filled in after binding.
        if (!origin.ContainsKey(nameof(ServeSettings.Roles))) settings.Roles = [.. NodeConfigurationChecks.KnownRoles];
        Check(settings, k => origin.TryGetValue(k, out var o) ? o : ServeSettingKey.All.First(s => s.Key == k).Flag);
        return settings;
    }

    private static string[]? Given(ParseResult result, Option option)
    {
        var found = result.GetResult(option);
        if (found is null || found.Implicit) return null;
        if (option is Option<bool> flag) return [result.GetValue(flag).ToString()];
        var tokens = found.Tokens.Select(t => t.Value).ToArray();
        return tokens.Length > 0 ? tokens : null;
    }

    /// <summary>Refuses settings serve cannot run with; <paramref name="source"/> names where a key came from.</summary>
    private static void Check(ServeSettings s, Func<string, string> source)
    {
        string Named(string key) => source(key);
        if (s.Http != null)
        {
            try { HttpEndpoint.Parse(s.Http); }
            catch (ArgumentException e) { throw new ArgumentException($"{Named("Http")} {e.Message}"); }
        }
        if (string.IsNullOrWhiteSpace(s.DataDir)) throw new ArgumentException($"{Named("DataDir")} is empty");
        if (File.Exists(s.DataDir)) throw new ArgumentException($"{Named("DataDir")} '{s.DataDir}' is a file; the data folder must be a folder");
        foreach (var key in s.ApiKeys)
            if (key.Length < ApiKeys.MinimumLength)
                throw new ArgumentException($"{Named("ApiKeys")}: an API key is shorter than {ApiKeys.MinimumLength} characters (use a long random one, e.g. 'openssl rand -hex 24')");
        foreach (var root in s.FolderRoots)
            if (!Directory.Exists(root)) throw new ArgumentException($"{Named("FolderRoots")} '{root}' is not an existing folder");
        if (s.Roles.Length == 0) throw new ArgumentException($"{Named("Roles")} is empty: give api, ingest and/or gpu");
        foreach (var role in s.Roles)
            if (!NodeConfigurationChecks.KnownRoles.Contains(role))
                throw new ArgumentException($"{Named("Roles")} '{role}' is not a role: use {string.Join(", ", NodeConfigurationChecks.KnownRoles)}");
        if (s.Tls?.Problem() is { } tls) throw new ArgumentException($"{Named("TlsCertificate")}: {tls}");
        string protocol = s.Tls is null ? "akka.tcp" : ClusterTls.Protocol;
        foreach (var seed in s.Seeds)
            if (NodeConfigurationChecks.SeedNodeProblem(seed, InspectionNodeOptions.DefaultSystemName, protocol) is { } problem)
                throw new ArgumentException($"{Named("Seeds")} '{seed}' cannot be used: {problem}");
        if (s.Port is < 0 or > 65535) throw new ArgumentException($"{Named("Port")} {s.Port} is not a port (1 to 65535, or 0 for a free one)");
        if (s.Persistence == PersistenceBackend.PostgreSql && NodeConfigurationChecks.DatabaseProblem(s.Persistence, s.Postgres!) is { } db)
            throw new ArgumentException($"{Named("Postgres")} cannot be used: {db}"); // not repeated: it holds a password
        if (s.Mqtt != null)
        {
            try { if (HttpEndpoint.Parse(s.Mqtt).Port == 0) throw new ArgumentException("port 0"); }
            catch (ArgumentException) { throw new ArgumentException($"{Named("Mqtt")} '{s.Mqtt}' is not host:port of an MQTT broker (e.g. 127.0.0.1:1883)"); }
        }
        if (s.MaxFrameBytes < 1) throw new ArgumentException($"{Named("MaxFrameBytes")} {s.MaxFrameBytes} must be at least 1");
        if (s.MaxUploadBytes < 1) throw new ArgumentException($"{Named("MaxUploadBytes")} {s.MaxUploadBytes} must be at least 1");
        if (s.MaxPixels < 1) throw new ArgumentException($"{Named("MaxPixels")} {s.MaxPixels} must be at least 1");
        if (s.MaxInFlight is < 1 or > 100_000) throw new ArgumentException($"{Named("MaxInFlight")} {s.MaxInFlight} is out of range: 1 to 100000");
        if (!(s.FrameDeadlineSeconds >= 0.1 && s.FrameDeadlineSeconds <= 3600))
            throw new ArgumentException($"{Named("FrameDeadlineSeconds")} {s.FrameDeadlineSeconds} is out of range: 0.1 to 3600 seconds");
        if (s.BackboneWeights != null && !File.Exists(s.BackboneWeights))
            throw new ArgumentException($"{Named("BackboneWeights")} '{s.BackboneWeights}' does not exist");
    }

    private static string? Variable(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;
}
