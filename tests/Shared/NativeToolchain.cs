using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace Backprop.Generated.TestSupport;

/// <summary>
/// What a NativeAOT publish needs on this machine besides the SDK: clang, which links the binary. Shared by the interop
/// tests and the benchmarks' <c>peers onnx</c> (linked into each).
/// </summary>
internal static partial class NativeToolchain
{
    /// <summary>
    /// The MSBuild property that points the ILCompiler at clang: none when <c>clang</c> is on the PATH; otherwise
    /// <c>-p:CppCompilerAndLinker=</c> the newest <c>clang-N</c> on the PATH (Debian's llvm packages install only
    /// those). Null when there is no clang at all.
    /// </summary>
    public static string[]? PublishArguments()
    {
        string[] folders = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        if (folders.Any(folder => File.Exists(Path.Combine(folder, "clang"))))
        {
            return [];
        }
        string? versioned = folders
            .Where(Directory.Exists)
            .SelectMany(folder => Directory.EnumerateFiles(folder, "clang-*"))
            .Select(path => (Path: path, Match: VersionedClang().Match(Path.GetFileName(path))))
            .Where(candidate => candidate.Match.Success)
            .OrderByDescending(candidate => int.Parse(candidate.Match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))
            .Select(candidate => candidate.Path)
            .FirstOrDefault();
        return versioned is null ? null : ["-p:CppCompilerAndLinker=" + versioned];
    }

    public const string Missing =
        "A NativeAOT publish links with clang, and neither 'clang' nor a versioned 'clang-N' is on the PATH. "
        + "Install it first (Debian/Ubuntu: apt-get install clang), then run the tests again.";

    [GeneratedRegex("^clang-([0-9]+)$")]
    private static partial Regex VersionedClang();
}
