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
        // The blocked convolution kernels (stride 1): direct convolution over each channel's plane taken as one flat row.
        // With the input bordered by its padding (P zeros around every plane) and a plane's rows W + 2P apart, output
        // (y, x) reads input (y + ky, x + kx), which is flat position n + ky·(W + 2P) + kx for n = y·(W + 2P) + x: so the
        // kernels compute every flat position n of the plane, the few columns x ≥ OW of each row included (discarded
        // afterwards), with whole vectors along n and no row boundaries to stop at. For a run of vectors and a block of
        // target channels, every accumulator stays in a register while the loops run over the source channels and the
        // kernel's rows and columns; each input vector loaded serves every channel of the block, each weight broadcast
        // every vector of the run. The planes are computed into a buffer and their valid rows copied out.
        //
        // The error of the layer below is the same kernel: the full correlation of δ^l, bordered with KH − 1 − P rows
        // and KW − 1 − P columns of zeros, with the kernel flipped, input and output channels swapped. The weights'
        // gradient sums δ^l (laid out with the input's row length, zeros in the extra columns) times the input shifted
        // by (ky, kx), for a block of filters and one kernel row: one accumulator per filter and kernel column.
        private sealed partial class ConvolutionLayer
        {
            /// <summary>The most floats a blocked kernel keeps on the stack in one buffer (64 KB); larger layers take the scalar kernels.</summary>
            private const int MaxScratch = 16384;

            /// <summary>Whether the layer gets the blocked kernels: stride 1, padding within the kernel, scratch that fits.</summary>
            private static bool IsBlocked(LayerModel layer)
            {
                LayerInfo info = layer.Info;
                if (info.Stride != 1)
                {
                    return false;
                }
                var g = new Shape(info, 16);
                return g.PadY <= info.KernelHeight - 1 && g.PadX <= info.KernelWidth - 1
                    && g.BorderedInputFloats <= MaxScratch && g.BorderedErrorFloats <= MaxScratch
                    && info.Output.Channels * g.ForwardPlane <= MaxScratch && info.Input.Channels * g.ErrorPlane <= MaxScratch
                    && info.WeightCount + info.Output.Channels <= MaxScratch;
            }

            /// <summary>The flat length that chooses the vectors (the dispatcher's count): the output plane with the input's row length.</summary>
            private static int RowWidth(LayerInfo info)
            {
                var g = new Shape(info, 1);
                return System.Math.Min(info.Output.Height * g.PaddedWidth, info.Input.Height * g.BorderedWidth);
            }

            /// <summary>The sizes the blocked kernels work with, for vectors of <paramref name="vector"/> floats.</summary>
            private readonly struct Shape
            {
                public Shape(LayerInfo info, int vector)
                {
                    Info = info;
                    Vector = vector;
                    PadY = info.Kind == LayerKind.Conv1D ? 0 : info.Padding;
                    PadX = info.Padding;
                }

                public LayerInfo Info { get; }

                public int Vector { get; }

                public int PadY { get; }

                public int PadX { get; }

                /// <summary>The input with its padding: rows and row length.</summary>
                public int PaddedHeight => Info.Input.Height + 2 * PadY;

                public int PaddedWidth => Info.Input.Width + 2 * PadX;

                /// <summary>
                /// Slack after a bordered buffer: the last vector of a plane and the kernel's last column read up to this far past it
                /// (zeros, so they add nothing where they count, and nothing is read outside the buffer).
                /// </summary>
                public int Slack => Vector + Info.KernelWidth;

                public int BorderedInputFloats => Info.Input.Channels * PaddedHeight * PaddedWidth + Slack;

                /// <summary>δ^l bordered for the full correlation: KH − 1 − P rows above and below, KW − 1 − P columns each side.</summary>
                public int BorderY => Info.KernelHeight - 1 - PadY;

                public int BorderX => Info.KernelWidth - 1 - PadX;

                public int BorderedHeight => Info.Output.Height + 2 * BorderY;

                public int BorderedWidth => Info.Output.Width + 2 * BorderX;

                public int BorderedErrorFloats => Info.Output.Channels * BorderedHeight * BorderedWidth + Slack;

                /// <summary>Floats of one output plane computed flat (OH rows of the padded input's length), in whole vectors.</summary>
                public int ForwardPlane => Whole(Info.Output.Height * PaddedWidth);

                /// <summary>Floats of one plane of δ^(l−1) computed flat (H rows of the bordered δ's length), in whole vectors.</summary>
                public int ErrorPlane => Whole(Info.Input.Height * BorderedWidth);

                private int Whole(int floats) => (floats + Vector - 1) / Vector * Vector;
            }

            /// <summary>Accumulators a block may keep in registers: AVX-512 has 32 vector registers, the narrower paths 16.</summary>
            private static int Accumulators(Isa isa) => isa.Width == 16 ? 24 : 12;

            /// <summary>A convolution computed plane by plane over flat positions, for the forward and the error kernels.</summary>
            /// <param name="Source">The bordered source (one sample), with slack after it.</param>
            /// <param name="SourceChannels">Its channels.</param>
            /// <param name="SourcePlane">Floats per source channel.</param>
            /// <param name="SourceWidth">Its row length: the flat distance of one kernel row.</param>
            /// <param name="Planes">The buffer of flat target planes.</param>
            /// <param name="TargetChannels">The target's channels.</param>
            /// <param name="Plane">Floats per flat target plane, whole vectors.</param>
            /// <param name="TargetStride">The weights' distance between two target channels.</param>
            /// <param name="SourceStride">The weights' distance between two source channels.</param>
            /// <param name="Flipped">Whether the kernel is read flipped (the error kernel's full correlation).</param>
            /// <param name="Bias">Whether the target starts from the biases (forward) or from zero (error).</param>
            private sealed record PlaneConvolution(
                string Source, int SourceChannels, int SourcePlane, int SourceWidth,
                string Planes, int TargetChannels, int Plane,
                int TargetStride, int SourceStride, bool Flipped, bool Bias);

            private static void EmitPlaneConvolution(SourceWriter w, LayerModel layer, Isa isa, PlaneConvolution c)
            {
                int vectors = c.Plane / isa.Width;
                int run = System.Math.Min(4, vectors);
                int block = System.Math.Max(1, System.Math.Min(c.TargetChannels, Accumulators(isa) / run));
                int rest = c.TargetChannels % block, lastRun = vectors % run;
                w.Line($"// Target channels {Int(block)} at a time{(rest > 0 ? $", then the last {Int(rest)}" : string.Empty)}; each plane {Plural(vectors, "vector")}, {Int(run)} at a time{(lastRun > 0 ? $", then the last {Int(lastRun)}" : string.Empty)}.");
                EmitInBlocks(w, "t", c.TargetChannels, block, 1, count =>
                {
                    w.Line($"ref float {string.Join(", ", Enumerable.Range(0, count).Select(f => $"w{f} = ref {Unsafe}.Add(ref w, (t + {Int(f)}) * {Int(c.TargetStride)})"))};");
                    EmitInBlocks(w, "n", vectors, run, isa.Width, vectorCount => EmitPlaneBlock(w, layer, isa, c, count, vectorCount));
                });
            }

            /// <summary>
            /// <paramref name="body"/> for <paramref name="total"/> items, <paramref name="block"/> at a time: a loop over the whole
            /// blocks with <paramref name="index"/> counting items times <paramref name="unit"/>, then the rest (if any) with the
            /// index a constant. The body gets how many items its block has.
            /// </summary>
            private static void EmitInBlocks(SourceWriter w, string index, int total, int block, int unit, System.Action<int> body)
            {
                int whole = total / block * block, rest = total - whole;
                using (w.Block($"for (nint {index} = 0; {index} < {Int(whole * unit)}; {index} += {Int(block * unit)})"))
                {
                    body(block);
                }
                if (rest > 0)
                {
                    using (w.Open())
                    {
                        w.Line($"nint {index} = {Int(whole * unit)};");
                        body(rest);
                    }
                }
            }

            private static void EmitPlaneBlock(SourceWriter w, LayerModel layer, Isa isa, PlaneConvolution c, int block, int run)
            {
                int kh = layer.Info.KernelHeight, kw = layer.Info.KernelWidth;
                w.Line($"{isa.Type} {string.Join(", ", Enumerable.Range(0, block).SelectMany(f => Enumerable.Range(0, run).Select(j => $"s{f}{j} = {(c.Bias ? isa.Broadcast($"{Unsafe}.Add(ref b, t + {Int(f)})") : isa.Zero)}")))};");
                using (w.Block($"for (nint c = 0; c < {Int(c.SourceChannels)}; c++)"))
                using (w.Block($"for (nint ky = 0; ky < {Int(kh)}; ky++)"))
                {
                    w.Line($"ref float row = ref {Unsafe}.Add(ref {c.Source}, c * {Int(c.SourcePlane)} + ky * {Int(c.SourceWidth)} + n);");
                    w.Line(c.Flipped
                        ? $"nint k = c * {Int(c.SourceStride)} + {Int(kh * kw - 1)} - ky * {Int(kw)}; // w[·, ·, KH − 1 − ky, KW − 1 − kx] at k − kx: the flipped kernel"
                        : $"nint k = c * {Int(c.SourceStride)} + ky * {Int(kw)}; // w[·, c, ky, kx] at k + kx");
                    using (w.Block($"for (nint kx = 0; kx < {Int(kw)}; kx++)"))
                    {
                        w.Line($"{isa.Type} {string.Join(", ", Enumerable.Range(0, run).Select(j => $"x{j} = {isa.Load("row", j == 0 ? "(nuint)kx" : $"(nuint)(kx + {Int(j * isa.Width)})")}"))};");
                        for (int f = 0; f < block; f++)
                        {
                            w.Line($"{isa.Type} v{f} = {isa.Broadcast($"{Unsafe}.Add(ref w{f}, k {(c.Flipped ? "-" : "+")} kx)")}; {string.Join(" ", Enumerable.Range(0, run).Select(j => $"s{f}{j} = MultiplyAdd(v{f}, x{j}, s{f}{j});"))}");
                        }
                    }
                }
                for (int f = 0; f < block; f++)
                {
                    w.Line(string.Join(" ", Enumerable.Range(0, run).Select(j =>
                        isa.Store($"s{f}{j}", c.Planes, $"(nuint)((t + {Int(f)}) * {Int(c.Plane)} + n + {Int(j * isa.Width)})"))));
                }
            }

            /// <summary>Copies the valid rows (the first <paramref name="width"/> of every <paramref name="stride"/>) of flat planes into a target.</summary>
            private static void EmitPlanesOut(SourceWriter w, string planes, string target, int channels, int height, int width, int stride, int plane)
            {
                using (w.Block($"for (nint c = 0; c < {Int(channels)}; c++)"))
                using (w.Block($"for (nint y = 0; y < {Int(height)}; y++)"))
                {
                    w.Line($"MemoryMarshal.CreateReadOnlySpan(ref {Unsafe}.Add(ref {planes}, c * {Int(plane)} + y * {Int(stride)}), {Int(width)}).CopyTo(MemoryMarshal.CreateSpan(ref {Unsafe}.Add(ref {target}, (c * {Int(height)} + y) * {Int(width)}), {Int(width)}));");
                }
            }

            /// <summary>Copies each row of each channel of <paramref name="from"/> into the interior of a bordered buffer.</summary>
            private static void EmitBorderedCopy(SourceWriter w, string from, string to, int channels, int height, int width, int toHeight, int toWidth, int top, int left)
            {
                using (w.Block($"for (nint c = 0; c < {Int(channels)}; c++)"))
                using (w.Block($"for (nint y = 0; y < {Int(height)}; y++)"))
                {
                    w.Line($"MemoryMarshal.CreateReadOnlySpan(ref {Unsafe}.Add(ref {from}, (c * {Int(height)} + y) * {Int(width)}), {Int(width)}).CopyTo(MemoryMarshal.CreateSpan(ref {Unsafe}.Add(ref {to}, (c * {Int(toHeight)} + y + {Int(top)}) * {Int(toWidth)} + {Int(left)}), {Int(width)}));");
                }
            }

            /// <summary>
            /// A buffer on the stack. One whose zeros matter (borders, slack, sums) is cleared: stack memory starts zeroed only
            /// while the module keeps .NET's zero-initialised locals, and a project's <c>[module: SkipLocalsInit]</c> would reach
            /// generated code too. One that is written whole before it is read is not.
            /// </summary>
            private static void EmitStackBuffer(SourceWriter w, string name, int floats, string what, bool zeros = true)
            {
                w.Line($"// {what}");
                w.Line($"{SpanOfFloat} {name}Buffer = stackalloc float[{Int(floats)}];{(zeros ? $" {name}Buffer.Clear();" : string.Empty)} ref float {name} = ref MemoryMarshal.GetReference({name}Buffer);");
            }

            private static void EmitBlockedForward(SourceWriter w, LayerModel layer, Isa isa)
            {
                LayerInfo info = layer.Info;
                int l = layer.Number;
                var g = new Shape(info, isa.Width);
                w.Line($"/// <summary>Layer {l} ({info.Kind} {info.Input} → {info.Output}, {Geometry(info)}) with {isa.Description}, blocked: {XmlText(Sum(layer, $"a^{l - 1}"))} for m samples.</summary>");
                w.Line(HotPath);
                using (w.Block(ForwardKernel(layer).Declaration(isa.Suffix)))
                {
                    w.Line($"ref float w = ref {Unsafe}.Add(ref p, {Int(layer.WeightOffset)}); // w^{l}: [{Int(info.Output.Channels)}, {Int(info.Input.Channels)}, {Int(info.KernelHeight)}, {Int(info.KernelWidth)}] row-major");
                    w.Line($"ref float b = ref {Unsafe}.Add(ref p, {Int(layer.BiasOffset)}); // b^{l}: one bias per filter");
                    EmitStackBuffer(w, "bordered", g.BorderedInputFloats, $"a^{l - 1} of one sample with its padding of zeros: {Int(info.Input.Channels)} × {Int(g.PaddedHeight)} × {Int(g.PaddedWidth)}, then slack.");
                    EmitStackBuffer(w, "planes", info.Output.Channels * g.ForwardPlane, $"z^{l} of one sample, each plane flat: {Int(info.Output.Height)} rows of {Int(g.PaddedWidth)}, the first {Int(info.Output.Width)} of each valid.", zeros: false);
                    using (w.Block("for (nint s = 0; s < m; s++)"))
                    {
                        w.Line($"ref float input = {InputRow(layer, "s")};");
                        w.Line($"ref float output = ref {Unsafe}.Add(ref z, s * {Int(Padded(layer.Outputs))});");
                        EmitBorderedCopy(w, "input", "bordered", info.Input.Channels, info.Input.Height, info.Input.Width, g.PaddedHeight, g.PaddedWidth, g.PadY, g.PadX);
                        EmitPlaneConvolution(w, layer, isa, new PlaneConvolution(
                            "bordered", info.Input.Channels, g.PaddedHeight * g.PaddedWidth, g.PaddedWidth,
                            "planes", info.Output.Channels, g.ForwardPlane,
                            TargetStride: info.Input.Channels * info.KernelHeight * info.KernelWidth, SourceStride: info.KernelHeight * info.KernelWidth,
                            Flipped: false, Bias: true));
                        EmitPlanesOut(w, "planes", "output", info.Output.Channels, info.Output.Height, info.Output.Width, g.PaddedWidth, g.ForwardPlane);
                    }
                }
                w.Line();
            }

            private static void EmitBlockedDelta(SourceWriter w, LayerModel layer, LayerModel previous, Isa isa)
            {
                LayerInfo info = layer.Info;
                int l = layer.Number;
                ActivationFunction f = previous.Function;
                var g = new Shape(info, isa.Width);
                int paddedInputs = Padded(layer.Inputs);
                w.Line($"/// <summary>Layer {l}'s error kernel with {isa.Description}, blocked (BP2): δ^{l - 1}[c, i, j] = Σ_o Σ_ky Σ_kx w^{l}[o, c, KH − 1 − ky, KW − 1 − kx] δ̃^{l}[o, i + ky, j + kx], the full correlation of δ^{l} (bordered with zeros, δ̃) with the flipped kernel, then ⊙ {f.Symbol}'(z^{l - 1}).</summary>");
                w.Line(HotPath);
                using (w.Block(DeltaKernel(layer).Declaration(isa.Suffix)))
                {
                    w.Line($"ref float w = ref {Unsafe}.Add(ref p, {Int(layer.WeightOffset)}); // w^{l}: [{Int(info.Output.Channels)}, {Int(info.Input.Channels)}, {Int(info.KernelHeight)}, {Int(info.KernelWidth)}] row-major");
                    EmitStackBuffer(w, "bordered", g.BorderedErrorFloats, $"δ^{l} of one sample bordered with zeros: {Int(info.Output.Channels)} × {Int(g.BorderedHeight)} × {Int(g.BorderedWidth)}, then slack.");
                    EmitStackBuffer(w, "planes", info.Input.Channels * g.ErrorPlane, $"δ^{l - 1} of one sample, each plane flat: {Int(info.Input.Height)} rows of {Int(g.BorderedWidth)}, the first {Int(info.Input.Width)} of each valid.", zeros: false);
                    using (w.Block("for (nint s = 0; s < m; s++)"))
                    {
                        w.Line($"ref float errors = ref {Unsafe}.Add(ref d, s * {Int(Padded(layer.Outputs))});");
                        w.Line($"ref float target = ref {Unsafe}.Add(ref dPrevious, s * {Int(paddedInputs)});");
                        EmitBorderedCopy(w, "errors", "bordered", info.Output.Channels, info.Output.Height, info.Output.Width, g.BorderedHeight, g.BorderedWidth, g.BorderY, g.BorderX);
                        EmitPlaneConvolution(w, layer, isa, new PlaneConvolution(
                            "bordered", info.Output.Channels, g.BorderedHeight * g.BorderedWidth, g.BorderedWidth,
                            "planes", info.Input.Channels, g.ErrorPlane,
                            TargetStride: info.KernelHeight * info.KernelWidth, SourceStride: info.Input.Channels * info.KernelHeight * info.KernelWidth,
                            Flipped: true, Bias: false));
                        EmitPlanesOut(w, "planes", "target", info.Input.Channels, info.Input.Height, info.Input.Width, g.BorderedWidth, g.ErrorPlane);
                        if (paddedInputs > layer.Inputs)
                        {
                            w.Line($"MemoryMarshal.CreateSpan(ref {Unsafe}.Add(ref target, {Int(layer.Inputs)}), {Int(paddedInputs - layer.Inputs)}).Clear(); // the row's padding");
                        }
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
            /// Samples the gradient kernel sums in registers before it adds across a vector's lanes (each lane sum costs about as
            /// much as a few vectors of a small layer's plane): as many as fit its two buffers, at most 16.
            /// </summary>
            private static int GradientGroup(Shape g)
            {
                LayerInfo info = g.Info;
                int perSample = System.Math.Max(info.Input.Channels * g.PaddedHeight * g.PaddedWidth, info.Output.Channels * g.ForwardPlane);
                return System.Math.Max(1, System.Math.Min(16, (MaxScratch - g.Slack) / perSample));
            }

            private static void EmitBlockedGradient(SourceWriter w, LayerModel layer, Isa isa)
            {
                LayerInfo info = layer.Info;
                int l = layer.Number;
                var g = new Shape(info, isa.Width);
                int channels = info.Input.Channels, filters = info.Output.Channels;
                int outHeight = info.Output.Height, outWidth = info.Output.Width;
                int inputPlanes = channels * g.PaddedHeight * g.PaddedWidth, errorPlanes = filters * g.ForwardPlane;
                int group = GradientGroup(g);
                string a = layer.FeedsFromInput ? "x" : $"a^{l - 1}";
                w.Line($"/// <summary>Layer {l}'s update kernel with {isa.Description}, blocked: hands ∂C/∂w^{l}[o, c, ky, kx] = Σ_x Σ_(y, x') δ^{l}[o, y, x'] {a}[c, y + ky − P, x' + kx − P] and ∂C/∂b^{l}[o] = Σ_x Σ_(y, x') δ^{l}[o, y, x'] over m samples to the update.</summary>");
                w.Line(HotPath);
                using (w.Block(UpdateKernel(layer).Declaration(isa.Suffix)))
                {
                    w.Line($"ref float w = ref {Unsafe}.Add(ref p, {Int(layer.WeightOffset)}); // w^{l}: [{Int(filters)}, {Int(channels)}, {Int(info.KernelHeight)}, {Int(info.KernelWidth)}] row-major");
                    w.Line($"ref float b = ref {Unsafe}.Add(ref p, {Int(layer.BiasOffset)}); // b^{l}: one bias per filter");
                    EmitStackBuffer(w, "bordered", group * inputPlanes + g.Slack, $"{a} of up to {Int(group)} samples with its padding of zeros, {Int(channels)} × {Int(g.PaddedHeight)} × {Int(g.PaddedWidth)} each, then slack.");
                    EmitStackBuffer(w, "planes", group * errorPlanes, $"δ^{l} of up to {Int(group)} samples, each plane flat as z^{l} is computed: rows of {Int(g.PaddedWidth)}, zeros past the first {Int(outWidth)}.");
                    EmitStackBuffer(w, "sums", info.WeightCount + filters, $"Σ_x ∂C_x/∂w^{l}, then Σ_x ∂C_x/∂b^{l}: handed to the update once the batch is summed.");
                    w.Line($"// The batch {Int(group)} samples at a time: their sums stay in registers across the group.");
                    using (w.Block($"for (nint first = 0; first < m; first += {Int(group)})"))
                    {
                        w.Line($"nint count = Math.Min({Int(group)}, m - first);");
                        using (w.Block("for (nint k = 0; k < count; k++)"))
                        {
                            w.Line("nint s = first + k;");
                            w.Line($"ref float input = {InputRow(layer, "s")};");
                            w.Line($"ref float errors = ref {Unsafe}.Add(ref d, s * {Int(Padded(layer.Outputs))});");
                            w.Line($"ref float sampleInput = ref {Unsafe}.Add(ref bordered, k * {Int(inputPlanes)}), sampleErrors = ref {Unsafe}.Add(ref planes, k * {Int(errorPlanes)});");
                            EmitBorderedCopy(w, "input", "sampleInput", channels, info.Input.Height, info.Input.Width, g.PaddedHeight, g.PaddedWidth, g.PadY, g.PadX);
                            using (w.Block($"for (nint c = 0; c < {Int(filters)}; c++)"))
                            using (w.Block($"for (nint y = 0; y < {Int(outHeight)}; y++)"))
                            {
                                w.Line($"MemoryMarshal.CreateReadOnlySpan(ref {Unsafe}.Add(ref errors, (c * {Int(outHeight)} + y) * {Int(outWidth)}), {Int(outWidth)}).CopyTo(MemoryMarshal.CreateSpan(ref {Unsafe}.Add(ref sampleErrors, c * {Int(g.ForwardPlane)} + y * {Int(g.PaddedWidth)}), {Int(outWidth)}));");
                            }
                            w.Line($"// ∂C/∂b^{l}[o] += Σ_(y, x) δ^{l}[o, y, x]");
                            using (w.Block($"for (nint o = 0; o < {Int(filters)}; o++)"))
                            {
                                w.Line("float bias = 0f;");
                                using (w.Block($"for (nint j = 0; j < {Int(outHeight * outWidth)}; j++)"))
                                {
                                    w.Line($"bias += {Unsafe}.Add(ref errors, o * {Int(outHeight * outWidth)} + j);");
                                }
                                w.Line($"{Unsafe}.Add(ref sums, {Int(info.WeightCount)} + o) += bias;");
                            }
                        }

                        int block = System.Math.Max(1, System.Math.Min(filters, Accumulators(isa) / info.KernelWidth));
                        w.Line($"// ∂C/∂w^{l}[o, c, ky, kx] += Σ_x Σ_n δ^{l}[o, n] {a}[c, n + ky·{Int(g.PaddedWidth)} + kx] over the flat planes of the group: {Int(block)} filters at a time, one accumulator per filter and kernel column.");
                        EmitInBlocks(w, "t", filters, block, 1, count => EmitGradientBlock(w, isa, g, count, inputPlanes, errorPlanes));
                    }
                    using (w.Block($"for (nint k = 0; k < {Int(info.WeightCount)}; k++)"))
                    {
                        w.Line($"update.Weight(ref {Unsafe}.Add(ref w, k), {Unsafe}.Add(ref sums, k));");
                    }
                    using (w.Block($"for (nint o = 0; o < {Int(filters)}; o++)"))
                    {
                        w.Line($"update.Bias(ref {Unsafe}.Add(ref b, o), {Unsafe}.Add(ref sums, {Int(info.WeightCount)} + o));");
                    }
                }
                w.Line();
            }

            private static void EmitGradientBlock(SourceWriter w, Isa isa, Shape g, int block, int inputPlanes, int errorPlanes)
            {
                LayerInfo info = g.Info;
                int channels = info.Input.Channels, kh = info.KernelHeight, kw = info.KernelWidth;
                using (w.Block($"for (nint c = 0; c < {Int(channels)}; c++)"))
                using (w.Block($"for (nint ky = 0; ky < {Int(kh)}; ky++)"))
                {
                    w.Line($"{isa.Type} {string.Join(", ", Enumerable.Range(0, block).SelectMany(f => Enumerable.Range(0, kw).Select(kx => $"g{f}_{kx} = {isa.Zero}")))};");
                    using (w.Block("for (nint k = 0; k < count; k++)"))
                    {
                        w.Line($"ref float row = ref {Unsafe}.Add(ref bordered, k * {Int(inputPlanes)} + c * {Int(g.PaddedHeight * g.PaddedWidth)} + ky * {Int(g.PaddedWidth)});");
                        w.Line($"ref float {string.Join(", ", Enumerable.Range(0, block).Select(f => $"e{f} = ref {Unsafe}.Add(ref planes, k * {Int(errorPlanes)} + (t + {Int(f)}) * {Int(g.ForwardPlane)})"))};");
                        using (w.Block($"for (nint n = 0; n < {Int(g.ForwardPlane)}; n += {Int(isa.Width)})"))
                        {
                            w.Line($"{isa.Type} {string.Join(", ", Enumerable.Range(0, block).Select(f => $"d{f} = {isa.Load($"e{f}", "(nuint)n")}"))};");
                            for (int kx = 0; kx < kw; kx++)
                            {
                                w.Line($"{isa.Type} i{kx} = {isa.Load("row", kx == 0 ? "(nuint)n" : $"(nuint)(n + {Int(kx)})")}; {string.Join(" ", Enumerable.Range(0, block).Select(f => $"g{f}_{kx} = MultiplyAdd(d{f}, i{kx}, g{f}_{kx});"))}");
                            }
                        }
                    }
                    for (int f = 0; f < block; f++)
                    {
                        w.Line($"ref float sum{f} = ref {Unsafe}.Add(ref sums, ((t + {Int(f)}) * {Int(channels)} + c) * {Int(kh * kw)} + ky * {Int(kw)});");
                        w.Line(string.Join(" ", Enumerable.Range(0, kw).Select(kx => $"{Unsafe}.Add(ref sum{f}, {Int(kx)}) += {isa.Vector}.Sum(g{f}_{kx});")));
                    }
                }
            }
        }
    }
}
