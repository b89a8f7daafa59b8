using System;
using System.Diagnostics;
using System.IO;
using Xunit;
using Xunit.Abstractions;

namespace Backprop.Onnx.Tests;

/// <summary>
/// The reference checker, onnx.checker.check_model (with shape inference), accepts an exported model of every activation
/// and every layer kind. It needs python3
/// with the onnx package (Debian's python3-onnx); where they are missing the test says so and passes.
/// </summary>
public class CheckerTests(ITestOutputHelper output)
{
    private const string Python = "/usr/bin/python3";

    [Fact]
    public void Onnx_checker_accepts_every_exported_activation()
    {
        if (!Run("-c \"import onnx\"", out string probe))
        {
            output.WriteLine($"Skipped: {Python} with the onnx package is not available ({probe.Trim()}).");
            return;
        }
        string folder = Ort.TempFolder();
        try
        {
            var files = new System.Collections.Generic.List<string>();
            foreach (string network in (string[])[
                nameof(SigmoidNet), nameof(TanhNet), nameof(ReluNet), nameof(LeakyReluNet), nameof(IdentityNet),
                nameof(SoftmaxNet), nameof(MixedNet), nameof(DeepMixedNet), nameof(TwoLayerNet),
                nameof(ConvPoolSoftmaxNet), nameof(StridedConvStackNet), nameof(Signal1DNet), nameof(PoolFirstConvOutputNet),
                nameof(ConvTanhOutputNet), nameof(MaxPoolOutputNet)])
            {
                // onnx 1.12 knows opsets up to 17; check the oldest, a middle one and the default.
                foreach (int opset in (int[])[9, 13, 17])
                {
                    string path = Path.Combine(folder, $"{network}-{opset}.onnx");
                    OnnxExporter.Export(NetworkCase.All[network].Create(seed: 1), path, new OnnxExportOptions { Opset = opset });
                    files.Add(path);
                }
            }
            string script = "import sys, onnx\nfor p in sys.argv[1:]:\n    onnx.checker.check_model(onnx.load(p), full_check=True)\nprint('checked', len(sys.argv) - 1)\n";
            string scriptPath = Path.Combine(folder, "check.py");
            File.WriteAllText(scriptPath, script);
            bool ok = Run($"\"{scriptPath}\" " + string.Join(' ', files.ConvertAll(f => "\"" + f + "\"")), out string result);
            output.WriteLine(result);
            Assert.True(ok, result);
            Assert.Contains($"checked {files.Count}", result, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static bool Run(string arguments, out string text)
    {
        if (!File.Exists(Python))
        {
            text = $"{Python} does not exist";
            return false;
        }
        var start = new ProcessStartInfo(Python, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using Process process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        text = stdout + stderr.Result;
        return process.ExitCode == 0;
    }
}
