using System;
using System.IO;
using System.Threading;
using Backprop;

namespace Mnist;

/// <summary>
/// The main job: <c>dotnet run -c Release --project samples/Mnist</c> trains a generated
/// 784-30-10 network on the embedded Fashion-MNIST, saves it and prints its test accuracy.
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
                Console.WriteLine(CommandLine.Usage);
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
        // The network: --network, else the shape of the --load file, else 784-30-10.
        string shape = commandLine.Network
            ?? (commandLine.LoadPath is not null ? NetworkSerializer.ReadInfo(commandLine.LoadPath).Shape : CommandLine.DefaultNetwork);
        return shape switch
        {
            "784-30-10" => Session.Run<FashionNet30>(commandLine, cancellationToken),
            "784-100-10" => Session.Run<FashionNet100>(commandLine, cancellationToken),
            _ => throw new UsageException(
                $"the model '{commandLine.LoadPath}' is a {shape} network; this program has {string.Join(" and ", CommandLine.Networks)}"),
        };
    }

    private static int Fail(string message, int exitCode)
    {
        // One line, whatever the exception's message holds.
        Console.Error.WriteLine("error: " + message.ReplaceLineEndings(" "));
        return exitCode;
    }
}
