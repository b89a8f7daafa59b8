using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Backprop.Generated.TestSupport;
using Xunit;

namespace Backprop.Generated.Package.Tests;

/// <summary>
/// The repository's packages, packed once per test run into a folder feed under a version of their own
/// (<c>0.1.0-ci.…</c>), so that NuGet's global package cache never serves a package packed by an earlier run.
/// Disposing deletes the feed, the consumers' folders and the cache entries of that version.
/// </summary>
public sealed class PackageFeed : IAsyncLifetime
{
    /// <summary>The packages the repository ships, one per library or tool under src/.</summary>
    public static readonly string[] PackageIds =
        ["Backprop.Generated", "Backprop.Generated.Tabular", "Backprop.Generated.Onnx", "Backprop.Generated.Tool"];

    private static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(5);

    public string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>A folder of this run's own, holding the feed and every consumer project.</summary>
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "backprop-package-tests-" + Guid.NewGuid().ToString("N")[..12]);

    public string Feed => Path.Combine(Root, "feed");

    public string Version { get; } = string.Create(CultureInfo.InvariantCulture,
        $"0.1.0-ci.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Feed);
        // The libraries were built for every target framework by this project's references; pack what was built, as
        // a release would (`dotnet pack -c Release`), under this run's version.
        foreach (string id in PackageIds)
        {
            string project = Path.Combine(RepositoryRoot, "src", id, id + ".csproj");
            (await ChildProcess.Dotnet(RepositoryRoot, PackTimeout, "pack", project, "-c", "Release", "--no-build", "--nologo",
                "-o", Feed, "-p:PackageVersion=" + Version)).Succeeded();
        }
    }

    /// <summary>A new empty folder under <see cref="Root"/>, with a nuget.config that takes Backprop.* from the feed only.</summary>
    public string NewConsumerFolder(string name)
    {
        string folder = Path.Combine(Root, name);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="backprop-feed" value="{Feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="backprop-feed">
                  <package pattern="Backprop.*" />
                </packageSource>
                <packageSource key="nuget.org">
                  <package pattern="*" />
                </packageSource>
              </packageSourceMapping>
            </configuration>
            """);
        return folder;
    }

    /// <summary>The path of <paramref name="relative"/> under the repository, checked to exist.</summary>
    public string Repository(string relative)
    {
        string path = Path.Combine(RepositoryRoot, relative);
        Assert.True(File.Exists(path) || Directory.Exists(path), $"{path} is missing");
        return path;
    }

    public Task DisposeAsync()
    {
        TryDelete(Root);
        string cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (string id in PackageIds)
        {
            TryDelete(Path.Combine(cache, id.ToLowerInvariant(), Version.ToLowerInvariant()));
        }
        return Task.CompletedTask;
    }

    private static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (IOException)
        {
            // Left for the temporary folder's own cleaning.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Backprop.Generated.sln")))
            {
                return folder.FullName;
            }
        }
        throw new InvalidOperationException($"No Backprop.Generated.sln above {AppContext.BaseDirectory}.");
    }
}

/// <summary>The tests that share one packed feed (xunit runs them one after another; consumers build in parallel inside).</summary>
[CollectionDefinition(Name)]
public sealed class PackageCollection : ICollectionFixture<PackageFeed>
{
    public const string Name = "packages";
}
