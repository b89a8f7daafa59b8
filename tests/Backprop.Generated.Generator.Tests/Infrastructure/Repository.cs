using System;
using System.IO;

namespace Backprop.Generated.Generator.Tests.Infrastructure;

/// <summary>Finds the repository's files from the test's output folder.</summary>
internal static class Repository
{
    /// <summary>The folder holding Backprop.Generated.sln, or null when the tests run outside a checkout.</summary>
    public static string? TryFindRoot()
    {
        for (DirectoryInfo? folder = new(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Backprop.Generated.sln")))
            {
                return folder.FullName;
            }
        }
        return null;
    }

    public static string Root => TryFindRoot()
        ?? throw new InvalidOperationException($"No Backprop.Generated.sln above {AppContext.BaseDirectory}.");
}
