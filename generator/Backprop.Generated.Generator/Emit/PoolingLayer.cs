using System.Collections.Generic;
using System.Linq;
using Backprop.Generated.Generator.Helpers;
using Backprop.Generated.Generator.Model;
using Backprop.Generated.Generator.Shared;

namespace Backprop.Generated.Generator;

public sealed partial class NetworkGenerator
{
    internal static partial class Emitter
    {
        /// <summary>
        /// Max and average pooling, 2-D and 1-D (an image of one row), channel by channel: no parameters, so no update; the
        /// error goes back to the arg-max of each window (the first largest value, as PyTorch picks it) or equally over it.
        /// </summary>
        private sealed partial class PoolingLayer : LayerEmitter
        {
            public static readonly PoolingLayer Instance = new();

            private static bool IsMax(LayerInfo info) => info.Kind is LayerKind.MaxPool2D or LayerKind.MaxPool1D;

            private static bool IsImage(LayerInfo info) => info.Kind is LayerKind.MaxPool2D or LayerKind.AvgPool2D;

            public override string Header(LayerModel layer) =>
                $"({layer.Info.Kind} {layer.Info.Input} → {layer.Info.Output}, {Window(layer.Info)}): {Formula(layer, "a^" + (layer.Number - 1))}";

            public override string ForwardComment(LayerModel layer) =>
                $"Layer {layer.Number} ({layer.Info.Kind} {layer.Info.Input} → {layer.Info.Output}): {Formula(layer, layer.FeedsFromInput ? "x" : $"a^{layer.Number - 1}")}";

            public override string DeltaComment(LayerModel layer, ActivationFunction f, bool update)
            {
                int l = layer.Number;
                string route = IsMax(layer.Info)
                    ? $"δ^{l} to the arg-max of each window of a^{l - 1}, zero elsewhere"
                    : $"δ^{l} / {Int(layer.Info.KernelHeight * layer.Info.KernelWidth)} to every position of each window";
                return $"Layer {l}, BP2 through the pool: δ^{l - 1} = ({route}) ⊙ {f.Symbol}'(z^{l - 1}), with {f.Derivative}";
            }

            public override IEnumerable<string> UpdateComments(LayerModel layer, bool update)
            {
                yield return $"Layer {layer.Number} pools: no parameters, no BP3 or BP4.";
            }

            public override void EmitKernels(SourceWriter w, LayerModel layer, LayerModel? previous)
            {
                if (!IsPairPool(layer.Info))
                {
                    EmitForward(w, layer, string.Empty);
                    if (previous is not null)
                    {
                        EmitDelta(w, layer, previous, string.Empty);
                    }
                    return;
                }

                int l = layer.Number, width = layer.Info.Input.Width;
                ForwardKernel(layer).EmitDispatch(w, width, $"Layer {l}'s forward kernel: {XmlText(Formula(layer, $"a^{l - 1}"))} for m samples.");
                if (previous is not null)
                {
                    DeltaKernel(layer).EmitDispatch(w, width, $"Layer {l}'s error kernel (BP2): each δ^{l} to the first largest value of its window, then ⊙ {previous.Function.Symbol}'(z^{l - 1}).");
                }
                foreach (Isa isa in Isa.All.Select(tier => PairIsa(tier, width)).Distinct())
                {
                    if (isa.IsScalar)
                    {
                        EmitForward(w, layer, isa.Suffix);
                        if (previous is not null)
                        {
                            EmitDelta(w, layer, previous, isa.Suffix);
                        }
                    }
                    else
                    {
                        EmitPairForward(w, layer, isa);
                        if (previous is not null)
                        {
                            EmitPairDelta(w, layer, previous, isa);
                        }
                    }
                }
            }

            public override string? UpdateCall(LayerModel layer, string parameters, string input, string rows, string m, string update, string[] next) => null;

            /// <summary>"2×2 windows, stride 2".</summary>
            private static string Window(LayerInfo info) =>
                $"{(IsImage(info) ? $"{Int(info.KernelHeight)}×{Int(info.KernelWidth)}" : Int(info.KernelWidth))} windows, stride {Int(info.Stride)}";

            private static string Formula(LayerModel layer, string input)
            {
                LayerInfo info = layer.Info;
                int l = layer.Number, s = info.Stride;
                string At(string output, string offset) => (s == 1 ? output : $"{output}·{Int(s)}") + " + " + offset;
                string window = IsImage(info)
                    ? $"{input}[c, {At("y", "i")}, {At("x", "j")}] over 0 ≤ i < {Int(info.KernelHeight)}, 0 ≤ j < {Int(info.KernelWidth)}"
                    : $"{input}[c, {At("x", "j")}] over 0 ≤ j < {Int(info.KernelWidth)}";
                string target = IsImage(info) ? $"a^{l}[c, y, x]" : $"a^{l}[c, x]";
                return IsMax(info) ? $"{target} = max {window}" : $"{target} = mean {window}";
            }

