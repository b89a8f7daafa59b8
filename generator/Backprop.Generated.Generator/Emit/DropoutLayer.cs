using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Backprop.Generated.Generator.Helpers;
using Backprop.Generated.Generator.Model;

namespace Backprop.Generated.Generator;

public sealed partial class NetworkGenerator
{
    internal static partial class Emitter
    {
        /// <summary>
        /// Inverted dropout: the identity in inference; while training, a^l = a^(l−1) ⊙ mask / (1 − p), the mask a hash of the
        /// step's key, the layer, the sample's row and the value's place (Kernels.DropoutKeeps), so that the error pass
        /// recomputes the same mask instead of storing it: δ^(l−1) = δ^l ⊙ mask / (1 − p) ⊙ f'(z^(l−1)).
        /// </summary>
        private sealed class DropoutLayer : LayerEmitter
        {
            public static readonly DropoutLayer Instance = new();

            private static string Rate(LayerModel layer) => layer.Info.Rate.ToString("R", CultureInfo.InvariantCulture);

            private static string Scale(LayerModel layer) => (1 / (1 - layer.Info.Rate)).ToString("R", CultureInfo.InvariantCulture) + "f";

            public override string Header(LayerModel layer) =>
                $"(Dropout {layer.Info.Input}, p = {Rate(layer)}): while training a^{layer.Number} = a^{layer.Number - 1} ⊙ mask / (1 − p), each value kept with probability 1 − p; in inference a^{layer.Number} = a^{layer.Number - 1}";

            public override string ForwardComment(LayerModel layer) =>
                $"Layer {layer.Number} (Dropout, p = {Rate(layer)}): in inference, a^{layer.Number} = {(layer.FeedsFromInput ? "x" : $"a^{layer.Number - 1}")}";

            public override string TrainingForwardComment(LayerModel layer) =>
                $"Layer {layer.Number} (Dropout, p = {Rate(layer)}): a^{layer.Number} = {(layer.FeedsFromInput ? "x" : $"a^{layer.Number - 1}")} ⊙ mask / (1 − p), the mask drawn from the step's key";

            public override string DeltaComment(LayerModel layer, ActivationFunction f, bool update) =>
                $"Layer {layer.Number}, BP2 through dropout: δ^{layer.Number - 1} = δ^{layer.Number} ⊙ mask / (1 − p) (the same mask, recomputed) ⊙ {f.Symbol}'(z^{layer.Number - 1}), with {f.Derivative}";

            public override IEnumerable<string> UpdateComments(LayerModel layer, bool update)
            {
                yield return $"Layer {layer.Number} drops values: no parameters, no BP3 or BP4.";
            }

            private static KernelSignature TrainKernel(LayerModel layer) => new(
                $"Layer{layer.Number}Train",
                InputParameters(layer).Concat(new[] { new KernelParameter("ref int", "sampleRows"), M, new KernelParameter("ulong", "key"), new KernelParameter("ref float", "z") }).ToList());

            private static KernelSignature ErrorKernel(LayerModel layer) => new(
                $"Layer{layer.Number}Delta",
                new[] { new KernelParameter("ref float", "d"), new KernelParameter("ref int", "sampleRows"), M, new KernelParameter("ulong", "key"), new KernelParameter("ref float", "a"), new KernelParameter("ref float", "dPrevious") });

            public override void EmitKernels(SourceWriter w, LayerModel layer, LayerModel? previous)
            {
                int l = layer.Number, count = layer.Outputs;
                string threshold = $"{Int((int)System.Math.Round(layer.Info.Rate * (1 << 24)))}u";
                w.Line($"/// <summary>Layer {l} in inference: dropout is the identity, a^{l} = a^{l - 1} for m samples.</summary>");
                w.Line(HotPath);
                using (w.Block(ForwardKernel(layer).Declaration(string.Empty)))
                {
                    using (w.Block("for (nint s = 0; s < m; s++)"))
                    {
                        w.Line($"MemoryMarshal.CreateReadOnlySpan({InputRow(layer, "s")}, {Int(count)}).CopyTo(MemoryMarshal.CreateSpan(ref {Unsafe}.Add(ref z, s * {Int(Padded(count))}), {Int(count)}));");
                    }
                }
                w.Line();
                w.Line($"/// <summary>Layer {l} while training: a^{l} = a^{l - 1} ⊙ mask / (1 − p), p = {Rate(layer)}, each value kept when the top 24 bits of its hash are at least {threshold} = round(p · 2^24).</summary>");
                w.Line(HotPath);
                using (w.Block(TrainKernel(layer).Declaration(string.Empty)))
                {
                    using (w.Block("for (nint s = 0; s < m; s++)"))
                    {
                        w.Line($"{Kernels}.Dropout(key, {Int(l)}, {Unsafe}.Add(ref sampleRows, s), {InputRow(layer, "s")}, ref {Unsafe}.Add(ref z, s * {Int(Padded(count))}), {Int(count)}, {threshold}, {Scale(layer)});");
                    }
                }
                w.Line();
                if (previous is null)
                {
                    return;
                }
                ActivationFunction f = previous.Function;
                w.Line($"/// <summary>Layer {l}'s error kernel (BP2): δ^{l - 1} = δ^{l} ⊙ mask / (1 − p), the mask recomputed from the key, then ⊙ {f.Symbol}'(z^{l - 1}).</summary>");
                w.Line(HotPath);
                using (w.Block(ErrorKernel(layer).Declaration(string.Empty)))
                {
                    using (w.Block("for (nint s = 0; s < m; s++)"))
                    {
                        w.Line($"{Kernels}.Dropout(key, {Int(l)}, {Unsafe}.Add(ref sampleRows, s), ref {Unsafe}.Add(ref d, s * {Int(Padded(count))}), ref {Unsafe}.Add(ref dPrevious, s * {Int(Padded(count))}), {Int(count)}, {threshold}, {Scale(layer)});");
                    }
                    if (f.MultiplyDerivativeRows("a", "dPrevious", "m", count, Padded(count)) is string multiply)
                    {
                        w.Line($"// ⊙ {f.Symbol}'(z^{l - 1}), with {f.Derivative}");
                        w.Line(multiply);
                    }
                }
                w.Line();
            }

            public override string TrainingForwardCall(LayerModel layer, string input, string rows, string m, string target) =>
                TrainKernel(layer).Call(InputArguments(layer, input, rows).Concat(new[] { $"ref {rows}", m, "key", $"ref {target}" }).ToArray());

            public override string DeltaCall(LayerModel layer, string m) =>
                ErrorKernel(layer).Call($"ref d{layer.Number}", "ref rows", m, "key", $"ref a{layer.Number - 1}", $"ref d{layer.Number - 1}");

            public override string? UpdateCall(LayerModel layer, string parameters, string input, string rows, string m, string update, string[] next) => null;
        }
    }
}
