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
        /// A convolution (Conv2D, or Conv1D as an image of one row) in the blocked shape: direct convolution over the
        /// layer's own constant shape, with no im2col buffer. For one weight and one output row, stride 1 makes each of the
        /// three kernels a row operation the runtime vectorises: forward and error an axpy (Kernels.MultiplyAddRow), the
        /// weight's gradient a dot product (Kernels.DotRow).
        /// </summary>
        private sealed partial class ConvolutionLayer : LayerEmitter
        {
            public static readonly ConvolutionLayer Instance = new();

            public override string Header(LayerModel layer) =>
                $"({layer.Info.Kind} {layer.Info.Input} → {layer.Info.Output}, {Geometry(layer.Info)}): {Sum(layer, "a^" + (layer.Number - 1))}; {layer.Function.Formula}";

            public override string ForwardComment(LayerModel layer)
            {
                int l = layer.Number;
                return $"Layer {l} ({layer.Info.Kind} {layer.Info.Input} → {layer.Info.Output}): {Sum(layer, layer.FeedsFromInput ? "x" : $"a^{l - 1}")}; a^{l} = {layer.Function.Symbol}(z^{l}), {layer.Function.Formula}";
            }

            public override string DeltaComment(LayerModel layer, ActivationFunction f, bool update)
            {
                int l = layer.Number;
                return $"Layer {l}, BP2: δ^{l - 1} = (δ^{l} ⋆ rot180(w^{l}), the full correlation with the flipped kernel) ⊙ {f.Symbol}'(z^{l - 1}), with {f.Derivative}{(update ? " (before w^" + l + " changes)" : string.Empty)}";
            }

            public override IEnumerable<string> UpdateComments(LayerModel layer, bool update)
            {
                int l = layer.Number;
                string a = layer.FeedsFromInput ? "x" : $"a^{l - 1}";
                yield return $"Layer {l}, BP3 and BP4 with shared weights, summed over the batch: ∂C/∂w^{l}[o, c, ky, kx] = Σ_x Σ_(y, x') δ^{l}[o, y, x'] {a}[c, y·S + ky − P, x'·S + kx − P]";
                yield return update
                    ? $"(the correlation of {a} with δ^{l}) and ∂C/∂b^{l}[o] = Σ_x Σ_(y, x') δ^{l}[o, y, x'], then the step"
                    : $"(the correlation of {a} with δ^{l}) and ∂C/∂b^{l}[o] = Σ_x Σ_(y, x') δ^{l}[o, y, x'], added into g";
            }

            public override void EmitKernels(SourceWriter w, LayerModel layer, LayerModel? previous)
            {
                if (!IsBlocked(layer))
                {
                    EmitForward(w, layer, string.Empty);
                    if (previous is not null)
                    {
                        EmitDelta(w, layer, previous, string.Empty);
                    }
                    EmitGradient(w, layer, string.Empty);
                    return;
                }

                int l = layer.Number, width = RowWidth(layer.Info);
                ForwardKernel(layer).EmitDispatch(w, width, $"Layer {l}'s forward kernel: {XmlText(Sum(layer, $"a^{l - 1}"))} for m samples.");
                if (previous is not null)
                {
                    DeltaKernel(layer).EmitDispatch(w, width, $"Layer {l}'s error kernel (BP2): δ^{l - 1} = (δ^{l} ⋆ rot180(w^{l})) ⊙ {previous.Function.Symbol}'(z^{l - 1}) for m samples.");
                }
                UpdateKernel(layer).EmitDispatch(w, width, $"Layer {l}'s update kernel: hands ∂C/∂w^{l} (the correlation of the input with δ^{l}) and ∂C/∂b^{l} over m samples to the update.");
                foreach (Isa isa in Isa.All.Select(tier => tier.For(width)).Distinct())
                {
                    if (isa.IsScalar)
                    {
                        EmitForward(w, layer, isa.Suffix);
                        if (previous is not null)
                        {
                            EmitDelta(w, layer, previous, isa.Suffix);
                        }
                        EmitGradient(w, layer, isa.Suffix);
                    }
                    else
                    {
                        EmitBlockedForward(w, layer, isa);
                        if (previous is not null)
                        {
                            EmitBlockedDelta(w, layer, previous, isa);
                        }
                        EmitBlockedGradient(w, layer, isa);
                    }
                }
            }

            /// <summary>"5×5 kernel, stride 1, padding 2".</summary>
            private static string Geometry(LayerInfo info) =>
                $"{(info.Kind == LayerKind.Conv1D ? Int(info.KernelWidth) : $"{Int(info.KernelHeight)}×{Int(info.KernelWidth)}")} kernel, stride {Int(info.Stride)}, padding {Int(info.Padding)}";

            /// <summary>The convolution sum of the layer over <paramref name="input"/>, with its numbers.</summary>
            private static string Sum(LayerModel layer, string input)
            {
                int l = layer.Number, s = layer.Info.Stride, pad = layer.Info.Padding;
                string Index(string output, string kernel) =>
                    (s == 1 ? output : $"{output}·{Int(s)}") + " + " + kernel + (pad == 0 ? string.Empty : $" − {Int(pad)}");
                return layer.Info.Kind == LayerKind.Conv1D
                    ? $"z^{l}[o, x] = b^{l}[o] + Σ_c Σ_k w^{l}[o, c, k] {input}[c, {Index("x", "k")}]{(pad == 0 ? string.Empty : " (zero outside the signal)")}"
                    : $"z^{l}[o, y, x] = b^{l}[o] + Σ_c Σ_ky Σ_kx w^{l}[o, c, ky, kx] {input}[c, {Index("y", "ky")}, {Index("x", "kx")}]{(pad == 0 ? string.Empty : " (zero outside the image)")}";
            }

            /// <summary>The layer's sizes as constants, named as the comments name them.</summary>
            private static void EmitConstants(SourceWriter w, LayerModel layer)
            {
                LayerInfo info = layer.Info;
                int padY = info.Kind == LayerKind.Conv1D ? 0 : info.Padding;
                w.Line($"const nint Channels = {Int(info.Input.Channels)}, Height = {Int(info.Input.Height)}, Width = {Int(info.Input.Width)}; // a^{layer.Number - 1}: {info.Input}");
                w.Line($"const nint Filters = {Int(info.Output.Channels)}, OutputHeight = {Int(info.Output.Height)}, OutputWidth = {Int(info.Output.Width)}; // z^{layer.Number}: {info.Output}");
                w.Line($"const nint KernelHeight = {Int(info.KernelHeight)}, KernelWidth = {Int(info.KernelWidth)}, Stride = {Int(info.Stride)}, PaddingY = {Int(padY)}, PaddingX = {Int(info.Padding)};");
                w.Line($"ref float w = ref {Unsafe}.Add(ref p, {Int(layer.WeightOffset)}); // w^{layer.Number}: [Filters, Channels, KernelHeight, KernelWidth] row-major");
                w.Line($"ref float b = ref {Unsafe}.Add(ref p, {Int(layer.BiasOffset)}); // b^{layer.Number}: one bias per filter");
            }

            /// <summary>
            /// Opens the loops over every weight w[o, c, ky, kx], with the output
            /// rows y0..y1 and columns x0..x1 whose input position (y·Stride + ky − PaddingY, x·Stride + kx − PaddingX) lies inside.
            /// </summary>
            private static void EmitWeightLoops(SourceWriter w, System.Action body)
            {
                using (w.Block("for (nint o = 0; o < Filters; o++)"))
                using (w.Block("for (nint c = 0; c < Channels; c++)"))
                {
                    w.Line($"ref float kernel = ref {Unsafe}.Add(ref w, (o * Channels + c) * KernelHeight * KernelWidth);");
                    using (w.Block("for (nint ky = 0; ky < KernelHeight; ky++)"))
                    {
                        w.Line($"{Kernels}.ConvolutionRange(ky, PaddingY, Stride, Height, OutputHeight, out nint y0, out nint y1);");
                        using (w.Block("for (nint kx = 0; kx < KernelWidth; kx++)"))
                        {
                            w.Line($"{Kernels}.ConvolutionRange(kx, PaddingX, Stride, Width, OutputWidth, out nint x0, out nint x1);");
                            w.Line("if (x1 <= x0) continue; // the kernel column lies in the padding for every output");
                            body();
                        }
                    }
                }
            }

            /// <summary>The input position of output (y, x0) for the weight at (c, ky, kx), as an offset into a sample's row.</summary>
            private const string InputOffset = "c * Height * Width + (y * Stride + ky - PaddingY) * Width + x0 * Stride + kx - PaddingX";

            /// <summary>The output position (o, y, x0), as an offset into a sample's row.</summary>
            private const string OutputOffset = "o * OutputHeight * OutputWidth + y * OutputWidth + x0";

            private static void EmitForward(SourceWriter w, LayerModel layer, string suffix)
            {
                int l = layer.Number;
                w.Line($"/// <summary>Layer {l} ({layer.Info.Kind} {layer.Info.Input} → {layer.Info.Output}, {Geometry(layer.Info)}) for m samples: {XmlText(Sum(layer, $"a^{l - 1}"))}.</summary>");
                w.Line(HotPath);
                using (w.Block(ForwardKernel(layer).Declaration(suffix)))
                {
                    EmitConstants(w, layer);
                    using (w.Block("for (nint s = 0; s < m; s++)"))
                    {
                        w.Line($"ref float input = {InputRow(layer, "s")};");
                        w.Line($"ref float output = ref {Unsafe}.Add(ref z, s * {Int(Padded(layer.Outputs))});");
                        w.Line("// z^l[o, ·, ·] = b^l[o], then each weight adds its share: w[o, c, ky, kx] times the input shifted by (ky, kx).");
                        using (w.Block("for (nint o = 0; o < Filters; o++)"))
                        {
                            w.Line($"MemoryMarshal.CreateSpan(ref {Unsafe}.Add(ref output, o * OutputHeight * OutputWidth), (int)(OutputHeight * OutputWidth)).Fill({Unsafe}.Add(ref b, o));");
                        }
                        EmitWeightLoops(w, () =>
                        {
                            w.Line($"float weight = {Unsafe}.Add(ref kernel, ky * KernelWidth + kx);");
                            using (w.Block("for (nint y = y0; y < y1; y++)"))
                            {
                                w.Line($"ref float source = ref {Unsafe}.Add(ref input, {InputOffset});");
                                w.Line($"ref float target = ref {Unsafe}.Add(ref output, {OutputOffset});");
                                EmitRowStep(w, layer, "target", "x", "source", "x * Stride");
                            }
                        });
                    }
                }
                w.Line();
            }

            private static void EmitDelta(SourceWriter w, LayerModel layer, LayerModel previous, string suffix)
            {
                int l = layer.Number;
                ActivationFunction f = previous.Function;
                int paddedInputs = Padded(layer.Inputs);
                w.Line($"/// <summary>Layer {l}'s error kernel for m samples (BP2): δ^{l - 1}[c, i, j] = Σ_o Σ_ky Σ_kx w^{l}[o, c, ky, kx] δ^{l}[o, (i − ky + P)/S, (j − kx + P)/S] over the whole positions, the full correlation of δ^{l} with the flipped kernel, then ⊙ {f.Symbol}'(z^{l - 1}).</summary>");
                w.Line(HotPath);
                using (w.Block(DeltaKernel(layer).Declaration(suffix)))
                {
                    EmitConstants(w, layer);
                    using (w.Block("for (nint s = 0; s < m; s++)"))
                    {
                        w.Line($"ref float target = ref {Unsafe}.Add(ref dPrevious, s * {Int(paddedInputs)});");
                        w.Line($"ref float errors = ref {Unsafe}.Add(ref d, s * {Int(Padded(layer.Outputs))});");
                        w.Line($"MemoryMarshal.CreateSpan(ref target, {Int(paddedInputs)}).Clear();");
                        w.Line("// Each weight hands δ^l back to the inputs it read: the scatter form of the full correlation with the flipped kernel.");
                        EmitWeightLoops(w, () =>
                        {
                            w.Line($"float weight = {Unsafe}.Add(ref kernel, ky * KernelWidth + kx);");
                            using (w.Block("for (nint y = y0; y < y1; y++)"))
                            {
                                w.Line($"ref float source = ref {Unsafe}.Add(ref errors, {OutputOffset});");
                                w.Line($"ref float into = ref {Unsafe}.Add(ref target, {InputOffset});");
                                EmitRowStep(w, layer, "into", "x * Stride", "source", "x");
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

            /// <summary>
            /// target[targetIndex] += weight · source[sourceIndex] for x in [0, x1 − x0): a vectorised row when the stride is 1.
            /// </summary>
            private static void EmitRowStep(SourceWriter w, LayerModel layer, string target, string targetIndex, string source, string sourceIndex)
            {
                if (layer.Info.Stride == 1)
                {
                    w.Line($"{Kernels}.MultiplyAddRow(ref {target}, ref {source}, weight, x1 - x0);");
                    return;
                }
                using (w.Block("for (nint x = 0; x < x1 - x0; x++)"))
                {
                    w.Line($"{Unsafe}.Add(ref {target}, {targetIndex}) += weight * {Unsafe}.Add(ref {source}, {sourceIndex});");
                }
            }

            private static void EmitGradient(SourceWriter w, LayerModel layer, string suffix)
            {
                int l = layer.Number;
                string a = layer.FeedsFromInput ? "x" : $"a^{l - 1}";
                int paddedOutputs = Padded(layer.Outputs);
                w.Line($"/// <summary>Layer {l}'s update kernel: hands ∂C/∂w^{l}[o, c, ky, kx] = Σ_x Σ_(y, x') δ^{l}[o, y, x'] {a}[c, y·S + ky − P, x'·S + kx − P] (the correlation of the input with δ^{l}) and ∂C/∂b^{l}[o] = Σ_x Σ_(y, x') δ^{l}[o, y, x'] over m samples to the update.</summary>");
                w.Line(HotPath);
                using (w.Block(UpdateKernel(layer).Declaration(suffix)))
                {
                    EmitConstants(w, layer);
                    using (w.Block("for (nint o = 0; o < Filters; o++)"))
                    {
                        w.Line("float biasSum = 0f;");
                        using (w.Block("for (nint s = 0; s < m; s++)"))
                        {
                            w.Line($"ref float errors = ref {Unsafe}.Add(ref d, s * {Int(paddedOutputs)} + o * OutputHeight * OutputWidth);");
                            using (w.Block("for (nint k = 0; k < OutputHeight * OutputWidth; k++)"))
                            {
                                w.Line($"biasSum += {Unsafe}.Add(ref errors, k);");
                            }
                        }
                        w.Line($"update.Bias(ref {Unsafe}.Add(ref b, o), biasSum);");
                    }
                    EmitWeightLoops(w, () =>
                    {
                        w.Line("float sum = 0f;");
                        using (w.Block("for (nint s = 0; s < m; s++)"))
                        {
                            w.Line($"ref float input = {InputRow(layer, "s")};");
                            w.Line($"ref float errors = ref {Unsafe}.Add(ref d, s * {Int(paddedOutputs)});");
                            using (w.Block("for (nint y = y0; y < y1; y++)"))
                            {
                                w.Line($"ref float source = ref {Unsafe}.Add(ref input, {InputOffset});");
                                w.Line($"ref float error = ref {Unsafe}.Add(ref errors, {OutputOffset});");
                                if (layer.Info.Stride == 1)
                                {
                                    w.Line($"sum += {Kernels}.DotRow(ref error, ref source, x1 - x0);");
                                }
                                else
                                {
                                    using (w.Block("for (nint x = 0; x < x1 - x0; x++)"))
                                    {
                                        w.Line($"sum += {Unsafe}.Add(ref error, x) * {Unsafe}.Add(ref source, x * Stride);");
                                    }
                                }
                            }
                        }
                        w.Line($"update.Weight(ref {Unsafe}.Add(ref kernel, ky * KernelWidth + kx), sum);");
                    });
                }
                w.Line();
            }
        }

        /// <summary>The typed view of a convolution's parameters: w^l[o, c, ky, kx] (Conv2D) or w^l[o, c, k] (Conv1D), and b^l.</summary>
        private static void EmitConvolutionView(SourceWriter w, LayerModel layer)
        {
            LayerInfo info = layer.Info;
            int l = layer.Number;
            bool image = info.Kind == LayerKind.Conv2D;
            string view = $"Layer{l}Parameters";
            string shape = image
                ? $"[{Int(info.Output.Channels)}, {Int(info.Input.Channels)}, {Int(info.KernelHeight)}, {Int(info.KernelWidth)}]"
                : $"[{Int(info.Output.Channels)}, {Int(info.Input.Channels)}, {Int(info.KernelWidth)}]";
            w.Line($"/// <summary>The parameters of layer {l} ({info.Kind} {info.Input} → {info.Output}, {layer.Function.Prose}): the kernels w^{l} and biases b^{l}, viewing this network's memory.</summary>");
            w.Line($"public {view} Layer{l} => new {view}(Parameters.Slice({Int(layer.WeightOffset)}, {Int(info.ParameterCount)}));");
            w.Line();
            w.Line($"/// <summary>The kernels w^{l} {shape} (PyTorch's weight tensor as stored) and biases b^{l} of layer {l}, a view of the network's parameters.</summary>");
            using (w.Block($"public readonly ref struct {view}"))
            {
                w.Line("/// <summary>The filters: the channels of the layer's output.</summary>");
                w.Line($"public const int Filters = {Int(info.Output.Channels)};");
                w.Line();
                w.Line("/// <summary>The channels of the layer's input.</summary>");
                w.Line($"public const int InputChannels = {Int(info.Input.Channels)};");
                w.Line();
                if (image)
                {
                    w.Line("/// <summary>The kernel's rows.</summary>");
                    w.Line($"public const int KernelHeight = {Int(info.KernelHeight)};");
                    w.Line();
                    w.Line("/// <summary>The kernel's columns.</summary>");
                    w.Line($"public const int KernelWidth = {Int(info.KernelWidth)};");
                }
                else
                {
                    w.Line("/// <summary>The kernel's length.</summary>");
                    w.Line($"public const int KernelSize = {Int(info.KernelWidth)};");
                }
                w.Line();
                w.Line($"/// <summary>The number of weights, {(image ? "Filters · InputChannels · KernelHeight · KernelWidth" : "Filters · InputChannels · KernelSize")}.</summary>");
                w.Line($"public const int WeightCount = {Int(info.WeightCount)};");
                w.Line();
                w.Line($"/// <summary>The index of w^{l}[0, 0, …] in <c>Parameters</c>.</summary>");
                w.Line($"public const int WeightOffset = {Int(layer.WeightOffset)};");
                w.Line();
                w.Line($"/// <summary>The index of b^{l}[0] in <c>Parameters</c>.</summary>");
                w.Line($"public const int BiasOffset = {Int(layer.BiasOffset)};");
                w.Line();
                w.Line($"private readonly {GlobalSpanOfFloat} _values;");
                w.Line();
                w.Line($"internal {view}({GlobalSpanOfFloat} values) => _values = values;");
                w.Line();
                var indices = image
                    ? new[] { ("o", info.Output.Channels), ("i", info.Input.Channels), ("y", info.KernelHeight), ("x", info.KernelWidth) }
                    : new[] { ("o", info.Output.Channels), ("i", info.Input.Channels), ("k", info.KernelWidth) };
                w.Line(image
                    ? $"/// <summary>w^{l}[o, i, y, x]: the weight of filter <paramref name=\"o\"/> on input channel <paramref name=\"i\"/> at kernel row <paramref name=\"y\"/>, column <paramref name=\"x\"/>.</summary>"
                    : $"/// <summary>w^{l}[o, i, k]: the weight of filter <paramref name=\"o\"/> on input channel <paramref name=\"i\"/> at kernel position <paramref name=\"k\"/>.</summary>");
                using (w.Block($"public ref float this[{string.Join(", ", indices.Select(index => "int " + index.Item1))}]"))
                using (w.Block("get"))
                {
                    foreach ((string name, int count) in indices)
                    {
                        w.Line($"if ((uint){name} >= {Int(count)}) global::Backprop.Kernels.ThrowIndexOutOfRange(nameof({name}), {name}, {Int(count)});");
                    }
                    string index = indices[0].Item1;
                    for (int k = 1; k < indices.Length; k++)
                    {
                        index = $"({index}) * {Int(indices[k].Item2)} + {indices[k].Item1}";
                    }
                    w.Line($"return ref _values[{index}];");
                }
                w.Line();
                w.Line($"/// <summary>w^{l}, row-major {shape}.</summary>");
                w.Line($"public {GlobalSpanOfFloat} Weights => _values.Slice(0, {Int(info.WeightCount)});");
                w.Line();
                w.Line($"/// <summary>b^{l}, one bias per filter.</summary>");
                w.Line($"public {GlobalSpanOfFloat} Biases => _values.Slice({Int(info.WeightCount)}, {Int(info.BiasCount)});");
            }
            w.Line();
        }
    }
}
