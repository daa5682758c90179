using System.CommandLine;
using Inspection.Actors.Hosting;
using Microsoft.Extensions.Configuration;

namespace Inspection.Host.Api;

/// <summary>
/// Reads <see cref="ServeSettings"/> from its sources with Microsoft.Extensions.Configuration, later sources winning
/// whole values (a list given on the command line replaces the file's, it does not merge by index): the JSON settings
/// file, then INSPECTION_* variables, then the command line. Then checks the result (<see cref="ServeSettingsCheck"/>):
/// any value the node could not run with ends the command with one line naming the setting and its source.
/// </summary>
public static class ServeConfiguration
{
    /// <param name="options">Each setting's option on the command being run (its name is that command's spelling).</param>
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
        sources.Add(("command line", k => Given(result, options[k])));

        var values = new Dictionary<string, string?>();
        var origin = new Dictionary<string, string>();
        foreach (var key in ServeSettingKey.All)
            foreach (var (name, read) in sources)
                if (read(key) is { } given)
                {
                    origin[key.Key] = name == "environment" ? key.Environment : name == "command line" ? options[key].Name : $"{key.Key} in {name}";
                    foreach (var old in values.Keys.Where(v => v == key.Key || v.StartsWith(key.Key + ":", StringComparison.Ordinal)).ToList()) values.Remove(old);
                    if (key.List) for (int i = 0; i < given.Length; i++) values[$"{key.Key}:{i}"] = given[i];
                    else values[key.Key] = given[0];
                }
        // An empty value is a mistake wherever it was written (an empty variable counts as unset, as shells leave them).
        foreach (var (name, value) in values)
            if (string.IsNullOrWhiteSpace(value)) throw new ArgumentException($"{origin[name.Split(':')[0]]} was given an empty value");
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
        // The free port is chosen here, so that the checks try the port the node will listen on.
        if (settings.Port == 0)
        {
            settings.Port = InspectionNodeHost.FreePort();
            origin.Remove(nameof(ServeSettings.Port));
        }
        ServeSettingsCheck.Check(settings, k => origin.GetValueOrDefault(k), k => options[ServeSettingKey.All.First(s => s.Key == k)].Name);
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

    private static string? Variable(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;
}
