using System.CommandLine;
using System.CommandLine.Parsing;
using Inspection.Engine.Backbones;
using Inspection.Engine.Models;

namespace Inspection.Host.Cli;

/// <summary>
/// Validators for paths, checked while the command line is parsed: outputs must be writable before training starts
/// (not discovered after it), and given input files must be files.
/// </summary>
internal static class PathRules
{
    /// <summary>A file can be created at the path (its folder is created if missing).</summary>
    public static Option<T> OutputFile<T>(this Option<T> option, string what) where T : class?
    {
        option.Validators.Add(result => Check(result, option.Name, what, OutputLocation.FileProblem));
        return option;
    }

    /// <summary>The path is, or can be made, a folder that takes new files.</summary>
    public static Option<T> OutputFolder<T>(this Option<T> option) where T : class?
    {
        option.Validators.Add(result => Check(result, option.Name, "folder", OutputLocation.FolderProblem));
        return option;
    }

    /// <summary>An existing weights file, or the word that keeps random weights; its content is checked when it is loaded.</summary>
    public static Option<string?> WeightsFile(this Option<string?> option)
    {
        option.Validators.Add(result => Check(result, option.Name, "weights file", path =>
            path == BackboneFactory.Untrained || string.IsNullOrWhiteSpace(path) ? null // empty: NotBlank says so
            : Directory.Exists(path) ? "it is a folder, not a weights file"
            : File.Exists(path) ? null
            : "it does not exist"));
        return option;
    }

    private static void Check(OptionResult result, string name, string what, Func<string, string?> problem)
    {
        if (OptionRules.Value<string>(result) is not { } path || problem(path) is not { } why) return;
        result.AddError($"{Unusable(name, path, what, why)}.");
    }

    /// <summary>The text of a refused path, also for settings checked after binding (ServeConfiguration).</summary>
    public static string Unusable(string name, string path, string what, string why) => $"{name} '{path}' cannot be used as the {what}: {why}";
}
