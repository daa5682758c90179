using Inspection.Actors.Hosting;
using Inspection.Engine.Backbones;
using Inspection.Engine.Data;
using Inspection.Engine.Models;
using Inspection.Engine.Native;
using Inspection.Host.Cli;

namespace Inspection.Host.Api;

/// <summary>
/// The one check of a node's settings, before anything starts: whatever the node could not run with ends the command
/// with one line (ArgumentException, exit 2) naming the setting as it was given (the flag, the variable or the key in
/// the settings file) instead of failing later inside a running cluster (Akka throws for a bad seed, persistence logs a
/// stack trace a second for a database it cannot open, a camera on a misspelt folder never sees a frame).
/// </summary>
public static class ServeSettingsCheck
{
    /// <param name="given">Where a setting came from (flag, variable or file key); null when it was not given.</param>
    /// <param name="flag">The setting's flag on the command being run, for settings left at their default.</param>
    public static void Check(ServeSettings s, Func<string, string?> given, Func<string, string> flag)
    {
        string Named(string key) => given(key) ?? flag(key);
        CheckApi(s, Named);
        CheckNode(s, Named);
        CheckLines(s, Named);
        CheckTraining(s, Named, flag);
        // Last, as it needs every other part right: the device, then whether this machine can listen where the node would.
        try { ComputeDevice.Resolve(s.Device); }
        catch (InvalidOperationException e) { throw new ArgumentException(e.Message, e); }
        if (NodeConfigurationChecks.ListenProblem(s.Hostname, s.Port) is { } listen)
        {
            var named = new List<string>();
            if (given("Hostname") is { } host) named.Add($"{host} {s.Hostname}");
            if (given("Port") is { } port) named.Add($"{port} {s.Port}");
            throw new ArgumentException($"{(named.Count > 0 ? string.Join(", ", named) : $"{s.Hostname}:{s.Port}")}: {listen}");
        }
    }

