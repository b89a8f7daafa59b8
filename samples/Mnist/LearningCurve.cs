using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using ScottPlot;
using ScottPlot.Plottables;
using ScottPlot.TickGenerators;
using SkiaSharp;

namespace Mnist;

/// <summary>
/// One epoch of a training run, as drawn by <see cref="LearningCurve"/>. Only the training cost is
/// always known; every other number is <see langword="null"/> when it was not measured that epoch.
/// </summary>
/// <param name="Epoch">The epoch number (1 for the first epoch).</param>
/// <param name="TrainingCost">Mean cost over the training set.</param>
/// <param name="TrainingAccuracy">Fraction (0..1) of the training set classified correctly, if measured.</param>
/// <param name="ValidationCost">Mean cost over the validation set, if measured.</param>
/// <param name="ValidationAccuracy">Fraction (0..1) of the validation set classified correctly, if measured.</param>
/// <param name="TestCost">Mean cost over the test set, if measured.</param>
/// <param name="TestAccuracy">Fraction (0..1) of the test set classified correctly, if measured.</param>
public readonly record struct LearningCurvePoint(
    int Epoch, double TrainingCost, double? TrainingAccuracy,
    double? ValidationCost, double? ValidationAccuracy,
    double? TestCost, double? TestAccuracy);

/// <summary>
/// Draws a learning curve with ScottPlot: the mean cost per epoch on the left, the accuracy (in
/// percent) per epoch on the right, one line with markers for each of training, validation and
/// test that has at least one value, under a common title.
/// </summary>
public static class LearningCurve
{
    /// <summary>Width in pixels of the PNG (and the width of the SVG).</summary>
    public const int Width = 1200;

    /// <summary>Height in pixels of the PNG (and the height of the SVG).</summary>
    public const int Height = 500;

    /// <summary>The band above the two panels that holds the title.</summary>
    private const float TitleBand = 44;

    /// <summary>The same split has the same colour and marker in both panels.</summary>
    private static readonly Series[] AllSeries =
    [
        new("training", new Color(31, 119, 180), MarkerShape.FilledCircle, p => p.TrainingCost, p => p.TrainingAccuracy),
        new("validation", new Color(255, 127, 14), MarkerShape.FilledSquare, p => p.ValidationCost, p => p.ValidationAccuracy),
        new("test", new Color(44, 160, 44), MarkerShape.FilledTriangleUp, p => p.TestCost, p => p.TestAccuracy),
    ];

    /// <summary>
    /// Saves a chart of <paramref name="points"/> to <paramref name="path"/>, as a PNG of
    /// <see cref="Width"/> x <see cref="Height"/> pixels or an SVG of that size, chosen by the
    /// extension (<c>.png</c> or <c>.svg</c>, case-insensitive). The chart is rendered in memory and
    /// the file is written only at the end, so a failed render leaves no file behind.
    /// </summary>
    /// <param name="path">Where to write the chart; its extension picks the format.</param>
    /// <param name="points">The epochs to draw, in any order; a series is drawn only where it has values.</param>
    /// <param name="title">The title above the two panels.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The extension of <paramref name="path"/> is neither <c>.png</c> nor <c>.svg</c>.</exception>
    /// <exception cref="IOException">The file cannot be written (e.g. <see cref="DirectoryNotFoundException"/>); the message names the path.</exception>
    /// <exception cref="UnauthorizedAccessException">The file may not be written.</exception>
    public static void Save(string path, IReadOnlyList<LearningCurvePoint> points, string title)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(title);

        string extension = Path.GetExtension(path);
        byte[] bytes;
        if (extension.Equals(".png", StringComparison.OrdinalIgnoreCase))
        {
            bytes = RenderPng(points, title);
        }
        else if (extension.Equals(".svg", StringComparison.OrdinalIgnoreCase))
        {
            bytes = RenderSvg(points, title);
        }
        else
        {
            throw new ArgumentException(
                $"Cannot save the learning curve to '{path}': the file name must end in .png or .svg.", nameof(path));
        }

