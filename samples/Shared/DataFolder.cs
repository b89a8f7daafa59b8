using System;
using System.IO;

namespace Backprop.Generated.SampleSupport;

/// <summary>
/// Where the samples that classify the Fashion-MNIST test set find it: the folder <c>--data DIR</c> names, else
/// <c>data/fashion-mnist</c> in the nearest folder above the program, or above the current folder, that has the test
/// images, so that both <c>dotnet run</c> from anywhere in the repository and a published binary beside it work.
/// Each file may be raw or gzip-compressed (the repository keeps the .gz). Linked into each sample that uses it
/// (samples/Embedded, samples/FromPyTorch) rather than referenced, so that each stays one project with no library of
/// its own to publish.
/// </summary>
internal static class DataFolder
{
    /// <summary>The folder of the test set: <paramref name="given"/> (the value of <c>--data</c>) if any, else <see cref="Find"/>.</summary>
    /// <returns>Null when no <c>--data</c> was given and no folder has the test images; <see cref="NotFound"/> says where it looked.</returns>
    public static string? Resolve(string? given) => given ?? Find();

    /// <summary><c>data/fashion-mnist</c> in the nearest folder above the program, or above the current folder, that has the test images.</summary>
    public static string? Find()
    {
        foreach (string origin in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (DirectoryInfo? folder = new(origin); folder is not null; folder = folder.Parent)
            {
                string candidate = Path.Combine(folder.FullName, "data", "fashion-mnist");
                if (File.Exists(Path.Combine(candidate, IdxReader.TestImagesFileName))
                    || File.Exists(Path.Combine(candidate, IdxReader.TestImagesFileName + ".gz")))
                {
                    return candidate;
                }
            }
        }
        return null;
    }

    /// <summary>The one line to print when <see cref="Resolve"/> finds no folder: where it looked, and what to do.</summary>
    public static string NotFound =>
        "No Fashion-MNIST test images found: looked for data/fashion-mnist/t10k-images-idx3-ubyte(.gz) in the folders above "
        + $"'{AppContext.BaseDirectory}' and '{Environment.CurrentDirectory}'. Pass --data DIR.";

    /// <summary>The test images and labels in <paramref name="folder"/>, each raw if present, else gzip-compressed.</summary>
    /// <remarks>Neither has to exist: reading a missing one fails with a message that names it.</remarks>
    public static (string Images, string Labels) TestFiles(string folder)
        => (FileIn(folder, IdxReader.TestImagesFileName), FileIn(folder, IdxReader.TestLabelsFileName));

    /// <summary>The file <paramref name="name"/> in <paramref name="folder"/>, raw if present, else gzip-compressed.</summary>
    private static string FileIn(string folder, string name)
    {
        string raw = Path.Combine(folder, name);
        return File.Exists(raw) ? raw : raw + ".gz";
    }
}
