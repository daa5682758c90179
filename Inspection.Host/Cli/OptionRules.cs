using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;

namespace Inspection.Host.Cli;

/// <summary>
/// Validators for option values, checked while the command line is parsed: a bad value ends the run before any work,
/// with one line that names the option, the accepted values and what was given (see <see cref="CommandLine.Run"/>).
/// </summary>
internal static class OptionRules
{
    /// <summary>Each value between <paramref name="min"/> and <paramref name="max"/> (inclusive unless <paramref name="aboveMin"/>); NaN and infinities are refused.</summary>
    public static Option<T> InRange<T>(this Option<T> option, T min, T max, bool aboveMin = false, string? hint = null) where T : struct, INumber<T>
    {
        option.Validators.Add(result =>
        {
            if (TryValue<T>(result, out var value)) Check(result, option.Name, value, min, max, aboveMin, hint);
        });
        return option;
    }

    /// <summary>As <see cref="InRange{T}(Option{T}, T, T, bool, string?)"/> for an option that may be left out.</summary>
    public static Option<T?> InRange<T>(this Option<T?> option, T min, T max, bool aboveMin = false, string? hint = null) where T : struct, INumber<T>
    {
        option.Validators.Add(result =>
        {
            if (TryValue<T?>(result, out var value) && value is { } given) Check(result, option.Name, given, min, max, aboveMin, hint);
        });
        return option;
    }

    /// <summary>Each value within range (how many there may be is the option's arity).</summary>
    public static Option<T[]> EachInRange<T>(this Option<T[]> option, T min, T max) where T : struct, INumber<T>
    {
        option.Validators.Add(result =>
        {
            foreach (var value in Value<T[]>(result) ?? []) Check(result, option.Name, value, min, max, aboveMin: false, hint: null);
        });
        return option;
    }

    /// <summary>A value from <paramref name="choices"/> (exactly as spelt there), or none when the option may be left out.</summary>
    public static Option<T> OneOf<T>(this Option<T> option, params string[] choices) where T : class?
    {
        option.Validators.Add(result => CheckChoice(result, option.Name, Value<string>(result), choices));
        return option;
    }

    /// <summary>Every value from <paramref name="choices"/>, none twice.</summary>
    public static Option<string[]> EachOneOf(this Option<string[]> option, params string[] choices)
    {
        option.Validators.Add(result =>
        {
            var values = Value<string[]>(result) ?? [];
            foreach (var value in values) CheckChoice(result, option.Name, value, choices);
            if (RepeatProblem(option.Name, values) is { } twice) result.AddError(twice + ".");
        });
        return option;
    }

    /// <summary>Values in the order they have in <paramref name="order"/> (unknown and repeated values are left to <see cref="EachOneOf"/>).</summary>
    public static Option<string[]> ShallowToDeep(this Option<string[]> option, string[] order)
    {
        option.Validators.Add(result =>
        {
            if (OrderProblem(option.Name, Value<string[]>(result) ?? [], order) is { } problem) result.AddError(problem + ".");
        });
        return option;
    }

    /// <summary>A rule of its own: <paramref name="ok"/> must hold, else "<c>--name</c> <paramref name="requirement"/>, got value".</summary>
    public static Option<T> Where<T>(this Option<T> option, Func<T, bool> ok, string requirement) where T : struct, INumber<T>
    {
        option.Validators.Add(result =>
        {
            if (TryValue<T>(result, out var value) && !ok(value)) result.AddError($"{option.Name} {requirement}, got {Text(value)}.");
        });
        return option;
    }

    /// <summary>No empty or blank value (<c>--out ""</c> would otherwise mean the current folder or nothing at all).</summary>
    public static Option<T> NotBlank<T>(this Option<T> option) where T : class?
    {
        option.Validators.Add(result =>
        {
            object? value = Value<object>(result);
            string[] texts = value switch { string s => new[] { s }, string[] many => many, _ => [] };
            if (texts.Any(string.IsNullOrWhiteSpace)) result.AddError($"{option.Name} was given an empty value.");
        });
        return option;
    }

    /// <summary>The converted value; false when it did not convert (the parser reports that error itself).</summary>
    private static bool TryValue<T>(OptionResult result, out T value)
    {
        try
        {
            value = result.GetValueOrDefault<T>();
            return true;
        }
        catch (InvalidOperationException)
        {
            value = default!;
            return false;
        }
    }

    internal static T? Value<T>(OptionResult result) where T : class => TryValue<T>(result, out var value) ? value : null;

    private static void Check<T>(OptionResult result, string name, T value, T min, T max, bool aboveMin, string? hint) where T : INumber<T>
    {
        if (RangeProblem(name, value, min, max, aboveMin, hint) is { } problem) result.AddError(problem + ".");
    }

    private static void CheckChoice(OptionResult result, string name, string? value, string[] choices)
    {
        if (ChoiceProblem(name, value, choices) is { } problem) result.AddError(problem + ".");
    }

    // The texts of the rules, also for settings checked after binding (ServeConfiguration): the same words wherever a value comes from.

    /// <summary>Why <paramref name="value"/> is outside the range (NaN is), or null.</summary>
    public static string? RangeProblem<T>(string name, T value, T min, T max, bool aboveMin = false, string? hint = null) where T : INumber<T>
    {
        bool inside = (aboveMin ? value > min : value >= min) && value <= max; // false for NaN, which compares false
        if (inside) return null;
        string range = aboveMin ? $"greater than {Text(min)} and at most {Text(max)}" : $"between {Text(min)} and {Text(max)}";
        return $"{name} must be {range}{(hint == null ? "" : $" ({hint})")}, got {Text(value)}";
    }

    public static string? ChoiceProblem(string name, string? value, string[] choices) =>
        value == null || choices.Contains(value, StringComparer.Ordinal) ? null : $"{name} '{value}' is not one of {string.Join(", ", choices)}";

    public static string? RepeatProblem(string name, string[] values) =>
        values.Distinct(StringComparer.Ordinal).Count() == values.Length ? null : $"{name} lists a value twice: {string.Join(" ", values)}";

    public static string? OrderProblem(string name, string[] values, string[] order)
    {
        var indices = values.Select(v => Array.IndexOf(order, v)).Where(i => i >= 0).ToList();
        return indices.Zip(indices.Skip(1), (shallower, deeper) => shallower > deeper).Any(wrong => wrong)
            ? $"{name} must list layers shallow to deep (for example {order[1]} {order[2]}), got {string.Join(" ", values)}"
            : null;
    }

    /// <summary>The value as it would be typed: "Infinity" rather than the invariant culture's "∞".</summary>
    private static string Text<T>(T value) where T : INumber<T> =>
        T.IsPositiveInfinity(value) ? "Infinity" : T.IsNegativeInfinity(value) ? "-Infinity" : value.ToString(null, CultureInfo.InvariantCulture);
}
