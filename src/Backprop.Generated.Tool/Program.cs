using System;
using System.CommandLine;
using System.IO;
using System.Linq;
using Backprop.Onnx;

namespace Backprop.Tool;

/// <summary>
/// <c>backprop</c>: <c>import</c> an ONNX multilayer perceptron or convolutional network, <c>export</c> a model to ONNX, print a model's
/// <c>base64</c> text form, <c>inspect</c> a model file. Every error is one line on standard error with exit code 1
/// (2 for a command line that does not parse).
/// </summary>
internal static class Program
{
    internal const int Failure = 1;
    internal const int UsageError = 2;

    private static int Main(string[] args)
    {
        RootCommand root = Commands.Build();
        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            string command = parsed.CommandResult.Command is RootCommand ? "backprop" : "backprop " + parsed.CommandResult.Command.Name;
            // All of them on one line: e.g. an unknown word also leaves a command missing.
            string errors = string.Join(" ", parsed.Errors.Select(error => error.Message.TrimEnd('.') + "."));
            return Fail($"{errors} (see '{command} --help')", UsageError);
        }
        try
        {
            return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception error) when (error is ModelFormatException or OnnxImportException or IOException
            or UnauthorizedAccessException or ArgumentException or InvalidDataException or ToolException)
        {
            return Fail(error.Message, Failure);
        }
    }

    /// <summary>Writes <c>backprop: error: message</c> as one line to standard error and returns <paramref name="exitCode"/>.</summary>
    internal static int Fail(string message, int exitCode)
    {
        string line = message.ReplaceLineEndings(" ").Trim();
        Console.Error.WriteLine($"backprop: error: {line}");
        return exitCode;
    }
}

/// <summary>A failure the tool itself detects (a wrong argument value, a mismatch), reported like any other error.</summary>
internal sealed class ToolException(string message) : Exception(message);
