using System;
using System.IO;
using Backprop.Generated.SampleSupport;
using Xunit;

namespace Backprop.Generated.Samples.Tests;

/// <summary>
/// samples/Shared/DataFolder.cs, which samples/Embedded and samples/FromPyTorch link: the test set's folder and files.
/// Linked into this project too, so it is tested in-process rather than through two NativeAOT programs.
/// </summary>
public sealed class DataFolderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("data-folder-tests-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Leave it for the system to clean.
        }
    }

    [Fact]
    public void Each_file_is_the_raw_one_when_present_else_the_gz()
    {
        // Raw images beside gzip-compressed ones (the raw one wins), and labels only compressed.
        File.WriteAllBytes(Path.Combine(_folder, IdxReader.TestImagesFileName), []);
        File.WriteAllBytes(Path.Combine(_folder, IdxReader.TestImagesFileName + ".gz"), []);
        File.WriteAllBytes(Path.Combine(_folder, IdxReader.TestLabelsFileName + ".gz"), []);

        (string images, string labels) = DataFolder.TestFiles(_folder);

        Assert.Equal(Path.Combine(_folder, IdxReader.TestImagesFileName), images);
        Assert.Equal(Path.Combine(_folder, IdxReader.TestLabelsFileName + ".gz"), labels);
    }

    [Fact]
    public void A_missing_file_is_named_as_the_gz_the_repository_keeps()
    {
        // Reading it fails with a message that names this path.
        (string images, string labels) = DataFolder.TestFiles(_folder);

        Assert.Equal(Path.Combine(_folder, IdxReader.TestImagesFileName + ".gz"), images);
        Assert.Equal(Path.Combine(_folder, IdxReader.TestLabelsFileName + ".gz"), labels);
    }

    [Fact]
    public void The_folder_given_with_data_is_taken_as_it_is_without_looking()
    {
        string missing = Path.Combine(_folder, "no such folder");

        Assert.Equal(missing, DataFolder.Resolve(missing));
    }

    [Fact]
    public void Without_data_the_repositorys_data_fashion_mnist_is_found_above_the_program()
    {
        // This assembly runs from tests/…/bin/…, below the repository's data/fashion-mnist (which holds the .gz files).
        string? found = DataFolder.Resolve(null);

        Assert.NotNull(found);
        Assert.Equal(Path.Combine("data", "fashion-mnist"), Path.Combine(Path.GetFileName(Path.GetDirectoryName(found))!, Path.GetFileName(found)));
        Assert.True(File.Exists(Path.Combine(found, IdxReader.TestImagesFileName + ".gz")), $"{found} has no test images");
        Assert.StartsWith(Path.GetDirectoryName(Path.GetDirectoryName(found))!, AppContext.BaseDirectory, StringComparison.Ordinal);
        Assert.Equal(found, DataFolder.Find());
    }

    [Fact]
    public void The_message_for_no_folder_names_where_it_looked_and_the_way_out()
    {
        string message = DataFolder.NotFound;

        Assert.StartsWith("No Fashion-MNIST test images found: looked for data/fashion-mnist/t10k-images-idx3-ubyte(.gz) ", message, StringComparison.Ordinal);
        Assert.Contains($"'{AppContext.BaseDirectory}'", message, StringComparison.Ordinal);
        Assert.Contains($"'{Environment.CurrentDirectory}'", message, StringComparison.Ordinal);
        Assert.EndsWith("Pass --data DIR.", message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', message);
    }
}
