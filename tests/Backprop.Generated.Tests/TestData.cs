using System;
using System.IO;

namespace Backprop.Generated.Tests;

/// <summary>The repository's vendored Fashion-MNIST and scratch folders for file tests.</summary>
internal static class TestData
{
    private static readonly Lazy<string> s_repositoryRoot = new(FindRepositoryRoot);

    // Subsets shared by the tests that train: reading them once keeps the suite fast.
    private static readonly Lazy<Dataset> s_training = new(() => Read("train", 10_000));
    private static readonly Lazy<Dataset> s_test = new(() => Read("t10k", 2_000));

    /// <summary>The folder holding <c>Backprop.Generated.sln</c>, found by walking up from the test's directory.</summary>
    public static string RepositoryRoot => s_repositoryRoot.Value;

    /// <summary><c>data/fashion-mnist</c>.</summary>
    public static string FashionMnistFolder => Path.Combine(RepositoryRoot, "data", "fashion-mnist");

    /// <summary>The first 10,000 training samples of Fashion-MNIST.</summary>
    public static Dataset Training10k => s_training.Value;

    /// <summary>The first 2,000 test samples of Fashion-MNIST.</summary>
    public static Dataset Test2k => s_test.Value;

    public static string FilePath(string name) => Path.Combine(FashionMnistFolder, name);

    private static Dataset Read(string prefix, int count)
        => IdxReader.Read(FilePath($"{prefix}-images-idx3-ubyte.gz"), FilePath($"{prefix}-labels-idx1-ubyte.gz"), count);

    private static string FindRepositoryRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Backprop.Generated.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException($"No Backprop.Generated.sln above {AppContext.BaseDirectory}.");
    }
}

/// <summary>A fresh, empty folder under the system's temporary folder, deleted on dispose.</summary>
internal sealed class TemporaryFolder : IDisposable
{
    public TemporaryFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "backprop-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Leave it for the system to clean.
        }
    }
}

/// <summary>An <see cref="IProgress{T}"/> that runs its callback at once, on the reporting thread.</summary>
internal sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
