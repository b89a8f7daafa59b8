using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Backprop.Generated.TestSupport;
using Microsoft.ML.OnnxRuntime;

namespace Backprop.Generated.Benchmarks;

/// <summary>samples/FromPyTorch's network (784-64-10, ReLU, softmax); <c>peers onnx</c> loads its weights from the sample's .b64 file.</summary>
[Network(784, 64, 10, HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Softmax)]
public sealed partial class FashionMlp64 { }

/// <summary>
/// <c>-- peers onnx [--sample FILE] [--ort FILE] [--runs N]</c>: samples/FromPyTorch against ONNX Runtime on the same
/// model (the sample's fashion-mlp.onnx), side by side in one run: the time from process start to exit of a program
/// that classifies one image (the sample's NativeAOT binary with <c>--one</c> against OrtStartup, the same job with
/// ONNX Runtime, also published with NativeAOT; both under the JIT too), the latency of one image in this process
/// (<c>Forward</c> against <c>InferenceSession.Run</c> with pre-allocated OrtValues, and with an OrtIoBinding), and
/// the size on disk of what each deploys. <c>--sample</c> and <c>--ort</c> take already published binaries; otherwise
/// the command publishes both (NativeAOT needs clang, or a clang-N on the PATH).
/// </summary>
public static partial class PeersCommand
{
    private const int StartupRuns = 20;
    private const int StartupWarmupRuns = 2;
    private const int LatencyRounds = 7;
    private static readonly TimeSpan s_publishTimeout = TimeSpan.FromMinutes(10);