        // The framework's exceptions (DirectoryNotFoundException, ...) already name the path.
        File.WriteAllBytes(path, bytes);
    }

    private static byte[] RenderPng(IReadOnlyList<LearningCurvePoint> points, string title)
    {
        using SKSurface surface = SKSurface.Create(new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException("SkiaSharp could not create a drawing surface.");
        Draw(surface.Canvas, points, title);
        using SKImage image = surface.Snapshot();
        using SKData data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    private static byte[] RenderSvg(IReadOnlyList<LearningCurvePoint> points, string title)
    {
        using var stream = new MemoryStream();
        // The SVG is complete only once its canvas is disposed.
        using (SKCanvas canvas = SKSvgCanvas.Create(new SKRect(0, 0, Width, Height), stream))
        {
            Draw(canvas, points, title);
        }

        return stream.ToArray();
    }

    private static void Draw(SKCanvas canvas, IReadOnlyList<LearningCurvePoint> points, string title)
    {
        canvas.Clear(SKColors.White);
        string font = SansFont();

        // Cost on the left, accuracy on the right: two panels of the same size.
        Plot cost = CreatePanel("Cost", "mean cost", font);
        Plot accuracy = CreatePanel("Accuracy", "accuracy (%)", font);
        bool anyCost = false, anyAccuracy = false;
        foreach (Series series in AllSeries)
        {
            anyCost |= AddLine(cost, series, points, p => series.Cost(p));
            anyAccuracy |= AddLine(accuracy, series, points, p => series.Accuracy(p) * 100);
        }

        // A panel without a single value says so, over the epochs of the other panel.
        (double first, double last) epochs = (0, 1);
        if (anyCost)
        {
            cost.Axes.AutoScale();
            AxisLimits limits = cost.Axes.GetLimits();
            epochs = (limits.Left, limits.Right);
        }

        if (!anyCost)
        {
            MarkEmpty(cost, epochs, 1, "no cost measured", font);
        }

        if (!anyAccuracy)
        {
            MarkEmpty(accuracy, epochs, 100, "no accuracy measured", font);
        }

        // Cost falls and accuracy rises: the corners the curves usually leave empty hold the legends.
        cost.ShowLegend(Alignment.UpperRight);
        accuracy.ShowLegend(Alignment.LowerRight);

        RenderPanel(canvas, cost, new PixelRect(0, Width / 2f, Height, TitleBand));
        RenderPanel(canvas, accuracy, new PixelRect(Width / 2f, Width, Height, TitleBand));

        // The title, centred in its band above both panels.
        var heading = new LabelStyle
        {
            Text = title,
            FontName = font,
            FontSize = 20,
            Bold = true,
            ForeColor = Colors.Black,
            Alignment = Alignment.UpperCenter,
        };
        using (Paint paint = Paint.NewDisposablePaint())
        {
            heading.Render(canvas, new Pixel(Width / 2f, 12), paint);
        }
    }

    /// <summary>Renders a plot into its rectangle (left, right, bottom, top) of the shared canvas.</summary>
    private static void RenderPanel(SKCanvas canvas, Plot plot, PixelRect rectangle)
    {
        // A plot clears the canvas before it draws: the clip keeps it from erasing its neighbours.
        canvas.Save();
        canvas.ClipRect(rectangle.ToSKRect());
        plot.Render(canvas, rectangle);
        canvas.Restore();
    }

    private static Plot CreatePanel(string title, string yLabel, string font)
    {
        // Fonts are set label by label: plot.Font.Set would also change ScottPlot's process-wide default font.
        var plot = new Plot();
        plot.Title(title, size: 16);
        plot.XLabel("epoch", size: 14);
        plot.YLabel(yLabel, size: 14);
        plot.Axes.Title.Label.FontName = font;
        plot.Legend.FontName = font;
        plot.Legend.FontSize = 13;
        foreach (IAxis axis in (ReadOnlySpan<IAxis>)[plot.Axes.Bottom, plot.Axes.Left])
        {
            axis.Label.FontName = font;
            axis.TickLabelStyle.FontName = font;
            axis.TickLabelStyle.FontSize = 12;
        }

        // Whole epochs only; every tick label in the invariant culture.
        plot.Axes.Bottom.TickGenerator = new NumericAutomatic { IntegerTicksOnly = true, LabelFormatter = FormatTick };
        plot.Axes.Left.TickGenerator = new NumericAutomatic { LabelFormatter = FormatTick };
        return plot;
    }

    /// <summary>Fixes the axes of a panel that has no line and writes <paramref name="note"/> in its middle.</summary>
    private static void MarkEmpty(Plot plot, (double First, double Last) epochs, double top, string note, string font)
    {
        plot.Axes.SetLimits(epochs.First, epochs.Last, 0, top);
        Text text = plot.Add.Text(note, (epochs.First + epochs.Last) / 2, top / 2);
        text.LabelAlignment = Alignment.MiddleCenter;
        text.LabelFontName = font;
        text.LabelFontSize = 14;
        text.LabelFontColor = Colors.Gray;
    }

    /// <summary>
    /// Adds a line with markers through the epochs where <paramref name="value"/> is a finite number;
    /// <see langword="false"/> when there is none, and nothing was added.
    /// </summary>
    private static bool AddLine(Plot plot, Series series, IReadOnlyList<LearningCurvePoint> points, Func<LearningCurvePoint, double?> value)
    {
        var xs = new List<double>(points.Count);
        var ys = new List<double>(points.Count);
        foreach (LearningCurvePoint point in points)
        {
            if (value(point) is double y && double.IsFinite(y))
            {
                xs.Add(point.Epoch);
                ys.Add(y);
            }
        }

        if (xs.Count == 0)
        {
            return false;
        }

        Scatter line = plot.Add.Scatter(xs.ToArray(), ys.ToArray(), series.Color);
        line.LegendText = series.Name;
        line.LineWidth = 2;
        line.MarkerShape = series.Marker;
        line.MarkerSize = 8;
        return true;
    }

    /// <summary>Tick labels in the invariant culture, without the noise of binary fractions (0.30000000000000004).</summary>
    private static string FormatTick(double value)
        => (Math.Round(value, 9) + 0.0).ToString("G6", CultureInfo.InvariantCulture);

    /// <summary>A sans-serif family that is installed, or ScottPlot's own choice.</summary>
    private static string SansFont()
    {
        foreach (string family in (ReadOnlySpan<string>)["DejaVu Sans", "Liberation Sans", "Arial", "Helvetica", "Segoe UI"])
        {
            // ScottPlot answers a missing family with a fallback typeface: compare the family it found.
            if (string.Equals(Fonts.GetTypeface(family, bold: false, italic: false).FamilyName, family, StringComparison.OrdinalIgnoreCase))
            {
                return family;
            }
        }

        return Fonts.Sans;
    }

    private sealed record Series(
        string Name, Color Color, MarkerShape Marker,
        Func<LearningCurvePoint, double?> Cost, Func<LearningCurvePoint, double?> Accuracy);
}
