using System;
using System.IO;

namespace Backprop.Generated.Benchmarks;

/// <summary>The vendored Fashion-MNIST, found by walking up from the benchmark's folder to the repository.</summary>
internal static class BenchmarkData
{
    private static DatasetSplit? s_split;

    public static DatasetSplit FashionMnist => s_split ??= IdxReader.ReadFolder(Path.Combine(RepositoryRoot(), "data", "fashion-mnist"));

    public static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Backprop.Generated.sln")))
            {
                return folder.FullName;
            }
        }
        throw new DirectoryNotFoundException("Backprop.Generated.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>One-hot targets, rows of <paramref name="width"/>.</summary>
    public static float[] Targets(Dataset data, int width)
    {
        var targets = new float[data.Count * width];
        for (int i = 0; i < data.Count; i++)
        {
            data.Target(i, targets.AsSpan(i * width, width));
        }
        return targets;
    }
}
