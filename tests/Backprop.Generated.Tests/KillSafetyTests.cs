using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Backprop.Generated.Tests.Networks;
using Xunit;
using Xunit.Abstractions;

namespace Backprop.Generated.Tests;

/// <summary>
/// NetworkSerializer.Save under SIGKILL: child processes (<see cref="SaveLoop"/>) save two different models to one
/// path over and over and are killed at random moments, as many times as the time budget allows (a few dozen on a
/// busy machine, hundreds with a longer budget). After every kill the file must load and be one of the two models,
/// and the temporary files of killed saves must not pile up.
/// </summary>
/// <remarks>
/// Starting a process is most of the cost of a kill (about 0.2 s of a free core), so the kills are counted against
/// a time budget (about 20 s in all) rather than fixed, and these tests run on their own, after the parallel ones.
/// Set <c>BACKPROP_KILL_SECONDS</c> to run longer: e.g. 120 for several hundred kills.
/// </remarks>
[Collection(nameof(KillSafetyTests))]
public sealed class KillSafetyTests(ITestOutputHelper output) : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    /// <summary>The time budget of the lanes test (the concurrent test gets half).</summary>
    private static readonly TimeSpan s_budget = TimeSpan.FromSeconds(
        double.TryParse(Environment.GetEnvironmentVariable("BACKPROP_KILL_SECONDS"), System.Globalization.CultureInfo.InvariantCulture, out double seconds) ? seconds : 12);

    private static readonly float[] s_first = SaveLoop.First().Parameters.ToArray();

    private static readonly float[] s_second = SaveLoop.Second().Parameters.ToArray();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void A_save_loop_killed_at_random_moments_always_leaves_one_of_the_two_models_and_at_most_one_temporary_file()
    {
        // Lanes of their own target each run in parallel, to kill more often than one process start allows.
        const int Lanes = 3;
        var clock = Stopwatch.StartNew();
        var results = new Lane[Lanes];
        var threads = Enumerable.Range(0, Lanes).Select(lane => new Thread(() =>
        {
            results[lane] = RunLane(_folder.File($"model{lane}.bpnet"), seed: lane, clock, budget: s_budget, maxKills: 1000);
        })).ToArray();
        foreach (Thread thread in threads)
        {
            thread.Start();
        }
        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        int kills = results.Sum(r => r.Kills), midSave = results.Sum(r => r.KillsMidSave);
        int first = results.Sum(r => r.First), second = results.Sum(r => r.Second);
        output.WriteLine($"{kills} kills ({string.Join(" + ", results.Select(r => r.Kills))} in {Lanes} lanes) in {clock.Elapsed.TotalSeconds:F1} s;");
        output.WriteLine($"the file held the first model after {first}, the second after {second}; {midSave} kills left a temporary file (killed in a save), never more than {results.Max(r => r.MaxTemporaries)} per target");
        Assert.All(results, r => Assert.Null(r.Failure));
        Assert.True(kills >= 20, $"only {kills} kills in the time budget");
        // The kills did land in saves (the split between the two models is reported: it depends on the machine's load).
        Assert.True(midSave > 0, "no kill landed in a save");

        // One more save of each target clears the leftover of its last killed process.
        for (int lane = 0; lane < Lanes; lane++)
        {
            NetworkSerializer.Save(SaveLoop.Second(), _folder.File($"model{lane}.bpnet"));
        }
        Assert.Empty(Temporaries());
        Assert.Equal(Enumerable.Range(0, Lanes).Select(lane => $"model{lane}.bpnet"), Directory.GetFileSystemEntries(_folder.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    private sealed record Lane(int Kills, int KillsMidSave, int MaxTemporaries, int First, int Second, string? Failure);

    /// <summary>
    /// Starts <c>save-loop</c> on <paramref name="path"/>, kills it at a random moment, checks the file and the
    /// temporary files, and again, until the budget is spent.
    /// </summary>
    private static Lane RunLane(string path, int seed, Stopwatch clock, TimeSpan budget, int maxKills)
    {
        NetworkSerializer.Save(SaveLoop.First(), path);
        var random = new Random(seed);
        int kills = 0, midSave = 0, maxTemporaries = 0, first = 0, second = 0;
        try
        {
            while (kills < maxKills && clock.Elapsed < budget)
            {
                using Process child = StartSaveLoop(path);
                try
                {
                    // A random moment in the saves that follow the first (each: clean-up, write, flush, rename,
                    // folder flush; 10 to 40 ms here).
                    Thread.Sleep(random.Next(0, 60));
                }
                finally
                {
                    Kill(child);
                }
                kills++;

                bool isFirst = LoadsAsOneOfTheTwo(path, kills);
                first += isFirst ? 1 : 0;
                second += isFirst ? 0 : 1;
                string[] temporaries = Temporaries(path);
                midSave += temporaries.Length;
                maxTemporaries = Math.Max(maxTemporaries, temporaries.Length);
                if (temporaries.Length > 1)
                {
                    throw new InvalidOperationException($"after kill {kills}: {temporaries.Length} temporary files: {string.Join(", ", temporaries)}");
                }
            }
        }
        catch (Exception e) when (e is InvalidOperationException or Xunit.Sdk.XunitException or IOException or ModelFormatException)
        {
            return new Lane(kills, midSave, maxTemporaries, first, second, $"{Path.GetFileName(path)}: {e.Message}");
        }
        return new Lane(kills, midSave, maxTemporaries, first, second, null);
    }

    [Fact]
    public async Task Processes_saving_one_path_at_once_and_killed_at_random_never_corrupt_it_and_their_leftovers_are_cleaned()
    {
        const int Concurrent = 4;
        string path = _folder.File("model.bpnet");
        NetworkSerializer.Save(SaveLoop.First(), path);
        var random = new Random(7);
        var clock = Stopwatch.StartNew();
        var children = new (Process Process, Task<string?> Ready)[Concurrent];
        int kills = 0, maxTemporaries = 0;
        try
        {
            for (int i = 0; i < Concurrent; i++)
            {
                children[i] = StartSaveLoopAsync(path);
            }
            while (kills < 1000 && clock.Elapsed < s_budget / 2)
            {
                // Kill one that is saving (has printed ready), at a random moment; the others go on saving.
                await Task.Delay(random.Next(0, 15));
                int[] saving = Enumerable.Range(0, Concurrent).Where(i => children[i].Ready.IsCompleted).ToArray();
                if (saving.Length == 0)
                {
                    continue;
                }
                int victim = saving[random.Next(saving.Length)];
                Assert.Equal(SaveLoop.Ready, await children[victim].Ready);
                Kill(children[victim].Process);
                children[victim].Process.Dispose();
                kills++;

                LoadsAsOneOfTheTwo(path, kills);
                // Each running process has at most its own, and each one killed leaves one until a running one
                // starts its next save and deletes it: a few at once, however many kills (without the clean-up,
                // one per kill).
                int temporaries = Temporaries().Length;
                maxTemporaries = Math.Max(maxTemporaries, temporaries);
                Assert.True(temporaries <= 2 * Concurrent, $"after kill {kills}: {temporaries} temporary files: {string.Join(", ", Temporaries())}");

                children[victim] = StartSaveLoopAsync(path);
            }
        }
        finally
        {
            foreach ((Process? child, _) in children)
            {
                if (child is not null)
                {
                    Kill(child);
                    child.Dispose();
                }
            }
        }

        output.WriteLine($"{kills} kills of {Concurrent} processes saving one file at once, in {clock.Elapsed.TotalSeconds:F1} s; never more than {maxTemporaries} temporary files at once");
        Assert.True(kills >= 10, $"only {kills} kills in the time budget");
        LoadsAsOneOfTheTwo(path, kills);
        Assert.True(Temporaries().Length <= 2 * Concurrent);

        NetworkSerializer.Save(SaveLoop.First(), path);
        Assert.Empty(Temporaries());
        Assert.Equal(new[] { "model.bpnet" }, Directory.GetFileSystemEntries(_folder.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void A_save_deletes_only_leftovers_of_its_own_target_from_processes_that_are_gone()
    {
        string path = _folder.File("model.bpnet");
        int running = OperatingSystem.IsWindows() ? 4 : 1; // System, init: always running, never this process
        int gone = DeadProcessId([]);
        int goneToo = DeadProcessId([gone]);
        int goneHeld = DeadProcessId([gone, goneToo]);
        string[] kept =
        [
            TemporaryName("model.bpnet", running),           // its process is running
            TemporaryName("other.bpnet", gone),              // another target's
            TemporaryName("model.bpnet", goneHeld),          // held open without sharing, as by a writer
            ".model.bpnet.tmp",                              // no process id
            ".model.bpnet.12x.tmp",                          // not a process id
            ".model.bpnet.-5.tmp",                           // not a process id
            ".model.bpnet.99999999999.tmp",                  // not a process id
            "model.bpnet." + gone + ".tmp",                  // no leading dot
            ".model.bpnet." + gone + ".tmp.bak",             // another suffix
            ".Model.bpnet." + gone + ".tmp",                 // another spelling
            ".model.bpnet.bak." + gone + ".tmp",             // another name
            "model.bpnet.tmp-0123456789ab",                  // the old random names: not this pattern
        ];
        string[] deleted = [TemporaryName("model.bpnet", gone), TemporaryName("model.bpnet", goneToo)];
        foreach (string name in kept.Concat(deleted))
        {
            File.WriteAllText(_folder.File(name), "x");
        }

        using (new FileStream(_folder.File(TemporaryName("model.bpnet", goneHeld)), FileMode.Open, FileAccess.Write, FileShare.None))
        {
            NetworkSerializer.Save(SaveLoop.First(), path);
        }

        string[] remaining = Directory.GetFiles(_folder.Path).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(kept.Append("model.bpnet").Order(StringComparer.Ordinal), remaining);
    }

    [Fact]
    public void A_failed_save_leaves_no_temporary_file_and_a_later_save_works()
    {
        string path = _folder.File("model.bpnet");
        Directory.CreateDirectory(path);
        Assert.ThrowsAny<IOException>(() => NetworkSerializer.SaveBase64(SaveLoop.First(), path));
        Assert.Equal(new[] { path }, Directory.GetFileSystemEntries(_folder.Path));

        Directory.Delete(path);
        NetworkSerializer.SaveBase64(SaveLoop.First(), path);
        NetworkSerializer.SaveBase64(SaveLoop.Second(), path);
        Assert.Equal(new[] { "model.bpnet" }, Directory.GetFileSystemEntries(_folder.Path).Select(Path.GetFileName));
    }

    private static string TemporaryName(string name, int processId)
        => "." + name + "." + processId.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".tmp";

    /// <summary>A process id no process has now (ids are not reused within the milliseconds this is used).</summary>
    private static int DeadProcessId(int[] exclude)
    {
        for (int candidate = 999_999; ; candidate--)
        {
            if (!exclude.Contains(candidate) && !IsRunning(candidate))
            {
                return candidate;
            }
        }
    }

    private static bool IsRunning(int processId)
    {
        try
        {
            using Process process = Process.GetProcessById(processId);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>The file at <paramref name="path"/> loads and holds the first or the second model: which (true: the first).</summary>
    private static bool LoadsAsOneOfTheTwo(string path, int kills)
    {
        Assert.True(File.Exists(path), $"after kill {kills}: the model file is missing");
        float[] loaded = NetworkSerializer.Load<DigitNet100>(path).Parameters.ToArray();
        bool isFirst = loaded.AsSpan().SequenceEqual(s_first);
        Assert.True(isFirst || loaded.AsSpan().SequenceEqual(s_second), $"after kill {kills}: the model is neither of the two");
        return isFirst;
    }

    /// <summary>The temporary files in the folder (of any target).</summary>
    private string[] Temporaries()
        => Directory.GetFiles(_folder.Path, ".*.tmp").Select(Path.GetFileName).OfType<string>().ToArray();

    /// <summary>The temporary files of the target <paramref name="path"/>.</summary>
    private static string[] Temporaries(string path)
        => Directory.GetFiles(Path.GetDirectoryName(path)!, "." + Path.GetFileName(path) + ".*.tmp").Select(Path.GetFileName).OfType<string>().ToArray();

    /// <summary>Starts this assembly as <c>save-loop <paramref name="path"/></c> and waits until it is about to save.</summary>
    private static Process StartSaveLoop(string path)
    {
        (Process process, Task<string?> ready) = StartSaveLoopAsync(path);
        string? line = ready.GetAwaiter().GetResult();
        if (line != SaveLoop.Ready)
        {
            Kill(process);
            throw new InvalidOperationException($"save-loop did not start: '{line}', exit code {process.ExitCode}");
        }
        return process;
    }

    /// <summary>Starts this assembly as <c>save-loop <paramref name="path"/></c>; the task completes with its first line (ready).</summary>
    private static (Process Process, Task<string?> Ready) StartSaveLoopAsync(string path)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(typeof(Program).Assembly.Location);
        info.ArgumentList.Add(SaveLoop.Command);
        info.ArgumentList.Add(path);
        var process = new Process { StartInfo = info };
        process.Start();
        return (process, process.StandardOutput.ReadLineAsync());
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(); // SIGKILL on Unix, TerminateProcess on Windows: no clean-up runs in the child
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        process.WaitForExit();
    }
}

/// <summary>The kill tests start many processes: they run alone, not beside other test classes.</summary>
[CollectionDefinition(nameof(KillSafetyTests), DisableParallelization = true)]
public sealed class KillSafetyCollection;