            private static void EmitConstants(SourceWriter w, LayerModel layer)
            {
                LayerInfo info = layer.Info;
                w.Line($"const nint Channels = {Int(info.Input.Channels)}, Height = {Int(info.Input.Height)}, Width = {Int(info.Input.Width)}; // the input: {info.Input}");
                w.Line($"const nint OutputHeight = {Int(info.Output.Height)}, OutputWidth = {Int(info.Output.Width)}; // the output: {info.Output}");
                // An unrolled max window names its offsets as constants instead of looping over the window's rows and columns.
                bool unrolled = IsMax(info) && WindowOffsets(info).Length <= UnrolledWindow;
                w.Line(unrolled
                    ? $"const nint Stride = {Int(info.Stride)}; // windows of {Int(info.KernelHeight)} × {Int(info.KernelWidth)}"
                    : $"const nint WindowHeight = {Int(info.KernelHeight)}, WindowWidth = {Int(info.KernelWidth)}, Stride = {Int(info.Stride)};");
            }

            /// <summary>Opens the loops over every output (c, y, x), with <c>window</c> the offset of its window's first input in a row.</summary>
            private static void EmitOutputLoops(SourceWriter w, System.Action body)
            {
                using (w.Block("for (nint c = 0; c < Channels; c++)"))
                using (w.Block("for (nint y = 0; y < OutputHeight; y++)"))
                using (w.Block("for (nint x = 0; x < OutputWidth; x++)"))
                {
                    w.Line("nint window = c * Height * Width + y * Stride * Width + x * Stride;");
                    w.Line("nint output = c * OutputHeight * OutputWidth + y * OutputWidth + x;");
                    body();
                }
            }

            private static void EmitForward(SourceWriter w, LayerModel layer, string suffix)
            {
                int l = layer.Number;
                w.Line($"/// <summary>Layer {l} ({layer.Info.Kind} {layer.Info.Input} → {layer.Info.Output}, {Window(layer.Info)}) for m samples: {XmlText(Formula(layer, $"a^{l - 1}"))}.</summary>");
                w.Line(HotPath);
                using (w.Block(ForwardKernel(layer).Declaration(suffix)))
                {
                    EmitConstants(w, layer);
                    using (w.Block("for (nint s = 0; s < m; s++)"))
                    {
                        w.Line($"ref float input = {InputRow(layer, "s")};");
                        w.Line($"ref float target = ref {Unsafe}.Add(ref z, s * {Int(Padded(layer.Outputs))});");
                        EmitOutputLoops(w, () =>
                        {
                            w.Line($"ref float first = ref {Unsafe}.Add(ref input, window);");
                            if (IsMax(layer.Info) && WindowOffsets(layer.Info) is { Length: <= UnrolledWindow } offsets)
                            {
                                w.Line($"// The largest of the window's {Int(offsets.Length)} values: MathF.Max compiles to branch-free instructions, so no branch for the data to mispredict.");
                                w.Line($"{Unsafe}.Add(ref target, output) = {MaxTree(offsets.Select(offset => $"{Unsafe}.Add(ref first, {Int(offset)})").ToList())};");
                            }
                            else if (IsMax(layer.Info))
                            {
                                w.Line("float best = first;");
                                EmitWindowLoops(w, () => w.Line($"best = MathF.Max(best, {Unsafe}.Add(ref first, i * Width + j)); // branch-free: no branch for the data to mispredict"));
                                w.Line($"{Unsafe}.Add(ref target, output) = best;");
                            }
                            else
                            {
                                w.Line("float sum = 0f;");
                                EmitWindowLoops(w, () => w.Line($"sum += {Unsafe}.Add(ref first, i * Width + j);"));
                                w.Line($"{Unsafe}.Add(ref target, output) = sum / (WindowHeight * WindowWidth);");
                            }
                        });
                    }
                }
                w.Line();
            }

            /// <summary>Windows of at most this many values are written out position by position rather than looped over.</summary>
            private const int UnrolledWindow = 16;

            /// <summary>The offsets of a window's values from its first, as constants: (i, j) at i·Width + j.</summary>
            private static int[] WindowOffsets(LayerInfo info) =>
                Enumerable.Range(0, info.KernelHeight).SelectMany(i => Enumerable.Range(0, info.KernelWidth).Select(j => i * info.Input.Width + j)).ToArray();

            /// <summary>A balanced tree of MathF.Max over the values: the same largest value as a scan, in a shorter chain.</summary>
            private static string MaxTree(IReadOnlyList<string> values) => values.Count == 1
                ? values[0]
                : $"MathF.Max({MaxTree(values.Take(values.Count / 2).ToList())}, {MaxTree(values.Skip(values.Count / 2).ToList())})";

            private static void EmitWindowLoops(SourceWriter w, System.Action body)
            {
                using (w.Block("for (nint i = 0; i < WindowHeight; i++)"))
                using (w.Block("for (nint j = 0; j < WindowWidth; j++)"))
                {
                    body();
                }
            }

