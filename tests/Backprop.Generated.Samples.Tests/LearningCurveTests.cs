using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Xml.Linq;
using Mnist;
using SkiaSharp;
using Xunit;

namespace Backprop.Generated.Samples.Tests;

/// <summary>The learning-curve chart of the Mnist sample: the files it writes and the ones it refuses to.</summary>
public sealed class LearningCurveTests : IDisposable
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    // xunit makes a new instance per test: each test has a folder of its own.
    private readonly string _folder = Directory.CreateTempSubdirectory("learning-curve-tests-").FullName;

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

    [Theory]
    [InlineData("curve.png")]
    [InlineData("CURVE.PNG")]
    public void Png_has_the_declared_size_and_ink_in_both_panels(string name)
    {
        string path = Path.Combine(_folder, name);

        LearningCurve.Save(path, Run(15), "784-30-10 sigmoid, Fashion-MNIST");

        byte[] png = File.ReadAllBytes(path);
        AssertPngHeader(png);
        using SKBitmap bitmap = SKBitmap.Decode(png);
        Assert.NotNull(bitmap);
        Assert.Equal((LearningCurve.Width, LearningCurve.Height), (bitmap.Width, bitmap.Height));

        // Lines, markers, text and a legend in each half: many colours, and far from all white.
        (int colours, int ink) left = Ink(bitmap, 0, bitmap.Width / 2);
        (int colours, int ink) right = Ink(bitmap, bitmap.Width / 2, bitmap.Width);
        Assert.True(left.colours > 50 && right.colours > 50, $"distinct colours: left {left.colours}, right {right.colours}");
        Assert.True(left.ink > 5_000 && right.ink > 5_000, $"non-white pixels: left {left.ink}, right {right.ink}");
    }

    [Theory]
    [InlineData("curve.svg")]
    [InlineData("curve.Svg")]
    public void Svg_is_xml_with_an_svg_root_of_the_declared_size(string name)
    {
        string path = Path.Combine(_folder, name);

        LearningCurve.Save(path, Run(15), "784-30-10 sigmoid, Fashion-MNIST");

        XDocument document = XDocument.Load(path);
        XElement root = document.Root!;
        Assert.Equal(Svg + "svg", root.Name);
        Assert.Equal(LearningCurve.Width, double.Parse((string)root.Attribute("width")!, CultureInfo.InvariantCulture));
        Assert.Equal(LearningCurve.Height, double.Parse((string)root.Attribute("height")!, CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Tick_labels_use_the_invariant_culture_whatever_the_current_one()
    {
        string path = Path.Combine(_folder, "curve.svg");
        CultureInfo saved = CultureInfo.CurrentCulture;
        try
        {
            // A decimal comma and a U+2212 minus sign.
            CultureInfo swedish = CultureInfo.GetCultureInfo("sv-SE");
            Assert.Equal(",", swedish.NumberFormat.NumberDecimalSeparator);
            CultureInfo.CurrentCulture = swedish;
            LearningCurve.Save(path, Run(15), "culture");
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }

        // Skia writes text as <text> elements; the cost ticks (0.2, 0.4, ...) need a decimal separator.
        string[] texts = [.. XDocument.Load(path).Descendants(Svg + "text").Select(t => t.Value.Trim())];
        Assert.Contains(texts, t => t.Contains('.', StringComparison.Ordinal));
        Assert.DoesNotContain(texts, t => t.Length > 0 && char.IsDigit(t[0]) && t.Contains(',', StringComparison.Ordinal));
    }

    [Fact]
    public void A_single_epoch_makes_a_valid_png()
    {
        string path = Path.Combine(_folder, "one.png");

        LearningCurve.Save(path, [new LearningCurvePoint(1, 0.9, 0.6, 0.95, 0.58, 0.97, 0.57)], "one epoch");

        AssertDecodesAtDeclaredSize(path);
    }

    [Fact]
    public void Only_the_training_cost_makes_a_valid_png()
    {
        string path = Path.Combine(_folder, "training-only.png");
        LearningCurvePoint[] points = [.. Run(15).Select(p => new LearningCurvePoint(p.Epoch, p.TrainingCost, null, null, null, null, null))];

        LearningCurve.Save(path, points, "training cost only");

        AssertDecodesAtDeclaredSize(path);
    }

    [Fact]
    public void Only_the_training_cost_of_one_epoch_makes_a_valid_svg()
    {
        string path = Path.Combine(_folder, "training-only.svg");

        LearningCurve.Save(path, [new LearningCurvePoint(1, 0.5, null, null, null, null, null)], "one epoch, training cost only");

        Assert.Equal(Svg + "svg", XDocument.Load(path).Root!.Name);
    }

    [Theory]
    [InlineData("curve.jpg")]
    [InlineData("curve")]
    [InlineData("curve.png.txt")]
    public void Other_extensions_are_refused_and_nothing_is_written(string name)
    {
        string path = Path.Combine(_folder, name);

        ArgumentException error = Assert.Throws<ArgumentException>(() => LearningCurve.Save(path, Run(3), "refused"));

        Assert.Equal("path", error.ParamName);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains(".png", error.Message, StringComparison.Ordinal);
        Assert.Contains(".svg", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_folder));
    }

    [Theory]
    [InlineData("curve.png")]
    [InlineData("curve.svg")]
    public void A_missing_folder_is_an_io_error_naming_the_path_and_nothing_is_written(string name)
    {
        string missing = Path.Combine(_folder, "missing");
        string path = Path.Combine(missing, name);

        IOException error = Assert.ThrowsAny<IOException>(() => LearningCurve.Save(path, Run(3), "nowhere"));

        Assert.IsType<DirectoryNotFoundException>(error);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(missing));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_folder));
    }

    /// <summary>A plausible run: costs fall and accuracies rise, validation and test a little behind training.</summary>
    private static List<LearningCurvePoint> Run(int epochs)
    {
        var points = new List<LearningCurvePoint>(epochs);
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            double progress = 1 - Math.Exp(-epoch / 3.0);
            double cost = 1.6 - (1.25 * progress);
            double accuracy = 0.55 + (0.35 * progress);
            points.Add(new LearningCurvePoint(
                epoch,
                TrainingCost: cost,
                TrainingAccuracy: accuracy,
                ValidationCost: cost + 0.04 + (0.004 * epoch),
                ValidationAccuracy: accuracy - 0.02 - (0.001 * epoch),
                TestCost: cost + 0.06 + (0.005 * epoch),
                TestAccuracy: accuracy - 0.03 - (0.001 * epoch)));
        }

        return points;
    }

    private static void AssertPngHeader(byte[] png)
    {
        Assert.True(png.AsSpan().StartsWith(PngSignature), "PNG signature");
        // The first chunk is IHDR: length (4), type (4), then width and height, big-endian.
        Assert.Equal("IHDR"u8.ToArray(), png[12..16]);
        Assert.Equal(LearningCurve.Width, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4)));
        Assert.Equal(LearningCurve.Height, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20, 4)));
    }

    private static void AssertDecodesAtDeclaredSize(string path)
    {
        byte[] png = File.ReadAllBytes(path);
        AssertPngHeader(png);
        using SKBitmap bitmap = SKBitmap.Decode(png);
        Assert.NotNull(bitmap);
        Assert.True(Ink(bitmap, 0, bitmap.Width).ink > 1_000, "the chart is not blank");
    }

    /// <summary>Distinct colours and non-white pixels in the columns [<paramref name="from"/>, <paramref name="to"/>).</summary>
    private static (int colours, int ink) Ink(SKBitmap bitmap, int from, int to)
    {
        var colours = new HashSet<SKColor>();
        int ink = 0;
        for (int y = 0; y < bitmap.Height; y++)
        {
            for (int x = from; x < to; x++)
            {
                SKColor colour = bitmap.GetPixel(x, y);
                colours.Add(colour);
                if (colour != SKColors.White)
                {
                    ink++;
                }
            }
        }

        return (colours.Count, ink);
    }
}