    private static void CheckApi(ServeSettings s, Func<string, string> Named)
    {
        if (s.Http != null)
        {
            try { HttpEndpoint.Parse(s.Http); }
            catch (ArgumentException e) { throw new ArgumentException($"{Named("Http")} {e.Message}"); }
        }
        if (File.Exists(s.DataDir)) throw new ArgumentException($"{Named("DataDir")} '{s.DataDir}' is a file; the data folder must be a folder");
        foreach (var key in s.ApiKeys)
            if (ApiKeys.Split(key).Secret.Length < ApiKeys.MinimumLength)
                throw new ArgumentException($"{Named("ApiKeys")}: an API key is shorter than {ApiKeys.MinimumLength} characters (use a long random one, e.g. 'openssl rand -hex 24'; " +
                                            "NAME=KEY names it in the audit trail)");
        if (s.ApiKeys.Select(k => ApiKeys.Split(k).Name).Where(n => n != null).GroupBy(n => n).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ArgumentException($"{Named("ApiKeys")}: two API keys are named '{twice.Key}'; the audit trail tells changes apart by these names");
        foreach (var root in s.FolderRoots)
            if (!Directory.Exists(root)) throw new ArgumentException($"{Named("FolderRoots")} '{root}' is not an existing folder");
        if (s.MaxFrameBytes < 1) throw new ArgumentException($"{Named("MaxFrameBytes")} {s.MaxFrameBytes} must be at least 1");
        if (s.MaxUploadBytes < 1) throw new ArgumentException($"{Named("MaxUploadBytes")} {s.MaxUploadBytes} must be at least 1");
        if (s.MaxPixels < 1) throw new ArgumentException($"{Named("MaxPixels")} {s.MaxPixels} must be at least 1");
    }

    private static void CheckNode(ServeSettings s, Func<string, string> Named)
    {
        if (s.Roles.Length == 0) throw new ArgumentException($"{Named("Roles")} is empty: give api, ingest and/or gpu");
        foreach (var role in s.Roles)
            if (!NodeConfigurationChecks.KnownRoles.Contains(role))
                throw new ArgumentException($"{Named("Roles")} '{role}' is not a role: use {string.Join(", ", NodeConfigurationChecks.KnownRoles)}");
        if (OptionRules.RepeatProblem(Named("Roles"), s.Roles) is { } twice) throw new ArgumentException(twice);
        if (s.Tls?.Problem() is { } tls) throw new ArgumentException($"{Named("TlsCertificate")}: {tls}");
        string protocol = s.Tls is null ? "akka.tcp" : ClusterTls.Protocol;
        foreach (var seed in s.Seeds)
            if (NodeConfigurationChecks.SeedNodeProblem(seed, InspectionNodeOptions.DefaultSystemName, protocol) is { } problem)
                throw new ArgumentException($"{Named("Seeds")} '{seed}' cannot be used: {problem}");
        if (s.Port is < 0 or > 65535) throw new ArgumentException($"{Named("Port")} {s.Port} is not a port (1 to 65535, or 0 for a free one)");
        if (s.Sqlite != null && s.Postgres != null)
            throw new ArgumentException($"{Named("Sqlite")} and {Named("Postgres")} are both given: a node has one journal, SQLite or PostgreSQL");
        if (s.Persistence == PersistenceBackend.PostgreSql && NodeConfigurationChecks.DatabaseProblem(s.Persistence, s.Postgres!) is { } postgres)
            throw new ArgumentException($"{Named("Postgres")} cannot be used as the PostgreSQL database: {postgres}"); // not repeated: it holds a password
        // The default file is in the data folder, which is made at start.
        if (s.Sqlite != null && NodeConfigurationChecks.DatabaseProblem(PersistenceBackend.Sqlite, s.Sqlite) is { } sqlite)
            throw new ArgumentException($"{Named("Sqlite")} '{s.Sqlite}' cannot be used as the SQLite database: {sqlite}");
    }

    /// <summary>Ten years: a longer age is a typo, and TimeSpan holds it.</summary>
    private const double MaxKeepDays = 3653;
    /// <summary>A petabyte, in megabytes.</summary>
    private const long MaxKeepMegabytes = 1L << 30;

    private static void CheckLines(ServeSettings s, Func<string, string> Named)
    {
        if (s.Mqtt != null)
        {
            try { if (HttpEndpoint.Parse(s.Mqtt).Port == 0) throw new ArgumentException("port 0"); }
            catch (ArgumentException) { throw new ArgumentException($"{Named("Mqtt")} '{s.Mqtt}' is not host:port of an MQTT broker (e.g. 127.0.0.1:1883)"); }
        }
        if (s.MaxInFlight is < 1 or > 100_000) throw new ArgumentException($"{Named("MaxInFlight")} {s.MaxInFlight} is out of range: 1 to 100000");
        if (!(s.FrameDeadlineSeconds >= 0.1 && s.FrameDeadlineSeconds <= 3600))
            throw new ArgumentException($"{Named("FrameDeadlineSeconds")} {s.FrameDeadlineSeconds} is out of range: 0.1 to 3600 seconds");
        if (s.RunSeconds is { } seconds && OptionRules.RangeProblem(Named("RunSeconds"), seconds, 0, MaxRunSeconds, aboveMin: true, hint: "seconds; leave it out to run until stopped") is { } run)
            throw new ArgumentException(run);
        if (!(s.KeepDays > 0 && s.KeepDays <= MaxKeepDays)) throw new ArgumentException($"{Named("KeepDays")} {s.KeepDays} is out of range: more than 0, at most {MaxKeepDays} days");
        if (!(s.KeepFlaggedDays > 0 && s.KeepFlaggedDays <= MaxKeepDays))
            throw new ArgumentException($"{Named("KeepFlaggedDays")} {s.KeepFlaggedDays} is out of range: more than 0, at most {MaxKeepDays} days");
        if (!(s.KeepAuditDays > 0 && s.KeepAuditDays <= MaxKeepDays))
            throw new ArgumentException($"{Named("KeepAuditDays")} {s.KeepAuditDays} is out of range: more than 0, at most {MaxKeepDays} days");
        if (s.KeepMegabytes < 1 || s.KeepMegabytes > MaxKeepMegabytes)
            throw new ArgumentException($"{Named("KeepMegabytes")} {s.KeepMegabytes} is out of range: 1 (about one large frame) to {MaxKeepMegabytes}");
        if (s.Retention.Problem(Named("KeepDays"), Named("KeepFlaggedDays"), Named("KeepMegabytes")) is { } retention) throw new ArgumentException(retention);
        if (Actors.Storage.DiskGuard.Problem(s.DiskHighWaterPercent / 100, s.DiskHardLimitPercent / 100, Named("DiskHighWaterPercent"), Named("DiskHardLimitPercent")) is { } disk)
            throw new ArgumentException($"{disk} (given: {s.DiskHighWaterPercent} and {s.DiskHardLimitPercent})");
        if (!(s.RetentionIntervalSeconds >= 0.1 && s.RetentionIntervalSeconds <= 86_400))
            throw new ArgumentException($"{Named("RetentionIntervalSeconds")} {s.RetentionIntervalSeconds} is out of range: 0.1 to 86400 seconds");
        if (s.Heatmaps != null && OutputLocation.FolderProblem(s.Heatmaps) is { } heatmaps)
            throw new ArgumentException(PathRules.Unusable(Named("Heatmaps"), s.Heatmaps, "folder", heatmaps));

        foreach (var pair in s.Train.Concat(s.Camera))
            if (ServeSettings.TryLineFolder(pair) is null)
                throw new ArgumentException(s.Train.Contains(pair) ? $"{Named("Train")} expects line=folder, got '{pair}'" : $"{Named("Camera")} expects line=source, got '{pair}'");
        var lines = s.TrainLines;
        if (lines.Count > 0 && !s.Roles.Contains("gpu"))
            throw new ArgumentException($"{Named("Train")} trains on this node, which needs the gpu role ({Named("Roles")} {string.Join(" ", s.Roles)} lacks it)");
        if (lines.GroupBy(l => l.Line).FirstOrDefault(g => g.Count() > 1) is { } repeated)
            throw new ArgumentException($"{Named("Train")} names line '{repeated.Key}' twice");
        foreach (var (line, folder) in lines)
        {
            try { MvtecCategory.Open(folder); }
            catch (DatasetException e) { throw new ArgumentException($"{Named("Train")} {line}={folder}: {e.Message}", e); }
        }
        foreach (var (line, source) in s.Cameras)
            if (Actors.Cameras.CameraSources.Problem(source) is { } problem) throw new ArgumentException($"{Named("Camera")} {line}={source}: {problem}");
        CheckPlc(s, Named);
    }

    private static void CheckPlc(ServeSettings s, Func<string, string> Named)
    {
        if (!(s.PartDeadlineMs >= 10 && s.PartDeadlineMs <= 60_000))
            throw new ArgumentException($"{Named("PartDeadlineMs")} {s.PartDeadlineMs} is out of range: 10 to 60000 milliseconds");
        if (OptionRules.ChoiceProblem(Named("NoVerdict"), s.NoVerdict, ["ng", "hold"]) is { } meaning) throw new ArgumentException(meaning);
        if (s.PlcMaxPending is < 1 or > 64) throw new ArgumentException($"{Named("PlcMaxPending")} {s.PlcMaxPending} is out of range: 1 to 64 parts");
        if (s.MqttTriggers && s.Mqtt is null) throw new ArgumentException($"{Named("MqttTriggers")} needs the broker: give {Named("Mqtt")} host:port too");
        if (s.Plc is null && !s.MqttTriggers) return;
        string what = s.Plc is null ? Named("MqttTriggers") : Named("Plc");
        if (!s.Cameras.Any(c => !Directory.Exists(c.Folder)))
            throw new ArgumentException($"{what} triggers cameras, and this node has none that take a trigger: give {Named("Camera")} line=gige://... " +
                                        "(or a stream; a watched folder takes none)");
        if (s.Plc is null) return;
        (string Host, int Port) endpoint;
        try { endpoint = HttpEndpoint.Parse(s.Plc); }
        catch (ArgumentException) { throw new ArgumentException($"{Named("Plc")} '{s.Plc}' is not host:port for the Modbus TCP server (e.g. 0.0.0.0:5020)"); }
        if (endpoint.Port == 0) throw new ArgumentException($"{Named("Plc")} '{s.Plc}': give a fixed port, the PLC is configured with it (502 is Modbus' own and needs root)");
        if (NodeConfigurationChecks.ListenProblem(endpoint.Host, endpoint.Port) is { } listen) throw new ArgumentException($"{Named("Plc")} {s.Plc}: {listen}");
    }

    private static void CheckTraining(ServeSettings s, Func<string, string> Named, Func<string, string> flag)
    {
        string?[] problems =
        [
            OptionRules.ChoiceProblem(Named("Backbone"), s.Backbone, [BackboneFactory.ResNet18, BackboneFactory.WideResNet50]),
            .. s.Layers.Select(layer => OptionRules.ChoiceProblem(Named("Layers"), layer, EngineOptions.LayerNames)),
            OptionRules.RepeatProblem(Named("Layers"), s.Layers),
            OptionRules.OrderProblem(Named("Layers"), s.Layers, EngineOptions.LayerNames),
            EngineOptions.ImageSizeProblem(Named("ImageSize"), s.ImageSize, out _),
            OptionRules.ChoiceProblem(Named("Precision"), s.Precision, EngineOptions.Precisions),
            OptionRules.ChoiceProblem(Named("KnnPrecision"), s.KnnPrecision, EngineOptions.Precisions),
            OptionRules.RangeProblem(Named("CoresetRatio"), s.CoresetRatio, 0.0, 1.0, aboveMin: true),
            s.ProjectionDims is { } dims ? OptionRules.RangeProblem(Named("ProjectionDims"), dims, 1, EngineOptions.MaxProjectionDims) : null,
            OptionRules.RangeProblem(Named("MinTrainImages"), s.MinTrainImages, 1, EngineOptions.MaxMinTrainImages),
            OptionRules.RangeProblem(Named("BatchSize"), s.BatchSize, 1, EngineOptions.MaxBatch),
            OptionRules.RangeProblem(Named("KnnBudgetMb"), s.KnnBudgetMb, 1, EngineOptions.MaxKnnBudgetMb, hint: EngineOptions.KnnBudgetHint),
        ];
        if (problems.FirstOrDefault(p => p != null) is { } problem) throw new ArgumentException(problem);
        if (s.BackboneWeights is { } weights && weights != BackboneFactory.Untrained)
        {
            if (Directory.Exists(weights)) throw new ArgumentException($"{Named("BackboneWeights")} '{weights}' is a folder, not a weights file");
            if (!File.Exists(weights)) throw new ArgumentException($"{Named("BackboneWeights")} '{weights}' does not exist");
        }
        if (s.Backbone == BackboneFactory.WideResNet50 && s.BackboneWeights == null)
            throw new ArgumentException($"{Named("Backbone")} {s.Backbone} needs a weights file: give {flag("BackboneWeights")} (torchvision layout, .safetensors or .pth; 'untrained' for timing runs)");
        // What only the combination rules out (an image size the backbone cannot take); its message names the values.
        s.Training.Validate();
        // A weights file that does not load fails here, with its own line, instead of inside the training actor.
        if (s.Train.Length > 0 && s.BackboneWeights is not null)
            BackboneFactory.Create(s.Backbone, s.Training.Layers, TorchSharp.torch.CPU, s.BackboneWeights).Dispose();
    }

    /// <summary>Longest run: Task.Delay's limit (int.MaxValue milliseconds, 24.8 days).</summary>
    public const double MaxRunSeconds = 2_147_483;
}
