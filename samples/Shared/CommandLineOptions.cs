using System;
using System.Collections.Generic;
using System.Globalization;

namespace Backprop.Generated.SampleSupport;

/// <summary>A command line that cannot be run; the message is the one line shown to the user.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>
/// The command lines of the small samples (samples/Regression, samples/Signals): options <c>--name value</c> or
/// <c>--name=value</c>, each at most once; <c>--help</c>, <c>-h</c> or <c>-?</c> asks for help. Linked into each sample
/// that uses it, as DataFolder.cs is. (samples/Mnist, with many more options, uses System.CommandLine.)
/// </summary>
internal static class CommandLineOptions
{
    /// <summary>
    /// Hands each option to <paramref name="apply"/> with its name and a function that reads its value (the part after
    /// <c>=</c>, else the next argument); returns false when the command line asks for help.
    /// </summary>
    /// <exception cref="UsageException">An argument that is not an option, a repeated option, a missing value.</exception>
    public static bool Scan(IReadOnlyList<string> args, Action<string, Func<string>> apply)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            int equals = arg.IndexOf('=', StringComparison.Ordinal);
            string name = arg.StartsWith("--", StringComparison.Ordinal) && equals > 0 ? arg[..equals] : arg;
            string? inline = name.Length < arg.Length ? arg[(equals + 1)..] : null;
            if (name is "--help" or "-h" or "-?")
            {
                return false;
            }
            if (!name.StartsWith("--", StringComparison.Ordinal))
            {
                throw new UsageException($"unexpected argument '{arg}' (options start with --)");
            }
            if (!seen.Add(name))
            {
                throw new UsageException($"option {name} is given more than once");
            }

            string Value()
            {
                if (inline is not null)
                {
                    return inline.Length > 0 ? inline : throw new UsageException($"option {name} needs a non-empty value");
                }
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    throw new UsageException($"option {name} needs a value");
                }
                return args[++i];
            }

            apply(name, Value);
        }
        return true;
    }

    /// <summary>A whole number of at least 1.</summary>
    public static int Integer(string name, string value)
        => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1
            ? n
            : throw new UsageException($"option {name} needs a whole number of at least 1, not '{value}'");

    /// <summary>A finite number above 0.</summary>
    public static double Positive(string name, string value)
        => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) && x > 0 && double.IsFinite(x)
            ? x
            : throw new UsageException($"option {name} needs a positive number such as 0.01, not '{value}'");

    /// <summary>Any whole number (a seed).</summary>
    public static int Seed(string name, string value)
        => int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int seed) ? seed : throw new UsageException($"option {name} needs a whole number");
}