    private static int RunOnnx(string[] args)
    {
        string? sample = null, ort = null;
        int runs = StartupRuns;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--sample" && i + 1 < args.Length)
            {
                sample = Path.GetFullPath(args[++i]);
            }
            else if (args[i] == "--ort" && i + 1 < args.Length)
            {
                ort = Path.GetFullPath(args[++i]);
            }
            else if (args[i] == "--runs" && i + 1 < args.Length
                && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out runs) && runs >= 1)
            {
                i++;
            }
            else
            {
                return Usage();
            }
        }

        string root = BenchmarkData.RepositoryRoot();
        string sampleFolder = Path.Combine(root, "samples", "FromPyTorch");
        string model = Path.Combine(sampleFolder, "fashion-mlp.onnx");
        string data = Path.Combine(root, "data", "fashion-mnist");
        string ortFolder = Path.Combine(root, "tests", "Backprop.Generated.Benchmarks", "OrtStartup");
        string work = Directory.CreateTempSubdirectory("peers-onnx-").FullName;
        string artifacts = Path.Combine(work, "artifacts");
        try
        {
            // (a) The programs: published with NativeAOT unless given, and the same two built for the JIT.
            string? sampleAvx2 = null;
            if (sample is null || ort is null)
            {
                string[]? clang = NativeToolchain.PublishArguments();
                if (clang is null)
                {
                    Console.WriteLine("NativeAOT publishing needs clang (apt-get install clang), and neither clang nor clang-N is on the PATH; pass --sample and --ort.");
                    return 1;
                }
                sample ??= Publish(sampleFolder, Path.Combine(work, "sample"), artifacts, "FromPyTorch", clang);
                ort ??= Publish(ortFolder, Path.Combine(work, "ort"), artifacts, "OrtStartup", clang);
                // The same program for x86-64-v3 (AVX2) rather than NativeAOT's portable default (up to SSE4.2): the
                // generated kernels then use Vector256, as the JIT does on this machine.
                sampleAvx2 = Publish(sampleFolder, Path.Combine(work, "sample-avx2"), Path.Combine(work, "artifacts-avx2"), "FromPyTorch", [.. clang, "-p:IlcInstructionSet=x86-64-v3"]);
            }
            if (sample is null || ort is null)
            {
                return 1;
            }
            string? sampleJit = BuildForJit(sampleFolder, Path.Combine(work, "sample-jit"), artifacts, "FromPyTorch");
            string? ortJit = BuildForJit(ortFolder, Path.Combine(work, "ort-jit"), artifacts, "OrtStartup");

            // (b) Start-up: process start to exit, one prediction each; the programs take turns, so a busy moment
            // of this shared machine falls on all of them alike.
            Console.WriteLine();
            Console.WriteLine($"start-up: {runs} runs each (taking turns) after {StartupWarmupRuns} unmeasured, median wall time from Process.Start to exit");
            var programs = new List<(string Name, string Program, string[] Arguments)>
            {
                ("generated, NativeAOT (FromPyTorch --one)", sample, ["--one", "--data", data]),
                ("ONNX Runtime, NativeAOT (OrtStartup)", ort, [model, data]),
            };
            if (sampleJit is not null)
            {
                programs.Add(("generated, JIT (dotnet FromPyTorch.dll --one)", DotnetHost(), [sampleJit, "--one", "--data", data]));
            }
            if (ortJit is not null)
            {
                programs.Add(("ONNX Runtime, JIT (dotnet OrtStartup.dll)", DotnetHost(), [ortJit, model, data]));
            }
            List<(string Program, double Milliseconds)> startup = MeasureStartup(programs, runs);

            // (c) Latency of one image, in this process (JIT), and the sample binaries' own measurement.
            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"latency of one image (test image 0): median of {LatencyRounds} rounds (taking turns) after a warm-up round, one thread; {Environment.ProcessorCount} cores, Vector512 accelerated: {System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated}"));
            List<(string Name, double Nanoseconds)> latency = MeasureInProcess(sampleFolder, model, data);
            foreach ((string name, string? binary) in new[] { ("generated Forward, NativeAOT, portable default instruction set (FromPyTorch --latency)", sample), ("generated Forward, NativeAOT -p:IlcInstructionSet=x86-64-v3", sampleAvx2) })
            {
                if (binary is not null && RunLatency(binary, data) is double nanoseconds)
                {
                    latency.Add((name, nanoseconds));
                }
            }

            // (d) The tables.
            Console.WriteLine();
            Console.WriteLine("| start-up (one prediction, process start to exit) | median | ratio to generated NativeAOT |");
            Console.WriteLine("|---|---|---|");
            foreach ((string program, double milliseconds) in startup)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {program} | {milliseconds:F1} ms | {milliseconds / startup[0].Milliseconds:F2} |"));
            }
            Console.WriteLine();
            Console.WriteLine("| latency of one image | median | ratio to generated Forward (JIT) |");
            Console.WriteLine("|---|---|---|");
            foreach ((string name, double nanoseconds) in latency)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {nanoseconds:F0} ns | {nanoseconds / latency[0].Nanoseconds:F2} |"));
            }
            Console.WriteLine();
            Console.WriteLine("| deployed (NativeAOT, stripped) | files | bytes |");
            Console.WriteLine("|---|---|---|");
            string[] ortFiles = [ort, .. Directory.EnumerateFiles(Path.GetDirectoryName(ort)!, "libonnxruntime*.so").Order(StringComparer.Ordinal)];
            long sampleBytes = new FileInfo(sample).Length, ortBytes = ortFiles.Sum(file => new FileInfo(file).Length);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| generated (weights inside) | {Path.GetFileName(sample)} | {sampleBytes:N0} |"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| ONNX Runtime (+ fashion-mlp.onnx, {new FileInfo(model).Length:N0} bytes, not counted) | {string.Join(" + ", ortFiles.Select(Path.GetFileName))} | {ortBytes:N0} ({(double)ortBytes / sampleBytes:F1}×) |"));
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>
    /// In this process: the generated network's <c>Forward</c> (weights read from the sample's .b64 file) against ONNX
    /// Runtime on the sample's .onnx file, one intra-op thread, pre-allocated input and output OrtValues; first checked to agree.
    /// </summary>
    private static List<(string Name, double Nanoseconds)> MeasureInProcess(string sampleFolder, string model, string data)
    {
        Dataset test = IdxReader.Read(Path.Combine(data, IdxReader.TestImagesFileName + ".gz"), Path.Combine(data, IdxReader.TestLabelsFileName + ".gz"), maxCount: 1);
        float[] input = test.Input(0).ToArray();

        FashionMlp64 network = FashionMlp64.Create();
        byte[] modelBytes = Convert.FromBase64String(File.ReadAllText(Path.Combine(sampleFolder, "fashion-mlp.bpnet.b64")));
        using (var stream = new MemoryStream(modelBytes))
        {
            NetworkSerializer.LoadInto(network, stream, "fashion-mlp.bpnet.b64");
        }
        var ours = new float[FashionMlp64.OutputSize];

        using var options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        using var session = new InferenceSession(model, options);
        var theirs = new float[FashionMlp64.OutputSize];
        using var inputValue = OrtValue.CreateTensorValueFromMemory(input, [1, input.Length]);
        using var outputValue = OrtValue.CreateTensorValueFromMemory(theirs, [1, theirs.Length]);
        using var runOptions = new RunOptions();
        string[] inputNames = ["input"], outputNames = ["output"];
        OrtValue[] inputValues = [inputValue], outputValues = [outputValue];
        using var binding = session.CreateIoBinding();
        binding.BindInput("input", inputValue);
        binding.BindOutput("output", outputValue);

        network.Forward(input, ours);
        session.Run(runOptions, inputNames, inputValues, outputNames, outputValues);
        float difference = ours.Zip(theirs, (a, b) => Math.Abs(a - b)).Max();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"image 0: generated and ONNX Runtime outputs differ by at most {difference:G3}; class {Array.IndexOf(ours, ours.Max())} and {Array.IndexOf(theirs, theirs.Max())}"));

        var candidates = new (string Name, int Calls, Action Call)[]
        {
            ("generated Forward, JIT (this process)", 100_000, () => network.Forward(input, ours)),
            ("ONNX Runtime InferenceSession.Run, pre-allocated OrtValues (this process)", 20_000, () => session.Run(runOptions, inputNames, inputValues, outputNames, outputValues)),
            ("ONNX Runtime RunWithBinding, OrtIoBinding (this process)", 20_000, () => session.RunWithBinding(runOptions, binding)),
        };
        List<double>[] rounds = LatencyInTurns(candidates);
        var results = new List<(string Name, double Nanoseconds)>();
        for (int c = 0; c < candidates.Length; c++)
        {
            double median = Median(rounds[c]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{candidates[c].Name}: {median:F0} ns (rounds {rounds[c].Min():F0} to {rounds[c].Max():F0})"));
            results.Add((candidates[c].Name, median));
        }
        return results;
    }

    /// <summary>
    /// The nanoseconds a call of each candidate takes, one figure per round: rounds taking turns (after one that warms up,
    /// unmeasured), so that a busy moment of this shared machine falls on every candidate alike.
    /// </summary>
    private static List<double>[] LatencyInTurns((string Name, int Calls, Action Call)[] candidates)
    {
        var rounds = candidates.Select(_ => new List<double>()).ToArray();
        for (int round = -1; round < LatencyRounds; round++)
        {
            for (int c = 0; c < candidates.Length; c++)
            {
                long start = Stopwatch.GetTimestamp();
                for (int i = 0; i < candidates[c].Calls; i++)
                {
                    candidates[c].Call();
                }
                if (round >= 0)
                {
                    rounds[c].Add(Stopwatch.GetElapsedTime(start).TotalNanoseconds / candidates[c].Calls);
                }
            }
        }
        return rounds;
    }

    /// <summary>
    /// Runs each program <paramref name="runs"/> times, taking turns (after <see cref="StartupWarmupRuns"/> unmeasured
    /// turns); prints and returns each one's median wall time. A program that fails is left out.
    /// </summary>
    private static List<(string Program, double Milliseconds)> MeasureStartup(List<(string Name, string Program, string[] Arguments)> programs, int runs)
    {
        var times = programs.Select(_ => new List<double>()).ToArray();
        var printed = new string?[programs.Count];
        var failed = new bool[programs.Count];
        for (int run = 0; run < StartupWarmupRuns + runs; run++)
        {
            for (int p = 0; p < programs.Count; p++)
            {
                if (failed[p])
                {
                    continue;
                }
                var start = new ProcessStartInfo(programs[p].Program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                foreach (string argument in programs[p].Arguments)
                {
                    start.ArgumentList.Add(argument);
                }
                long begin = Stopwatch.GetTimestamp();
                using Process process = Process.Start(start)!;
                System.Threading.Tasks.Task<string> errors = process.StandardError.ReadToEndAsync();
                string output = process.StandardOutput.ReadToEnd();
                process.WaitForExit();
                double milliseconds = Stopwatch.GetElapsedTime(begin).TotalMilliseconds;
                if (process.ExitCode != 0)
                {
                    Console.WriteLine($"{programs[p].Name}: exit code {process.ExitCode} ({LastLine(errors.Result)}); left out");
                    failed[p] = true;
                    continue;
                }
                printed[p] = output.Trim();
                if (run >= StartupWarmupRuns)
                {
                    times[p].Add(milliseconds);
                }
            }
        }
        var medians = new List<(string, double)>();
        for (int p = 0; p < programs.Count; p++)
        {
            if (!failed[p])
            {
                double median = Median(times[p]);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{programs[p].Name}: printed '{printed[p]}'; median {median:F1} ms (min {times[p].Min():F1}, max {times[p].Max():F1})"));
                medians.Add((programs[p].Name, median));
            }
        }
        return medians;
    }

    /// <summary>The <c>latency: X ns</c> a sample binary prints with <c>--latency</c>, or null.</summary>
    private static double? RunLatency(string binary, string data)
    {
        var start = new ProcessStartInfo(binary) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string argument in new[] { "--latency", "--data", data })
        {
            start.ArgumentList.Add(argument);
        }
        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        string? line = output.Split('\n').FirstOrDefault(l => l.StartsWith("latency: ", StringComparison.Ordinal));
        Console.WriteLine($"{binary} --latency: {(line ?? "(no latency line)").Trim()}");
        return line is null ? null : double.Parse(line["latency: ".Length..].Replace(" ns", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Publishes <paramref name="project"/> (NativeAOT) to <paramref name="output"/>; the binary, or null after printing why
    /// not. Every intermediate file goes to <paramref name="artifacts"/>, not into the work tree, so a build going on there
    /// at the same time cannot disturb this one (nor this one it).
    /// </summary>
    private static string? Publish(string project, string output, string artifacts, string name, string[] extra)
        => RunDotnet(["publish", project, "-c", "Release", "-o", output, "--artifacts-path", artifacts, "-nologo", .. extra],
            Path.Combine(output, name), $"NativeAOT publish of {name}{(extra.Length > 0 ? " (" + string.Join(' ', extra) + ")" : "")}");

    /// <summary>Builds <paramref name="project"/> for the JIT to <paramref name="output"/>, as <see cref="Publish"/> does; the .dll, or null after printing why not.</summary>
    private static string? BuildForJit(string project, string output, string artifacts, string name)
        => RunDotnet(["build", project, "-c", "Release", "-o", output, "--artifacts-path", artifacts, "-nologo"], Path.Combine(output, name + ".dll"), $"JIT build of {name}");

    private static string? RunDotnet(string[] arguments, string product, string what)
    {
        var start = new ProcessStartInfo(DotnetHost()) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        long begin = Stopwatch.GetTimestamp();
        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(s_publishTimeout))
        {
            process.Kill(entireProcessTree: true);
        }
        if (process.ExitCode != 0 || !File.Exists(product))
        {
            Console.WriteLine($"{what} failed:");
            Console.WriteLine(output);
            return null;
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what}: {Stopwatch.GetElapsedTime(begin).TotalSeconds:F0} s, {product}"));
        return product;
    }

    private static string DotnetHost() => Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
}
