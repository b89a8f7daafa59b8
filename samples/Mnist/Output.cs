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

    /// <summary>
    /// Runs <paramref name="epochs"/> more epochs of <paramref name="session"/> (fewer if early stopping ends them),
    /// reporting every epoch as it ends.
    /// </summary>
    public List<EpochResult> Train<TNet>(TrainingSession<TNet> session, int epochs, CancellationToken cancellationToken)
        where TNet : class, INetwork<TNet>
    {
        var results = new List<EpochResult>(epochs);
        Run(epochProgress =>
        {
            for (int i = 0; i < epochs; i++)
            {
                EpochResult result = session.RunEpoch(epochProgress, cancellationToken);
                results.Add(result);
                EpochEnded(result);
                if (result.StoppedEarly)
                {
                    break;
                }
            }
        });
        return results;
    }

    /// <summary>Runs <paramref name="training"/>, giving it where to report progress within an epoch.</summary>
    protected abstract void Run(Action<IProgress<EpochProgress>?> training);

    /// <summary>Reports an epoch that has ended.</summary>
    protected virtual void EpochEnded(EpochResult result) => Line(Describe(result));

    /// <summary>
    /// One epoch on one line, e.g. <c>epoch  3/30  train cost 0.7284  test accuracy 0.8458  test cost 0.7887  0.28 s  246,694 samples/s</c>,
    /// with the learning rate when a schedule changes it and the validation split's results when there is one.
    /// </summary>
    private string Describe(EpochResult result)
    {
        string rate = ShowsLearningRate ? Invariant($"  η {result.LearningRate:G4}") : "";
        string validation = result.Validation is { } v
            ? Invariant($"  validation accuracy {v.Accuracy:F4}{(result.BestEpoch == result.Epoch ? " (best)" : "")}  validation cost {v.MeanCost:F4}")
            : "";
        string test = result.Test is { } t
            ? Invariant($"  test accuracy {t.Accuracy:F4}  test cost {t.MeanCost:F4}")
            : "";
        string width = result.Epochs.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string epoch = result.Epoch.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(width.Length);
        return Invariant($"epoch {epoch}/{width}{rate}  train cost {result.TrainingCost:F4}{validation}{test}  {result.Elapsed.TotalSeconds:F2} s  {result.SamplesPerSecond:N0} samples/s");
    }

    /// <summary>Whether each epoch's line shows its learning rate (when a schedule changes it).</summary>
    public bool ShowsLearningRate { get; set; }

    private sealed class PlainOutput(IAnsiConsole console) : Output(console)
    {
        protected override void Run(Action<IProgress<EpochProgress>?> training) => training(null);
    }

    private sealed class LiveOutput(IAnsiConsole console) : Output(console)
    {
        private ProgressTask? _bar;

        protected override void Run(Action<IProgress<EpochProgress>?> training)
            => Console.Progress()
                .AutoClear(true)
                .HideCompleted(true)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .Start(context =>
                {
                    // One bar per epoch, replaced by the epoch's result line when it ends.
                    training(new SyncProgress<EpochProgress>(p =>
                    {
                        if (p.SamplesDone == 0)
                        {
                            _bar = context.AddTask(Invariant($"Epoch {p.Epoch}/{p.Epochs}"), maxValue: p.SampleCount);
                        }
                        _bar!.Value = p.SamplesDone;
                    }));
                });

        protected override void EpochEnded(EpochResult result)
        {
            _bar?.StopTask();
            base.EpochEnded(result);
        }
    }
}

/// <summary>An <see cref="IProgress{T}"/> that runs its callback at once, on the training thread.</summary>
internal sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
