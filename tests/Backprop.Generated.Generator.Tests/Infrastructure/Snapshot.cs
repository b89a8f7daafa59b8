using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Xunit.Sdk;

namespace Backprop.Generated.Generator.Tests.Infrastructure;

/// <summary>
/// Snapshot files in the style of Verify.SourceGenerators. It exists because Verify and
/// Verify.SourceGenerators are not on our package feed; it does only what our tests need.
/// </summary>
/// <remarks>
/// Files live in <c>Snapshots/</c> beside the calling test: one <c>Class.Method#HintName.verified.cs</c>
/// per generated file (the hint name without its <c>.cs</c>), and <c>Class.Method.diagnostics.verified.txt</c>.
/// The class is taken from the caller's file name (one test class per file). On a difference the
/// output goes to <c>*.received.*</c> beside the snapshot; <c>BACKPROP_ACCEPT_SNAPSHOTS=1</c>
/// accepts it instead, except on CI (<c>CI</c> set), where snapshots are only ever compared.
/// </remarks>
internal static partial class Snapshot
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private static bool Accepting =>
        Environment.GetEnvironmentVariable("BACKPROP_ACCEPT_SNAPSHOTS") == "1"
        && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));

    /// <summary>Compares every generated file with its snapshot, and the set of files with the set of snapshots.</summary>
    public static void VerifySources(GeneratorDriverRunResult result, [CallerFilePath] string callerFile = "", [CallerMemberName] string method = "")
    {
        (string folder, string prefix) = Locate(callerFile, method);
        var expected = new HashSet<string>(StringComparer.Ordinal);
        var failures = new List<string>();
        foreach (GeneratedSourceResult source in result.Results.SelectMany(r => r.GeneratedSources).OrderBy(s => s.HintName, StringComparer.Ordinal))
        {
            string name = $"{prefix}#{TrimSuffix(source.HintName, ".cs")}";
            expected.Add(name + ".verified.cs");
            Compare(folder, name, ".cs", source.SourceText.ToString(), failures);
        }

        // A snapshot whose file is no longer generated is a failure too (and is deleted when accepting).
        foreach (string stale in Directory.EnumerateFiles(folder, prefix + "#*.verified.cs").Select(Path.GetFileName).OfType<string>())
        {
            if (!expected.Contains(stale))
            {
                if (Accepting)
                {
                    File.Delete(Path.Combine(folder, stale));
                }
                else
                {
                    failures.Add($"{stale}: this snapshot exists but no such file was generated.");
                }
            }
        }
        if (expected.Count == 0)
        {
            failures.Add($"{prefix}: nothing was generated.");
        }
        if (failures.Count > 0)
        {
            throw new XunitException(string.Join(Environment.NewLine + Environment.NewLine, failures));
        }
    }

    /// <summary>
    /// Compares the diagnostics, one per line (id, severity, position, the source text they point at,
    /// message), with their snapshot. <paramref name="sources"/> resolves the text of locations that
    /// name a file rather than a syntax tree, as the generator's do.
    /// </summary>
    public static void VerifyDiagnostics(IEnumerable<Diagnostic> diagnostics, Compilation sources, [CallerFilePath] string callerFile = "", [CallerMemberName] string method = "")
    {
        (string folder, string prefix) = Locate(callerFile, method);
        var text = new StringBuilder();
        foreach (Diagnostic d in diagnostics
            .OrderBy(d => d.Location.GetLineSpan().Path, StringComparer.Ordinal)
            .ThenBy(d => d.Location.SourceSpan.Start)
            .ThenBy(d => d.Id, StringComparer.Ordinal))
        {
            FileLinePositionSpan span = d.Location.GetLineSpan();
            SyntaxTree? tree = d.Location.SourceTree ?? sources.SyntaxTrees.FirstOrDefault(t => t.FilePath == span.Path);
            string where = d.Location == Location.None
                ? "(no location)"
                : string.Create(CultureInfo.InvariantCulture, $"{span.Path}({span.StartLinePosition.Line + 1},{span.StartLinePosition.Character + 1}): '{tree?.GetText().ToString(d.Location.SourceSpan)}'");
            text.Append(CultureInfo.InvariantCulture, $"{d.Id} {d.Severity} {where}\n    {d.GetMessage(CultureInfo.InvariantCulture)}\n");
        }
        var failures = new List<string>();
        Compare(folder, prefix + ".diagnostics", ".txt", text.ToString(), failures);
        if (failures.Count > 0)
        {
            throw new XunitException(failures[0]);
        }
    }

    private static void Compare(string folder, string name, string extension, string actual, List<string> failures)
    {
        string verified = Path.Combine(folder, name + ".verified" + extension);
        string received = Path.Combine(folder, name + ".received" + extension);
        string normalized = Normalize(actual);
        string? expected = File.Exists(verified) ? Normalize(File.ReadAllText(verified)) : null;
        if (expected == normalized)
        {
            File.Delete(received);
            return;
        }
        if (Accepting)
        {
            File.WriteAllText(verified, normalized, Utf8);
            File.Delete(received);
            return;
        }
        File.WriteAllText(received, normalized, Utf8);
        failures.Add(expected is null
            ? $"{Path.GetFileName(verified)} does not exist; wrote {Path.GetFileName(received)}. Set BACKPROP_ACCEPT_SNAPSHOTS=1 to accept it."
            : $"{Path.GetFileName(verified)} differs; wrote {Path.GetFileName(received)}.{Environment.NewLine}{FirstDifference(expected, normalized)}");
    }

    /// <summary>Line ends to '\n', no trailing blanks, the generator's version as %VERSION%.</summary>
    public static string Normalize(string text)
    {
        string[] lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        string joined = string.Join("\n", lines.Select(line => line.TrimEnd()));
        joined = GeneratedCodeVersion().Replace(joined, "${head}%VERSION%\"");
        return HeaderVersion().Replace(joined, "${head}%VERSION%");
    }

    private static string FirstDifference(string expected, string actual)
    {
        string[] e = expected.Split('\n'), a = actual.Split('\n');
        int line = 0;
        while (line < e.Length && line < a.Length && e[line] == a[line])
        {
            line++;
        }
        var message = new StringBuilder();
        message.Append(CultureInfo.InvariantCulture, $"First difference at line {line + 1} (verified {e.Length} lines, received {a.Length}):\n");
        for (int i = line; i < line + 3; i++)
        {
            message.Append(CultureInfo.InvariantCulture, $"  verified {i + 1,5}: {(i < e.Length ? e[i] : "<end of file>")}\n");
            message.Append(CultureInfo.InvariantCulture, $"  received {i + 1,5}: {(i < a.Length ? a[i] : "<end of file>")}\n");
        }
        return message.ToString();
    }

    /// <summary>The Snapshots folder beside the caller, and the <c>Class.Method</c> prefix of its files.</summary>
    private static (string Folder, string Prefix) Locate(string callerFile, string method)
    {
        string? directory = Path.GetDirectoryName(callerFile);
        if (string.IsNullOrEmpty(directory) || !Directory.Exists(directory))
        {
            // The caller's path is not on this disk (built elsewhere, or with a path map):
            // find the repository from the test's output folder instead.
            string root = Repository.TryFindRoot() ?? throw new InvalidOperationException(
                $"Cannot find the snapshot folder: '{callerFile}' does not exist and no Backprop.Generated.sln is above {AppContext.BaseDirectory}.");
            directory = Path.Combine(root, "tests", "Backprop.Generated.Generator.Tests");
        }
        string folder = Path.Combine(directory, "Snapshots");
        Directory.CreateDirectory(folder);
        return (folder, $"{Path.GetFileNameWithoutExtension(callerFile.Replace('\\', '/').Split('/')[^1])}.{method}");
    }

    private static string TrimSuffix(string text, string suffix) =>
        text.EndsWith(suffix, StringComparison.Ordinal) ? text[..^suffix.Length] : text;

    [GeneratedRegex(@"(?<head>GeneratedCode\(""Backprop\.Generated"", "")[^""]*""")]
    private static partial Regex GeneratedCodeVersion();

    [GeneratedRegex(@"(?<head>Generated by Backprop\.Generated )[^\s]+")]
    private static partial Regex HeaderVersion();
}
