using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using Backprop.Generated.Generator.Tests.Infrastructure;
using Xunit;

namespace Backprop.Generated.Generator.Tests;

/// <summary>
/// Every relative link of the repository's markdown files resolves: the file or folder exists, and a <c>#anchor</c> (in
/// the same file or another markdown file) is the GitHub anchor of one of that file's headings. Links inside code
/// blocks and inline code are text, not links; absolute URLs are not checked (no network in tests).
/// </summary>
public sealed partial class MarkdownLinkTests
{
    /// <summary>Every markdown file of the repository, relative to its root (build output and tool folders left out).</summary>
    public static TheoryData<string> MarkdownFiles()
    {
        var data = new TheoryData<string>();
        foreach (string file in FindMarkdownFiles())
        {
            data.Add(file);
        }
        return data;
    }

    [Fact]
    public void The_README_and_docs_are_among_the_files_checked()
    {
        string[] files = FindMarkdownFiles().ToArray();
        Assert.Contains("README.md", files);
        Assert.Contains("docs/reference.md", files);
        Assert.Contains("docs/performance.md", files);
        Assert.Contains("docs/reliability.md", files);
    }

    [Theory]
    [MemberData(nameof(MarkdownFiles))]
    public void Every_relative_link_resolves(string file)
    {
        string root = Repository.Root;
        string text = File.ReadAllText(Path.Combine(root, file));
        var broken = new List<string>();
        foreach ((string target, int line) in Links(text))
        {
            if (Problem(root, file, target) is string problem)
            {
                broken.Add($"{file}:{line}: ({target}) {problem}");
            }
        }
        Assert.True(broken.Count == 0, "Broken links:\n" + string.Join("\n", broken));
    }

    [Theory]
    [InlineData("## Quick start", "quick-start")]
    [InlineData("### The `backprop` tool", "the-backprop-tool")]
    [InlineData("## AMD EPYC Zen 5, 2 vCPUs, December 2026", "amd-epyc-zen-5-2-vcpus-december-2026")]
    [InlineData("### Checkpoints: resume exactly", "checkpoints-resume-exactly")]
    [InlineData("## BPG017–BPG023: baked weights", "bpg017bpg023-baked-weights")]
    [InlineData("### `[Network]` and its properties", "network-and-its-properties")]
    [InlineData("## Errors that point the way", "errors-that-point-the-way")]
    public void Anchors_are_made_as_GitHub_makes_them(string heading, string anchor)
    {
        Assert.Contains(anchor, Anchors(heading + "\n"));
    }

    /// <summary>What is wrong with the link <paramref name="target"/> in <paramref name="file"/>, or null.</summary>
    private static string? Problem(string root, string file, string target)
    {
        if (Uri.TryCreate(target, UriKind.Absolute, out Uri? absolute) && absolute.Scheme is "http" or "https" or "mailto")
        {
            return null;
        }
        int hash = target.IndexOf('#', StringComparison.Ordinal);
        string path = hash >= 0 ? target[..hash] : target;
        string? anchor = hash >= 0 ? target[(hash + 1)..] : null;
        path = Uri.UnescapeDataString(path);

        string linked = path.Length == 0
            ? file
            : Path.GetRelativePath(root, Path.GetFullPath(Path.Combine(root, Path.GetDirectoryName(file) ?? "", path))).Replace('\\', '/');
        if (linked.StartsWith("..", StringComparison.Ordinal))
        {
            return "points outside the repository";
        }
        string full = Path.Combine(root, linked);
        if (!File.Exists(full) && !Directory.Exists(full))
        {
            return $"'{linked}' does not exist";
        }
        if (anchor is not null)
        {
            if (!linked.EndsWith(".md", StringComparison.OrdinalIgnoreCase))
            {
                return $"an anchor into '{linked}', which is not markdown";
            }
            if (!Anchors(File.ReadAllText(full)).Contains(anchor))
            {
                return $"'{linked}' has no heading with the anchor #{anchor}";
            }
        }
        return null;
    }

    /// <summary>The targets of the inline links and images of <paramref name="markdown"/>, outside code, with their lines.</summary>
    internal static IEnumerable<(string Target, int Line)> Links(string markdown)
    {
        string text = WithoutCode(markdown.ReplaceLineEndings("\n"), removeInlineCode: true);
        foreach (Match link in InlineLink().Matches(text))
        {
            string target = link.Groups["target"].Value.Trim();
            if (target.StartsWith('<') && target.EndsWith('>'))
            {
                target = target[1..^1];
            }
            int space = target.IndexOf(' ', StringComparison.Ordinal);
            if (space > 0)
            {
                target = target[..space]; // [text](target "title")
            }
            yield return (target, text.AsSpan(0, link.Index).Count('\n') + 1);
        }
    }

    /// <summary>The anchors GitHub gives the headings of <paramref name="markdown"/> (duplicates numbered -1, -2...).</summary>
    internal static HashSet<string> Anchors(string markdown)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (Match heading in Heading().Matches(WithoutCode(markdown.ReplaceLineEndings("\n"), removeInlineCode: false)))
        {
            string slug = Slug(heading.Groups["text"].Value);
            int count = seen.GetValueOrDefault(slug);
            seen[slug] = count + 1;
            anchors.Add(count == 0 ? slug : string.Create(CultureInfo.InvariantCulture, $"{slug}-{count}"));
        }
        return anchors;
    }

    /// <summary>
    /// GitHub's anchor of a heading: its text (links as their text, no markup), lower case, every character that is not a
    /// letter, number, mark, space, hyphen or connector (such as '_') dropped, spaces made hyphens.
    /// </summary>
    internal static string Slug(string heading)
    {
        string text = InlineLink().Replace(heading.Trim().TrimEnd('#').Trim(), "${text}");
        var slug = new StringBuilder();
        foreach (char c in text.ToLowerInvariant())
        {
            if (c == ' ')
            {
                slug.Append('-');
            }
            else if (c is '-' || char.GetUnicodeCategory(c) is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter
                         or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
                         or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber
                         or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.ConnectorPunctuation)
            {
                slug.Append(c);
            }
        }
        return slug.ToString();
    }

    /// <summary>
    /// <paramref name="markdown"/> with fenced code blocks blanked (lines kept), and inline code spans removed when
    /// <paramref name="removeInlineCode"/> (a heading's code is part of its anchor; a link inside code is no link).
    /// </summary>
    private static string WithoutCode(string markdown, bool removeInlineCode)
    {
        var text = new StringBuilder();
        bool inFence = false;
        foreach (string line in markdown.Split('\n'))
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inFence = !inFence;
                text.Append('\n');
                continue;
            }
            text.Append(inFence ? "" : removeInlineCode ? InlineCode().Replace(line, "") : line).Append('\n');
        }
        return text.ToString();
    }

    private static IEnumerable<string> FindMarkdownFiles()
    {
        string root = Repository.Root;
        return Directory.EnumerateFiles(root, "*.md", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(root, path).Replace('\\', '/'))
            .Where(path => !path.Split('/').Any(part => part is "bin" or "obj" or "artifacts" or "node_modules" || part.StartsWith('.')))
            .Order(StringComparer.Ordinal);
    }

    [GeneratedRegex(@"!?\[(?<text>[^\]]*)\]\((?<target>[^)\s]+(?:\s+""[^""]*"")?)\)")]
    private static partial Regex InlineLink();

    [GeneratedRegex(@"^#{1,6}[ \t]+(?<text>.+?)[ \t]*$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    [GeneratedRegex(@"`+[^`]*`+")]
    private static partial Regex InlineCode();
}