            private static void EmitDelta(SourceWriter w, LayerModel layer, LayerModel previous, string suffix)
            {
                int l = layer.Number;
                ActivationFunction f = previous.Function;
                int paddedInputs = Padded(layer.Inputs);
                w.Line(IsMax(layer.Info)
                    ? $"/// <summary>Layer {l}'s error kernel for m samples (BP2): each δ^{l} goes to the first largest value of its window of a^{l - 1} (the one the forward pass kept), then ⊙ {f.Symbol}'(z^{l - 1}).</summary>"
                    : $"/// <summary>Layer {l}'s error kernel for m samples (BP2): each δ^{l} is shared equally by the positions of its window, then ⊙ {f.Symbol}'(z^{l - 1}).</summary>");
                w.Line(HotPath);
                using (w.Block(DeltaKernel(layer).Declaration(suffix)))
                {
                    EmitConstants(w, layer);
                    using (w.Block("for (nint s = 0; s < m; s++)"))
                    {
                        w.Line($"ref float input = ref {Unsafe}.Add(ref a, s * {Int(paddedInputs)});");
                        w.Line($"ref float target = ref {Unsafe}.Add(ref dPrevious, s * {Int(paddedInputs)});");
                        w.Line($"ref float errors = ref {Unsafe}.Add(ref d, s * {Int(Padded(layer.Outputs))});");
                        // Windows side by side (stride = size) cover every input once: each is written, none added to.
                        bool tiled = layer.Info.Stride == layer.Info.KernelWidth;
                        string into = tiled ? "=" : "+=";
                        if (tiled)
                        {
                            if (paddedInputs > layer.Inputs)
                            {
                                w.Line($"MemoryMarshal.CreateSpan(ref {Unsafe}.Add(ref target, {Int(layer.Inputs)}), {Int(paddedInputs - layer.Inputs)}).Clear(); // the row's padding");
                            }
                        }
                        else
                        {
                            w.Line($"MemoryMarshal.CreateSpan(ref target, {Int(paddedInputs)}).Clear(); // overlapping or gapped windows: add into zeros");
                        }
                        EmitOutputLoops(w, () =>
                        {
                            if (IsMax(layer.Info) && WindowOffsets(layer.Info) is { Length: <= UnrolledWindow } offsets)
                            {
                                w.Line($"ref float first = ref {Unsafe}.Add(ref input, window);");
                                w.Line($"float {string.Join(", ", offsets.Select((offset, k) => $"v{k} = {Unsafe}.Add(ref first, {Int(offset)})"))};");
                                w.Line($"float best = {MaxTree(offsets.Select((_, k) => $"v{k}").ToList())};");
                                w.Line($"int error = BitConverter.SingleToInt32Bits({Unsafe}.Add(ref errors, output)), taken = 0, take;");
                                w.Line("// The error goes to the first value equal to the largest, and +0 to the others: integer masks rather than");
                                w.Line("// branches, since which value wins is data the branch predictor cannot learn.");
                                for (int k = 0; k < offsets.Length; k++)
                                {
                                    w.Line($"bool equal{k} = v{k} == best; take = {Unsafe}.As<bool, byte>(ref equal{k}) & (taken ^ 1); taken |= take; {Unsafe}.Add(ref target, window + {Int(offsets[k])}) {into} BitConverter.Int32BitsToSingle(error & -take);");
                                }
                            }
                            else if (IsMax(layer.Info))
                            {
                                w.Line($"ref float first = ref {Unsafe}.Add(ref input, window);");
                                w.Line("float best = first;");
                                EmitWindowLoops(w, () => w.Line($"best = MathF.Max(best, {Unsafe}.Add(ref first, i * Width + j));"));
                                w.Line($"int error = BitConverter.SingleToInt32Bits({Unsafe}.Add(ref errors, output)), taken = 0;");
                                w.Line("// The error goes to the first value equal to the largest, and +0 to the others: integer masks rather than");
                                w.Line("// branches, since which value wins is data the branch predictor cannot learn.");
                                EmitWindowLoops(w, () =>
                                {
                                    w.Line($"bool equal = {Unsafe}.Add(ref first, i * Width + j) == best;");
                                    w.Line($"int take = {Unsafe}.As<bool, byte>(ref equal) & (taken ^ 1);");
                                    w.Line("taken |= take;");
                                    w.Line($"{Unsafe}.Add(ref target, window + i * Width + j) {into} BitConverter.Int32BitsToSingle(error & -take);");
                                });
                            }
                            else
                            {
                                w.Line($"float share = {Unsafe}.Add(ref errors, output) / (WindowHeight * WindowWidth);");
                                EmitWindowLoops(w, () => w.Line($"{Unsafe}.Add(ref target, window + i * Width + j) {into} share;"));
                            }
                        });
                    }
                    if (f.MultiplyDerivativeRows("a", "dPrevious", "m", layer.Inputs, paddedInputs) is string multiply)
                    {
                        w.Line($"// ⊙ {f.Symbol}'(z^{l - 1}), with {f.Derivative}");
                        w.Line(multiply);
                    }
                }
                w.Line();
            }
        }
    }
}
