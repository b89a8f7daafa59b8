using System;
using Backprop.Generated.Tests.Networks;

namespace Backprop.Generated.Tests;

/// <summary>
/// <c>save-loop &lt;path&gt;</c>, a mode of the test assembly's entry point (<see cref="Program"/>): saves
/// <see cref="First"/> and <see cref="Second"/> to the path, alternately, until the process is killed. It prints
/// <c>ready</c> (and flushes) once its first save is done. <see cref="KillSafetyTests"/> kills it at random moments
/// and checks what it leaves on disk.
/// </summary>
public static class SaveLoop
{
    /// <summary>The first argument that selects this mode.</summary>
    public const string Command = "save-loop";

    /// <summary>The line printed after the first save.</summary>
    public const string Ready = "ready";

    /// <summary>
    /// The network saved at even iterations: 318 KB of parameters, so that a kill often lands in a save, all 0.5
    /// (a fill, not a seeded initialisation, to keep the child's start-up short).
    /// </summary>
    public static DigitNet100 First() => Filled(0.5f);

    /// <summary>The network saved at odd iterations: the same shape, every parameter −0.25.</summary>
    public static DigitNet100 Second() => Filled(-0.25f);

    private static DigitNet100 Filled(float value)
    {
        DigitNet100 network = DigitNet100.Create();
        network.Parameters.Fill(value);
        return network;
    }

    /// <summary>Saves the two networks to <paramref name="path"/> alternately, forever.</summary>
    public static int Run(string path)
    {
        DigitNet100 first = First();
        DigitNet100 second = Second();
        for (long i = 0; ; i++)
        {
            NetworkSerializer.Save(i % 2 == 0 ? first : second, path);
            if (i == 0)
            {
                // The first save, which also compiles the code, is done: from now on the time goes into saves.
                Console.Out.WriteLine(Ready);
                Console.Out.Flush();
            }
        }
    }
}
