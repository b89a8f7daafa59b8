using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using Backprop;

namespace Mnist;

/// <summary>
/// The main job: <c>dotnet run -c Release --project samples/Mnist</c> trains a generated
/// 784-30-10 network (or another, <c>--network</c>) on the embedded Fashion-MNIST, saves it and prints its test accuracy.
/// </summary>
internal static class Program
{
    private const int ExitUsage = 2;
    private const int ExitFailure = 1;
    private const int ExitCancelled = 130;

    private static int Main(string[] args)
    {
        using var cancellation = new CancellationTokenSource();
        // Ctrl+C cancels at the next mini-batch; a second Ctrl+C ends the process at once.
        Console.CancelKeyPress += (_, e) =>
        {
            if (!cancellation.IsCancellationRequested)
            {
                e.Cancel = true;
                cancellation.Cancel();
            }
        };

        try
        {
            CommandLine commandLine = CommandLine.Parse(args);
            if (commandLine.Help)
            {
                Console.WriteLine(CommandLine.HelpText);
                return 0;
            }

            return Run(commandLine, cancellation.Token);
        }
        catch (UsageException e)
        {
            return Fail(e.Message + " (see --help)", ExitUsage);
        }
        catch (OperationCanceledException)
        {
            return Fail("cancelled; the model was not saved", ExitCancelled);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or TrainingDivergedException)
        {
            // Missing or bad data (IdxFormatException), bad models (ModelFormatException), missing
            // files and folders, unwritable save paths, divergence: all say what and where.
            return Fail(e.Message, ExitFailure);
        }
    }

    private static int Run(CommandLine commandLine, CancellationToken cancellationToken)
    {
        // The network: each of --network, --hidden and --output, else what the --load file holds, else the default
        // (784-30-10, sigmoid, sigmoid). A file that disagrees with an option fails to load, naming both.
        ModelInfo? file = commandLine.LoadPath is not null ? NetworkSerializer.ReadInfo(commandLine.LoadPath) : null;
        string? name = commandLine.Network ?? (file is null ? CommandLine.DefaultNetwork : Networks.NameOf(file.Architecture));
        NetworkChoice? network = null;
        if (name is not null && Networks.FindNamed(name) is { } named)
        {
            // A network of its own layers: --hidden and --output have nothing to choose.
            if (commandLine.Hidden is not null || commandLine.Output is not null)
            {
                throw CommandLine.OwnActivations(name);
            }
            network = named;
        }
        else if (name is not null)
        {
            ActivationKind hidden = commandLine.Hidden
                ?? (file is { Activations.Count: > 1 } ? file.Activations[0] : ActivationKind.Sigmoid);
            ActivationKind output = commandLine.Output ?? file?.OutputActivation ?? ActivationKind.Sigmoid;
            network = Networks.Find(name, hidden, output);
        }

        if (network is null)
        {
            throw new UsageException(
                $"the model '{commandLine.LoadPath}' is a {file!.Shape} network with {file.Functions}; this program has "
                + $"{string.Join(" and ", CommandLine.DenseNetworks)} networks with a {Names(CommandLine.HiddenActivations)} hidden layer "
                + $"and a {Names(CommandLine.OutputActivations)} output, and {string.Join(" and ", CommandLine.Networks.Except(CommandLine.DenseNetworks))}");
        }
        return network.Run(commandLine, network, cancellationToken);
    }

    private static string Names(IReadOnlyList<(string Name, ActivationKind Kind)> choices)
    {
        var names = new List<string>(choices.Count);
        foreach ((string name, _) in choices)
        {
            names.Add(name);
        }
        return string.Join(", ", names[..^1]) + " or " + names[^1];
    }

    private static int Fail(string message, int exitCode)
    {
        // One line, whatever the exception's message holds.
        Console.Error.WriteLine("error: " + message.ReplaceLineEndings(" "));
        return exitCode;
    }
}
