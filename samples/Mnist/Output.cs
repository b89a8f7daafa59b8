using System;
using System.Collections.Generic;
using System.Threading;
using Backprop;
using Spectre.Console;
using static System.FormattableString;

namespace Mnist;

/// <summary>
/// Where the run is reported: a live progress bar per epoch on a terminal, plain lines without
/// escape codes when standard output is redirected. The caller writes the final <c>accuracy:</c>
/// line itself, after everything else.
/// </summary>
internal abstract class Output
{
    protected Output(IAnsiConsole console) => Console = console;

    protected IAnsiConsole Console { get; }

    public static Output Create()
    {
        if (!System.Console.IsOutputRedirected)
        {
            return new LiveOutput(AnsiConsole.Console);
        }

        // Redirected: Spectre's no-ANSI, no-colour, non-interactive settings, and lines never wrapped.
        IAnsiConsole plain = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(System.Console.Out),
        });
        plain.Profile.Width = 4096;
        return new PlainOutput(plain);
    }

    /// <summary>Writes a line of text (never parsed as markup).</summary>
    public void Line(string text) => Console.WriteLine(text);

    /// <summary>Trains with <see cref="Trainer.Train"/>, reporting every epoch as it ends.</summary>
    public abstract IReadOnlyList<EpochResult> Train<TNet>(TNet network, DatasetSplit data, TrainingOptions options, CancellationToken cancellationToken)
        where TNet : class, INetwork<TNet>;

    /// <summary>One epoch on one line, e.g. <c>epoch  3/30  train cost 0.7284  test accuracy 0.8458  test cost 0.7887  0.28 s  246,694 samples/s</c>.</summary>
    protected static string Describe(EpochResult result)
    {
        string test = result.Test is { } t
            ? Invariant($"  test accuracy {t.Accuracy:F4}  test cost {t.MeanCost:F4}")
            : "";
        string width = result.Epochs.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string epoch = result.Epoch.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(width.Length);
        return Invariant($"epoch {epoch}/{width}  train cost {result.TrainingCost:F4}{test}  {result.Elapsed.TotalSeconds:F2} s  {result.SamplesPerSecond:N0} samples/s");
    }

    private sealed class PlainOutput(IAnsiConsole console) : Output(console)
    {
        public override IReadOnlyList<EpochResult> Train<TNet>(TNet network, DatasetSplit data, TrainingOptions options, CancellationToken cancellationToken)
            => Trainer.Train(
                network, data.Training, options, data.Test,
                new SyncProgress<EpochResult>(result => Line(Describe(result))),
                cancellationToken: cancellationToken);
    }

    private sealed class LiveOutput(IAnsiConsole console) : Output(console)
    {
        public override IReadOnlyList<EpochResult> Train<TNet>(TNet network, DatasetSplit data, TrainingOptions options, CancellationToken cancellationToken)
        {
            IReadOnlyList<EpochResult> results = [];
            Console.Progress()
                .AutoClear(true)
                .HideCompleted(true)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .Start(context =>
                {
                    // One bar per epoch, replaced by the epoch's result line when it ends.
                    ProgressTask? bar = null;
                    var samples = new SyncProgress<EpochProgress>(p =>
                    {
                        if (p.SamplesDone == 0)
                        {
                            bar = context.AddTask(Invariant($"Epoch {p.Epoch}/{p.Epochs}"), maxValue: p.SampleCount);
                        }
                        bar!.Value = p.SamplesDone;
                    });
                    var epochs = new SyncProgress<EpochResult>(result =>
                    {
                        bar?.StopTask();
                        Line(Describe(result));
                    });
                    results = Trainer.Train(network, data.Training, options, data.Test, epochs, samples, cancellationToken);
                });
            return results;
        }
    }
}

/// <summary>An <see cref="IProgress{T}"/> that runs its callback at once, on the training thread.</summary>
internal sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
