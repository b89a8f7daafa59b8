using System.Collections.Generic;
using System.Linq;
using Backprop.Generated.Generator.Model;
using Backprop.Generated.Generator.Helpers;

namespace Backprop.Generated.Generator;

public sealed partial class NetworkGenerator
{
    internal static partial class Emitter
    {
        // The blocked shape. Every layer gets three kernels per vector width, all over a mini-batch
        // of m samples (m = 1 for Forward and Backprop):
        //   Forward:  z^l = w^l a^(l−1) + b^l, blocks of rows × samples with one accumulator each;
        //   Delta:    δ^(l−1) = ((w^l)ᵀ δ^l) ⊙ σ'(z^(l−1)), blocks of samples × column vectors;
        //   Update:   Σ_x δ^l (a^(l−1))ᵀ over the batch for a block of column vectors × rows, then
        //             handed to an IParameterUpdate, a struct the JIT compiles into the kernel:
        //             SgdUpdate steps the weights (TrainBatch: w ← decay·w − rate·Σ), GradientSum
        //             adds into a gradient (Backprop, AccumulateGradient: g ← g + Σ), and the trainer's
        //             optimizers (Adam) step the weights and their state (UpdateBatch).
        // A small dispatcher per layer and kernel calls the widest width the hardware accelerates
        // (IsHardwareAccelerated is a JIT-time constant, so one call remains), and one driver per
        // public operation chains the layers. Every bound except m, every offset, tail and mask is a
        // constant, and every method is a few loops: far below the JIT's 20,000-IL-instruction limit.

        /// <summary>The constraint of every method generic over the update a kernel applies.</summary>
        private const string UpdateConstraint = " where TUpdate : struct, IParameterUpdate";

        /// <summary>Scratch rows are padded to whole Vector512s, so every width can process whole vectors.</summary>
        private static int Padded(int count) => (count + 15) / 16 * 16;

        /// <summary>Samples a block of ForwardBatch keeps on the stack (about 64 KB at most).</summary>
        private static int ForwardBatchBlock(NetworkModel n) =>
            System.Math.Max(1, System.Math.Min(64, 16384 / n.Layers.Sum(layer => Padded(layer.Outputs))));

        /// <summary>Floats of TrainBatch workspace a sample needs: a^l and δ^l of every layer, and z^L.</summary>
        private static int WorkspacePerSample(NetworkModel n) =>
            n.Layers.Sum(layer => 2 * Padded(layer.Outputs)) + Padded(n.Layers[n.Layers.Count - 1].Outputs);

        private static void EmitBlocked(SourceWriter w, NetworkModel n)
        {
            EmitForwardDriver(w, n);
            EmitForwardBatchDriver(w, n);
            EmitBackpropDrivers(w, n);
            EmitTrainBatchDriver(w, n);

            for (int index = 0; index < n.Layers.Count; index++)
            {
                LayerModel layer = n.Layers[index];
                LayerModel? previous = index > 0 ? n.Layers[index - 1] : null;
                int l = layer.Number;
                ForwardKernel(layer).EmitDispatch(w, layer.Inputs,
                    $"Layer {l}'s forward kernel: z^{l} = w^{l} a^{l - 1} + b^{l} for m samples.");
                if (previous is not null)
                {
                    DeltaKernel(layer).EmitDispatch(w, layer.Inputs,
                        $"Layer {l}'s error kernel: δ^{l - 1} = ((w^{l})ᵀ δ^{l}) ⊙ {previous.Function.Symbol}'(z^{l - 1}) for m samples (BP2).");
                }
                UpdateKernel(layer).EmitDispatch(w, layer.Inputs,
                    $"Layer {l}'s update kernel: hands Σ_x δ^{l} (a^{l - 1})ᵀ (∂C/∂w^{l}) and Σ_x δ^{l} (∂C/∂b^{l}) over m samples to the update.");
                foreach (Isa isa in Isa.All.Select(tier => tier.For(layer.Inputs)).Distinct())
                {
                    EmitForwardKernel(w, layer, isa);
                    if (previous is not null)
                    {
                        EmitDeltaKernel(w, layer, previous, isa);
                    }
                    EmitGradientKernel(w, layer, isa);
                }
            }
        }

        // ---- Kernel signatures: each written once, for the kernels of every width, their dispatcher and its calls ----

        private static readonly KernelParameter P = new("ref float", "p"), M = new("nint", "m");

        /// <summary>A layer's input: layer 2 gathers data-set rows (<c>a</c>, <c>rows</c>), later layers read scratch rows (<c>a</c>).</summary>
        private static IEnumerable<KernelParameter> InputParameters(LayerModel layer) => layer.FeedsFromInput
            ? new[] { new KernelParameter("ref float", "a"), new KernelParameter("ref int", "rows") }
            : new[] { new KernelParameter("ref float", "a") };

        /// <summary>z^l = w^l a^(l−1) + b^l for m samples: <c>LayerNForward(p, input, m, z)</c>.</summary>
        private static KernelSignature ForwardKernel(LayerModel layer) => new(
            $"Layer{layer.Number}Forward",
            new[] { P }.Concat(InputParameters(layer)).Concat(new[] { M, new KernelParameter("ref float", "z") }).ToList());

        /// <summary>δ^(l−1) = ((w^l)ᵀ δ^l) ⊙ f'(z^(l−1)) for m samples: <c>LayerNDelta(p, d, m, a, dPrevious)</c>.</summary>
        private static KernelSignature DeltaKernel(LayerModel layer) => new(
            $"Layer{layer.Number}Delta",
            new[] { P, new KernelParameter("ref float", "d"), M, new KernelParameter("ref float", "a"), new KernelParameter("ref float", "dPrevious") });

        /// <summary>
        /// Σ_x δ^l (a^(l−1))ᵀ and Σ_x δ^l handed to the update: <c>LayerNUpdate&lt;TUpdate&gt;(p, input, d, m, update)</c>,
        /// and for layer 2 the next batch's rows to prefetch (<c>next</c>, <c>nextCount</c>).
        /// </summary>
        private static KernelSignature UpdateKernel(LayerModel layer) => new(
            $"Layer{layer.Number}Update",
            new[] { P }.Concat(InputParameters(layer))
                .Concat(new[] { new KernelParameter("ref float", "d"), M, new KernelParameter("ref TUpdate", "update") })
                .Concat(layer.FeedsFromInput ? new[] { new KernelParameter("ref int", "next"), new KernelParameter("nint", "nextCount") } : Enumerable.Empty<KernelParameter>())
                .ToList(),
            GenericOverUpdate: true);

        /// <summary>The arguments for a layer's input: layer 2 reads the data set's rows, a later layer the previous layer's scratch rows.</summary>
        private static string[] InputArguments(LayerModel layer, string previous, string rows) =>
            layer.FeedsFromInput ? new[] { $"ref {previous}", $"ref {rows}" } : new[] { $"ref {previous}" };

        // ---- Drivers ----

        private static void EmitScratch(SourceWriter w, string name, string count)
        {
            w.Line($"{SpanOfFloat} {name}Buffer = stackalloc float[{count}]; ref float {name} = ref MemoryMarshal.GetReference({name}Buffer);");
        }

        /// <summary>Calls the forward kernels of every layer for m samples, activating each layer's rows.</summary>
        private static void EmitForwardLayers(SourceWriter w, NetworkModel n, string input, string rows, string m, bool keepOutputZ)
        {
            string previous = input;
            foreach (LayerModel layer in n.Layers)
            {
                w.Line();
                EmitLayerComment(w, layer);
                string target = layer.IsOutput && keepOutputZ ? $"z{n.L}" : $"a{layer.Number}";
                w.Line(ForwardKernel(layer).Call(new[] { "ref p" }.Concat(InputArguments(layer, previous, rows)).Concat(new[] { m, $"ref {target}" }).ToArray()));
                EmitActivateRows(w, layer, target, $"a{layer.Number}", m);
                previous = $"a{layer.Number}";
            }
        }

        private static void EmitLayerComment(SourceWriter w, LayerModel layer)
        {
            string input = layer.FeedsFromInput ? "x" : $"a^{layer.Number - 1}";
            w.Line($"// Layer {layer.Number} ({Int(layer.Inputs)} → {Int(layer.Outputs)}): z^{layer.Number} = w^{layer.Number} {input} + b^{layer.Number}; a^{layer.Number} = {layer.Function.Symbol}(z^{layer.Number}), {layer.Function.Formula}");
        }

        /// <summary>Turns m padded rows of z^l (<paramref name="source"/>) into a^l (<paramref name="target"/>, possibly the same rows).</summary>
        private static void EmitActivateRows(SourceWriter w, LayerModel layer, string source, string target, string m)
        {
            if (layer.Function.HasUnitDerivative && source == target)
            {
                w.Line($"// {layer.Function.Formula}: a^{layer.Number} is z^{layer.Number} as it stands.");
                return;
            }
            w.Line(layer.Function.ActivateRows(source, target, m, layer.Outputs, Padded(layer.Outputs)));
        }

        /// <summary>
        /// The statements that compute Σ_x C_x of m samples into <paramref name="cost"/> (declared or added to) and the
        /// output errors δ^L (BP1), with the cost's runtime kernel and, for a cost that keeps it, f_L'.
        /// </summary>
        private static void EmitOutputError(SourceWriter w, NetworkModel n, string assign, string targets, string rows, string m, bool errors)
        {
            LayerModel output = n.Layers[n.Layers.Count - 1];
            CostFunction cost = Functions.Of(n.Spec.Cost);
            int L = n.L, count = output.Outputs, padded = Padded(count);
            if (errors)
            {
                foreach (string line in cost.Comment)
                {
                    w.Line("// " + line);
                }
            }
            w.Line($"{assign} {Kernels}.{cost.Kernel}(ref z{L}, ref a{L}, ref {targets}, ref {rows}, {m}, {Int(count)}, {Int(padded)}, ref d{L});");
            if (errors && cost.MultipliesDerivative && output.Function.MultiplyDerivativeRows($"a{L}", $"d{L}", m, count, padded) is string multiply)
            {
                w.Line($"// δ^{L} = (a − y) ⊙ {output.Function.Symbol}'(z^{L}), with {output.Function.Derivative}");
                w.Line(multiply);
            }
        }

        private static void EmitForwardDriver(SourceWriter w, NetworkModel n)
        {
            w.Line("/// <summary>Forward pass of one sample.</summary>");
            w.Line(HotPath);
            using (w.Block("private static void ForwardCore(ref float p, ref float x, ref float y)"))
            {
                w.Line("// Activations on the stack, padded to whole vectors; each layer writes z^l, then turns it into a^l.");
                foreach (LayerModel layer in n.Layers)
                {
                    EmitScratch(w, $"a{layer.Number}", Int(Padded(layer.Outputs)));
                }
                w.Line("int row = 0; // the input is one row: x itself");
                EmitForwardLayers(w, n, "x", "row", "1", keepOutputZ: false);
                int outputs = n.Sizes[n.L - 1];
                w.Line();
                w.Line($"// The output is a^{n.L}.");
                w.Line($"MemoryMarshal.CreateReadOnlySpan(ref a{n.L}, {Int(outputs)}).CopyTo(MemoryMarshal.CreateSpan(ref y, {Int(outputs)}));");
            }
            w.Line();
        }

        private static void EmitForwardBatchDriver(SourceWriter w, NetworkModel n)
        {
            int block = ForwardBatchBlock(n);
            int inputs = n.Sizes[0], outputs = n.Sizes[n.L - 1];
            w.Line($"/// <summary>Forward pass of <paramref name=\"count\"/> samples, {Int(block)} at a time; with <paramref name=\"withCost\"/>, returns Σ_x C_x against the targets t.</summary>");
            w.Line(HotPath);
            using (w.Block("private static float ForwardBatchCore(ref float p, ref float x, ref float y, nint count, ref float t, bool withCost)"))
            {
                w.Line($"// Activations of up to {Int(block)} samples on the stack, one padded row per sample; z^{n.L} and δ^{n.L} for the cost.");
                foreach (LayerModel layer in n.Layers)
                {
                    EmitScratch(w, $"a{layer.Number}", Int(block * Padded(layer.Outputs)));
                }
                EmitScratch(w, $"z{n.L}", Int(block * Padded(outputs)));
                EmitScratch(w, $"d{n.L}", Int(block * Padded(outputs)));
                w.Line($"Span<int> rowsBuffer = stackalloc int[{Int(block)}]; ref int rows = ref MemoryMarshal.GetReference(rowsBuffer);");
                using (w.Block($"for (nint k = 0; k < {Int(block)}; k++)"))
                {
                    w.Line($"{Unsafe}.Add(ref rows, k) = (int)k;");
                }
                w.Line("float cost = 0f;");
                using (w.Block($"for (nint start = 0; start < count; start += {Int(block)})"))
                {
                    w.Line($"nint m = Math.Min({Int(block)}, count - start);");
                    w.Line($"ref float input = ref {Unsafe}.Add(ref x, start * {Int(inputs)});");
                    EmitForwardLayers(w, n, "input", "rows", "m", keepOutputZ: true);
                    w.Line();
                    w.Line($"// The outputs are the rows of a^{n.L}.");
                    using (w.Block("for (nint s = 0; s < m; s++)"))
                    {
                        w.Line($"MemoryMarshal.CreateReadOnlySpan(ref {Unsafe}.Add(ref a{n.L}, s * {Int(Padded(outputs))}), {Int(outputs)}).CopyTo(MemoryMarshal.CreateSpan(ref {Unsafe}.Add(ref y, (start + s) * {Int(outputs)}), {Int(outputs)}));");
                    }
                    using (w.Block("if (withCost)"))
                    {
                        w.Line($"ref float targets = ref {Unsafe}.Add(ref t, start * {Int(outputs)});");
                        EmitOutputError(w, n, "cost +=", "targets", "rows", "m", errors: false);
                    }
                }
                w.Line("return cost;");
            }
            w.Line();
        }

        /// <summary>Declares the TrainBatch/Backprop scratch: a^l, δ^l for every layer and z^L, m rows each.</summary>
        private static void EmitBatchScratch(SourceWriter w, NetworkModel n, string m)
        {
            LayerModel output = n.Layers[n.Layers.Count - 1];
            var buffers = new List<(string Name, int Width)>();
            foreach (LayerModel layer in n.Layers)
            {
                buffers.Add(($"a{layer.Number}", Padded(layer.Outputs)));
                buffers.Add(($"d{layer.Number}", Padded(layer.Outputs)));
            }
            buffers.Add(($"z{n.L}", Padded(output.Outputs)));

            string previous = "workspace";
            string previousSize = "0";
            foreach ((string name, int width) in buffers)
            {
                w.Line($"ref float {name} = ref {Unsafe}.Add(ref {previous}, {previousSize});");
                previous = name;
                previousSize = $"{m} * {Int(width)}";
            }
        }

        private static void EmitBackwardLayers(SourceWriter w, NetworkModel n, string rows, string m, bool update)
        {
            for (int k = n.Layers.Count - 1; k >= 0; k--)
            {
                LayerModel layer = n.Layers[k];
                int l = layer.Number;
                string[] source = InputArguments(layer, layer.FeedsFromInput ? "x" : $"a{l - 1}", rows);
                string[] next = layer.FeedsFromInput ? (update ? new[] { "ref next", "nextCount" } : new[] { $"ref {rows}", "0" }) : new string[0];
                w.Line();
                if (!layer.FeedsFromInput)
                {
                    ActivationFunction f = n.Layers[k - 1].Function;
                    w.Line($"// Layer {l}, BP2: δ^{l - 1} = ((w^{l})ᵀ δ^{l}) ⊙ {f.Symbol}'(z^{l - 1}), with {f.Derivative}{(update ? " (before w^" + l + " changes)" : string.Empty)}");
                    w.Line(DeltaKernel(layer).Call("ref p", $"ref d{l}", m, $"ref a{l - 1}", $"ref d{l - 1}"));
                }
                string a = layer.FeedsFromInput ? "x" : $"a^{l - 1}";
                if (update)
                {
                    w.Line($"// Layer {l}, BP3 and BP4 summed over the batch, then the step: the update gets ∂C/∂w^{l} = Σ_x δ^{l} ({a})ᵀ and ∂C/∂b^{l} = Σ_x δ^{l}");
                    w.Line($"// (SGD: w^{l} ← decay · w^{l} − (η/m) Σ_x δ^{l} ({a})ᵀ, b^{l} ← b^{l} − (η/m) Σ_x δ^{l})");
                    w.Line(UpdateKernel(layer).Call(new[] { "ref p" }.Concat(source).Concat(new[] { $"ref d{l}", m, "ref update" }).Concat(next).ToArray()));
                }
                else
                {
                    w.Line($"// Layer {l}: ∂C/∂b^{l} += Σ_x δ^{l} (BP3); ∂C/∂w^{l} += Σ_x δ^{l} ({a})ᵀ (BP4): the update kernel adding into g{(layer.FeedsFromInput ? ". The input layer has no error term." : string.Empty)}");
                    w.Line(UpdateKernel(layer).Call(new[] { "ref g" }.Concat(source).Concat(new[] { $"ref d{l}", m, "ref sum" }).Concat(next).ToArray()));
                }
            }
        }

        private static void EmitBackpropDrivers(SourceWriter w, NetworkModel n)
        {
            w.Line("/// <summary>Backpropagation of one sample; adds ∂C_x/∂θ into g and returns C_x.</summary>");
            w.Line(HotPath);
            using (w.Block("private static float BackpropCore(ref float p, ref float x, ref float y, ref float g)"))
            {
                w.Line($"// A mini-batch of one, with its scratch (a^l and δ^l of every layer, and z^{n.L}) on the stack.");
                EmitScratch(w, "workspace", Int(WorkspacePerSample(n)));
                w.Line("int row = 0; // the sample is one row: x itself, and its target y");
                w.Line("return AccumulateCore(ref p, ref x, ref y, ref row, 1, ref g, ref workspace);");
            }
            w.Line();

            w.Line("/// <summary>Backpropagation of the m samples rows[0..m); adds Σ_x ∂C_x/∂θ into g and returns Σ_x C_x.</summary>");
            w.Line(HotPath);
            using (w.Block("private static float AccumulateCore(ref float p, ref float x, ref float y, ref int rows, nint m, ref float g, ref float workspace)"))
            {
                w.Line($"// The workspace holds, m padded rows each: a^l and δ^l of every layer, and z^{n.L}.");
                EmitBatchScratch(w, n, "m");
                w.Line("GradientSum sum = default; // the update kernels add Σ_x into g");
                w.Line();
                w.Line("// ---- Forward pass, keeping every activation ----");
                EmitForwardLayers(w, n, "x", "rows", "m", keepOutputZ: true);
                w.Line();
                w.Line($"// ---- The cost and the output error δ^{n.L} (BP1) ----");
                EmitOutputError(w, n, "float cost =", "y", "rows", "m", errors: true);
                w.Line();
                w.Line("// ---- Backward pass, layer L down to 2 ----");
                EmitBackwardLayers(w, n, "rows", "m", update: false);
                w.Line();
                w.Line("return cost;");
            }
            w.Line();
        }

        private static void EmitTrainBatchDriver(SourceWriter w, NetworkModel n)
        {
            w.Line("/// <summary>One step of the update on the m samples rows[0..m); prefetches the rows next[0..nextCount); returns Σ_x C_x.</summary>");
            w.Line(HotPath);
            using (w.Block($"private static float TrainBatchCore<TUpdate>(ref float p, ref float x, ref float y, ref int rows, nint m, ref TUpdate update, ref float workspace, ref int next, nint nextCount){UpdateConstraint}"))
            {
                w.Line($"// The workspace holds, m padded rows each: a^l and δ^l of every layer, and z^{n.L}.");
                EmitBatchScratch(w, n, "m");
                w.Line();
                w.Line("// ---- Forward pass of the whole batch, keeping every activation ----");
                EmitForwardLayers(w, n, "x", "rows", "m", keepOutputZ: true);
                w.Line();
                w.Line($"// ---- The cost and the output error δ^{n.L} (BP1) of every sample ----");
                EmitOutputError(w, n, "float cost =", "y", "rows", "m", errors: true);
                w.Line();
                w.Line("// ---- Backward pass, layer L down to 2, each layer's step as soon as its errors are known ----");
                EmitBackwardLayers(w, n, "rows", "m", update: true);
                w.Line();
                w.Line("return cost;");
            }
            w.Line();
        }

        // ---- Kernels ----

        /// <summary>A row of the layer's input for sample <paramref name="s"/>: layer 2 gathers dataset rows, later layers read scratch rows.</summary>
        private static string InputRow(LayerModel layer, string s) => layer.FeedsFromInput
            ? $"ref {Unsafe}.Add(ref a, (nint){Unsafe}.Add(ref rows, {s}) * {Int(layer.Inputs)})"
            : $"ref {Unsafe}.Add(ref a, ({s}) * {Int(Padded(layer.Inputs))})";

        private static string Plus(string variable, int offset) => offset == 0 ? variable : $"{variable} + {Int(offset)}";

        private static void EmitMask(SourceWriter w, Isa isa, ChunkPlan plan)
        {
            if (!plan.HasTail)
            {
                return;
            }
            IEnumerable<string> lanes = Enumerable.Range(0, isa.Width).Select(k => k < plan.Overlap ? "0" : "-1");
            w.Line($"// {(plan.Overlap == 1 ? "Lane 0" : $"Lanes 0..{Int(plan.Overlap - 1)}")} of the last, overlapping vector repeat columns already covered: the mask zeroes them.");
            w.Line($"{isa.Type} mask = {isa.Vector}.AsSingle({isa.Vector}.Create({string.Join(", ", lanes)}));");
        }

        /// <summary>Below this many whole vectors per row, the forward kernel takes samples one at a time.</summary>
        private const int SampleBlockMinimumVectors = 4;

        /// <summary>Register blocking for a kernel width: AVX-512 has 32 vector registers, the others 16.</summary>
        private static (int Rows, int Samples) ForwardBlock(Isa isa) => isa.Width == 16 ? (5, 5) : (2, 4);

        private static (int Samples, int Chunks) DeltaBlock(Isa isa) => isa.Width == 16 ? (4, 4) : (2, 4);

        private static (int Rows, int Chunks) GradientBlock(Isa isa) => isa.Width == 16 ? (4, 4) : (2, 4);

        private static void EmitForwardKernel(SourceWriter w, LayerModel layer, Isa isa)
        {
            int l = layer.Number, inputs = layer.Inputs, outputs = layer.Outputs, padded = Padded(outputs);
            w.Line($"/// <summary>Layer {l} ({Int(inputs)} → {Int(outputs)}) with {isa.Description}: z^{l} = w^{l} a^{l - 1} + b^{l} for m samples.</summary>");
            w.Line(HotPath);
            using (w.Block(ForwardKernel(layer).Declaration(isa.Suffix)))
            {
                w.Line($"ref float w = ref {Unsafe}.Add(ref p, {Int(layer.WeightOffset)}); // w^{l}: {Int(outputs)} rows of {Int(inputs)}, row-major");
                w.Line($"ref float b = ref {Unsafe}.Add(ref p, {Int(layer.BiasOffset)}); // b^{l}");

                if (isa.IsScalar)
                {
                    using (w.Block("for (nint s = 0; s < m; s++)"))
                    {
                        w.Line($"ref float input = {InputRow(layer, "s")};");
                        using (w.Block($"for (nint i = 0; i < {Int(outputs)}; i++)"))
                        {
                            w.Line($"ref float row = ref {Unsafe}.Add(ref w, i * {Int(inputs)});");
                            w.Line($"float sum = {Unsafe}.Add(ref b, i);");
                            using (w.Block($"for (nint j = 0; j < {Int(inputs)}; j++)"))
                            {
                                w.Line($"sum += {Unsafe}.Add(ref row, j) * {Unsafe}.Add(ref input, j);");
                            }
                            w.Line($"{Unsafe}.Add(ref z, s * {Int(padded)} + i) = sum;");
                        }
                    }
                }
                else
                {
                    var plan = new ChunkPlan(inputs, isa.Width);
                    EmitMask(w, isa, plan);
                    (int rows, int samples) = ForwardBlock(isa);
                    rows = System.Math.Min(rows, outputs);
                    w.Line("nint s = 0;");
                    // A sample block pays only when rows are long enough to stream: for short rows (a layer
                    // fed by few neurons) it is all set-up and horizontal sums, and slow to JIT-compile.
                    if (plan.FullChunks >= SampleBlockMinimumVectors)
                    {
                        w.Line($"// {Int(samples)} samples at a time, {Plural(rows, "row")} of w^{l} against each: every weight vector loaded serves {Int(samples)} samples;");
                        w.Line($"// one accumulator per (row, sample), over a row of {plan.Describe()}.");
                        using (w.Block($"for (; s <= m - {Int(samples)}; s += {Int(samples)})"))
                        {
                            for (int k = 0; k < samples; k++)
                            {
                                w.Line($"ref float in{k} = {InputRow(layer, Plus("s", k))}, out{k} = ref {Unsafe}.Add(ref z, ({Plus("s", k)}) * {Int(padded)});");
                            }
                            EmitRowBlocks(w, outputs, rows, (count, row) => EmitForwardBlock(w, isa, plan, inputs, count, samples, row));
                        }
                    }
                    w.Line(plan.FullChunks >= SampleBlockMinimumVectors
                        ? $"// The remaining samples one at a time, with up to {Int(AccumulatorsPerRow)} accumulators per row."
                        : $"// One sample at a time (rows of {Plural(inputs, "value")} are too short for sample blocks to pay), with up to {Int(AccumulatorsPerRow)} accumulators per row.");
                    using (w.Block("for (; s < m; s++)"))
                    {
                        w.Line($"ref float in0 = {InputRow(layer, "s")}, out0 = ref {Unsafe}.Add(ref z, s * {Int(padded)});");
                        EmitRowBlocks(w, outputs, System.Math.Min(2, outputs), (count, row) => EmitSingleSampleForwardBlock(w, isa, plan, inputs, count, row));
                    }
                }
            }
            w.Line();
        }

        /// <summary>Rows in blocks of <paramref name="rows"/> (a loop), then the remainder as one block.</summary>
        private static void EmitRowBlocks(SourceWriter w, int outputs, int rows, System.Action<int, string> block)
        {
            int whole = outputs - outputs % rows;
            if (whole == rows)
            {
                using (w.Open())
                {
                    w.Line("nint i = 0;");
                    block(rows, "i");
                }
            }
            else if (whole > 0)
            {
                using (w.Block($"for (nint i = 0; i < {Int(whole)}; i += {Int(rows)})"))
                {
                    block(rows, "i");
                }
            }
            if (outputs % rows != 0)
            {
                using (w.Open())
                {
                    w.Line($"nint i = {Int(whole)};");
                    block(outputs % rows, "i");
                }
            }
        }

        private static void EmitWeightRows(SourceWriter w, string baseName, string prefix, int count, int inputs)
        {
            var rows = new List<string> { $"{prefix}0 = ref {Unsafe}.Add(ref {baseName}, i * {Int(inputs)})" };
            for (int r = 1; r < count; r++)
            {
                rows.Add($"{prefix}{r} = ref {Unsafe}.Add(ref {prefix}{r - 1}, {Int(inputs)})");
            }
            w.Line($"ref float {string.Join(", ", rows)};");
        }

        /// <summary>A block of rows × samples: z[s][i] = Σ_j w[i][j] in_s[j] + b[i].</summary>
        private static void EmitForwardBlock(SourceWriter w, Isa isa, ChunkPlan plan, int inputs, int rows, int samples, string row)
        {
            EmitWeightRows(w, "w", "w", rows, inputs);
            w.Line($"{isa.Type} {string.Join(", ", Enumerable.Range(0, rows).SelectMany(r => Enumerable.Range(0, samples).Select(k => $"s{r}{k} = {isa.Zero}")))};");

            void Step(string offset, bool masked)
            {
                w.Line($"{isa.Type} {string.Join(", ", Enumerable.Range(0, samples).Select(k => $"x{k} = {isa.Load($"in{k}", offset)}"))};");
                for (int r = 0; r < rows; r++)
                {
                    string weights = isa.Load($"w{r}", offset);
                    w.Line($"{isa.Type} v{r} = {(masked ? $"{weights} & mask" : weights)}; {string.Join(" ", Enumerable.Range(0, samples).Select(k => $"s{r}{k} = MultiplyAdd(v{r}, x{k}, s{r}{k});"))}");
                }
            }

            if (plan.FullChunks == 1)
            {
                using (w.Open())
                {
                    Step("0", masked: false);
                }
            }
            else
            {
                using (w.Block($"for (nuint j = 0; j < {Int(plan.FullChunks * isa.Width)}; j += {Int(isa.Width)})"))
                {
                    Step("j", masked: false);
                }
            }
            if (plan.HasTail)
            {
                w.Line($"// The last vector overlaps the one before; the mask drops the {Plural(plan.Overlap, "column")} already summed.");
                using (w.Open())
                {
                    Step(Int(plan.TailOffset), masked: true);
                }
            }
            for (int r = 0; r < rows; r++)
            {
                w.Line($"float b{r} = {Unsafe}.Add(ref b, {Plus(row, r)}); {string.Join(" ", Enumerable.Range(0, samples).Select(k => $"{Unsafe}.Add(ref out{k}, {Plus(row, r)}) = {isa.Vector}.Sum(s{r}{k}) + b{r};"))}");
            }
        }

        /// <summary>Vectors of one row summed by independent accumulators when a single sample has no others to share the loads.</summary>
        private const int AccumulatorsPerRow = 4;

        /// <summary>A block of rows for one sample, each row's dot product split over independent accumulators.</summary>
        private static void EmitSingleSampleForwardBlock(SourceWriter w, Isa isa, ChunkPlan plan, int inputs, int rows, string row)
        {
            EmitWeightRows(w, "w", "w", rows, inputs);
            int accumulators = System.Math.Min(AccumulatorsPerRow, plan.FullChunks);
            w.Line($"{isa.Type} {string.Join(", ", Enumerable.Range(0, rows).SelectMany(r => Enumerable.Range(0, accumulators).Select(u => $"s{r}{u} = {isa.Zero}")))};");

            var steps = new List<(string Offset, int Accumulator, bool Masked)>();
            void Step()
            {
                w.Line($"{isa.Type} {string.Join(", ", steps.Select((step, k) => $"x{k} = {isa.Load("in0", step.Offset)}"))};");
                for (int r = 0; r < rows; r++)
                {
                    var products = new List<string>();
                    for (int k = 0; k < steps.Count; k++)
                    {
                        (string offset, int accumulator, bool masked) = steps[k];
                        string weights = isa.Load($"w{r}", offset);
                        products.Add($"s{r}{accumulator} = MultiplyAdd({(masked ? $"({weights} & mask)" : weights)}, x{k}, s{r}{accumulator});");
                    }
                    w.Line(string.Join(" ", products));
                }
                steps.Clear();
            }

            int stride = accumulators * isa.Width;
            int iterations = plan.FullChunks / accumulators;
            if (iterations == 1)
            {
                for (int u = 0; u < accumulators; u++)
                {
                    steps.Add((Int(u * isa.Width), u, false));
                }
                using (w.Open())
                {
                    Step();
                }
            }
            else
            {
                using (w.Block($"for (nuint j = 0; j < {Int(iterations * stride)}; j += {Int(stride)})"))
                {
                    for (int u = 0; u < accumulators; u++)
                    {
                        steps.Add((u == 0 ? "j" : $"j + {Int(u * isa.Width)}", u, false));
                    }
                    Step();
                }
            }

            int done = iterations * accumulators;
            for (int c = done; c < plan.FullChunks; c++)
            {
                steps.Add((Int(c * isa.Width), c - done, false));
            }
            if (plan.HasTail)
            {
                steps.Add((Int(plan.TailOffset), (plan.FullChunks - done) % accumulators, true));
            }
            if (steps.Count > 0)
            {
                if (plan.HasTail)
                {
                    w.Line($"// The last vector overlaps the one before; the mask drops the {Plural(plan.Overlap, "column")} already summed.");
                }
                using (w.Open())
                {
                    Step();
                }
            }

            for (int r = 0; r < rows; r++)
            {
                w.Line($"{Unsafe}.Add(ref out0, {Plus(row, r)}) = {isa.Vector}.Sum({SumTree(Enumerable.Range(0, accumulators).Select(u => $"s{r}{u}").ToList())}) + {Unsafe}.Add(ref b, {Plus(row, r)});");
            }
        }

        /// <summary>A balanced sum, e.g. <c>(s0 + s1) + (s2 + s3)</c>, so the accumulators' additions stay independent.</summary>
        private static string SumTree(IReadOnlyList<string> terms)
        {
            if (terms.Count == 1)
            {
                return terms[0];
            }
            int half = (terms.Count + 1) / 2;
            return $"{Group(terms.Take(half).ToList())} + {Group(terms.Skip(half).ToList())}";

            static string Group(IReadOnlyList<string> part) => part.Count == 1 ? part[0] : $"({SumTree(part)})";
        }

        /// <summary>Column chunks in blocks of <paramref name="chunks"/> vectors (a loop), then the rest and the tail as one block.</summary>
        private static void EmitColumnBlocks(SourceWriter w, Isa isa, ChunkPlan plan, int chunks, System.Action<List<(string Offset, bool Masked)>> block)
        {
            int blocks = plan.FullChunks / chunks;
            int stride = chunks * isa.Width;
            var columns = new List<(string Offset, bool Masked)>();
            if (blocks == 1)
            {
                for (int c = 0; c < chunks; c++)
                {
                    columns.Add((Int(c * isa.Width), false));
                }
                using (w.Open())
                {
                    block(columns);
                }
            }
            else if (blocks > 1)
            {
                using (w.Block($"for (nuint j = 0; j < {Int(blocks * stride)}; j += {Int(stride)})"))
                {
                    for (int c = 0; c < chunks; c++)
                    {
                        columns.Add((c == 0 ? "j" : $"j + {Int(c * isa.Width)}", false));
                    }
                    block(columns);
                }
            }

            columns = new List<(string Offset, bool Masked)>();
            for (int c = blocks * chunks; c < plan.FullChunks; c++)
            {
                columns.Add((Int(c * isa.Width), false));
            }
            if (plan.HasTail)
            {
                columns.Add((Int(plan.TailOffset), true));
            }
            if (columns.Count > 0)
            {
                using (w.Open())
                {
                    block(columns);
                }
            }
        }

        private static void EmitDeltaKernel(SourceWriter w, LayerModel layer, LayerModel previous, Isa isa)
        {
            int l = layer.Number, inputs = layer.Inputs, outputs = layer.Outputs;
            int padded = Padded(outputs), paddedInputs = Padded(inputs);
            ActivationFunction f = previous.Function;
            w.Line($"/// <summary>Layer {l} ({Int(inputs)} → {Int(outputs)}) with {isa.Description}: δ^{l - 1} = ((w^{l})ᵀ δ^{l}) ⊙ {f.Symbol}'(z^{l - 1}) for m samples.</summary>");
            w.Line(HotPath);
            using (w.Block(DeltaKernel(layer).Declaration(isa.Suffix)))
            {
                w.Line($"ref float w = ref {Unsafe}.Add(ref p, {Int(layer.WeightOffset)}); // w^{l}: {Int(outputs)} rows of {Int(inputs)}, row-major");
                if (isa.IsScalar)
                {
                    using (w.Block("for (nint s = 0; s < m; s++)"))
                    {
                        using (w.Block($"for (nint j = 0; j < {Int(inputs)}; j++)"))
                        {
                            w.Line("float t = 0f;");
                            using (w.Block($"for (nint i = 0; i < {Int(outputs)}; i++)"))
                            {
                                w.Line($"t += {Unsafe}.Add(ref w, i * {Int(inputs)} + j) * {Unsafe}.Add(ref d, s * {Int(padded)} + i);");
                            }
                            string aj = $"{Unsafe}.Add(ref a, s * {Int(paddedInputs)} + j)";
                            w.Line($"{Unsafe}.Add(ref dPrevious, s * {Int(paddedInputs)} + j) = {(f.HasUnitDerivative ? "t" : $"t * {f.DerivativeOf(aj)}")};");
                        }
                    }
                }
                else
                {
                    var plan = new ChunkPlan(inputs, isa.Width);
                    (int samples, int chunks) = DeltaBlock(isa);
                    w.Line($"// t_j = Σ_i w_ij δ_i: for a block of samples × column vectors, walk the rows i of w^{l} (a row is {plan.Describe()});");
                    w.Line($"// then δ^{l - 1}_j = t_j ⊙ {f.Symbol}'(z_j), with {f.Derivative} and a = a^{l - 1}. An overlapping last vector just recomputes equal values.");
                    w.Line("nint s = 0;");
                    // As in the forward kernel: sample blocks only for rows long enough to pay.
                    if (plan.FullChunks >= SampleBlockMinimumVectors)
                    {
                        using (w.Block($"for (; s <= m - {Int(samples)}; s += {Int(samples)})"))
                        {
                            EmitDeltaRows(w, samples, padded, paddedInputs);
                            EmitColumnBlocks(w, isa, plan, chunks, columns => EmitDeltaBlock(w, f, isa, outputs, inputs, samples, columns));
                        }
                    }
                    using (w.Block("for (; s < m; s++)"))
                    {
                        EmitDeltaRows(w, 1, padded, paddedInputs);
                        EmitColumnBlocks(w, isa, plan, 2 * chunks, columns => EmitDeltaBlock(w, f, isa, outputs, inputs, 1, columns));
                    }
                }
            }
            w.Line();
        }

        private static void EmitDeltaRows(SourceWriter w, int samples, int padded, int paddedInputs)
        {
            for (int k = 0; k < samples; k++)
            {
                string s = Plus("s", k);
                w.Line($"ref float d{k} = ref {Unsafe}.Add(ref d, ({s}) * {Int(padded)}), a{k} = ref {Unsafe}.Add(ref a, ({s}) * {Int(paddedInputs)}), e{k} = ref {Unsafe}.Add(ref dPrevious, ({s}) * {Int(paddedInputs)});");
            }
        }

        private static void EmitDeltaBlock(SourceWriter w, ActivationFunction f, Isa isa, int outputs, int inputs, int samples, List<(string Offset, bool Masked)> columns)
        {
            IEnumerable<int> c = Enumerable.Range(0, columns.Count);
            w.Line($"{isa.Type} {string.Join(", ", Enumerable.Range(0, samples).SelectMany(k => c.Select(col => $"t{k}{col} = {isa.Zero}")))};");
            using (w.Block($"for (nint i = 0; i < {Int(outputs)}; i++)"))
            {
                w.Line($"ref float wi = ref {Unsafe}.Add(ref w, i * {Int(inputs)});");
                w.Line($"{isa.Type} {string.Join(", ", c.Select(col => $"v{col} = {isa.Load("wi", columns[col].Offset)}"))};");
                for (int k = 0; k < samples; k++)
                {
                    w.Line($"{isa.Type} delta{k} = {isa.Broadcast($"{Unsafe}.Add(ref d{k}, i)")}; {string.Join(" ", c.Select(col => $"t{k}{col} = MultiplyAdd(v{col}, delta{k}, t{k}{col});"))}");
                }
            }
            for (int k = 0; k < samples; k++)
            {
                foreach (int col in c)
                {
                    string offset = columns[col].Offset;
                    string value = f.HasUnitDerivative ? $"t{k}{col}" : $"t{k}{col} * {f.DerivativeOf(isa.Load($"a{k}", offset))}";
                    w.Line(isa.Store(value, $"e{k}", offset));
                }
            }
        }

        private static void EmitGradientKernel(SourceWriter w, LayerModel layer, Isa isa)
        {
            int l = layer.Number, inputs = layer.Inputs, outputs = layer.Outputs, padded = Padded(outputs);
            string a = layer.FeedsFromInput ? "x" : $"a^{l - 1}";
            w.Line($"/// <summary>Layer {l} ({Int(inputs)} → {Int(outputs)}) with {isa.Description}: Σ_x δ^{l} ({a})ᵀ and Σ_x δ^{l} over m samples, each handed to the update as soon as it is complete (p may be a gradient).</summary>");
            w.Line(HotPath);
            w.Line(UpdateKernel(layer).Declaration(isa.Suffix));

            using (w.Open())
            {
                w.Line($"ref float w = ref {Unsafe}.Add(ref p, {Int(layer.WeightOffset)}); // w^{l}: {Int(outputs)} rows of {Int(inputs)}");
                w.Line($"ref float b = ref {Unsafe}.Add(ref p, {Int(layer.BiasOffset)}); // b^{l}");
                w.Line($"// BP3 summed over the batch: Σ_x δ^{l}_i");
                using (w.Block($"for (nint i = 0; i < {Int(outputs)}; i++)"))
                {
                    w.Line("float sum = 0f;");
                    using (w.Block("for (nint s = 0; s < m; s++)"))
                    {
                        w.Line($"sum += {Unsafe}.Add(ref d, s * {Int(padded)} + i);");
                    }
                    w.Line($"update.Bias(ref {Unsafe}.Add(ref b, i), sum);");
                }

                if (isa.IsScalar)
                {
                    w.Line($"// BP4 summed over the batch: Σ_x δ_i a_j");
                    using (w.Block($"for (nint i = 0; i < {Int(outputs)}; i++)"))
                    {
                        using (w.Block($"for (nint j = 0; j < {Int(inputs)}; j++)"))
                        {
                            w.Line("float sum = 0f;");
                            using (w.Block("for (nint s = 0; s < m; s++)"))
                            {
                                w.Line($"sum += {Unsafe}.Add(ref d, s * {Int(padded)} + i) * {Unsafe}.Add({InputRow(layer, "s")}, j);");
                            }
                            w.Line($"update.Weight(ref {Unsafe}.Add(ref w, i * {Int(inputs)} + j), sum);");
                        }
                    }
                }
                else
                {
                    var plan = new ChunkPlan(inputs, isa.Width);
                    EmitMask(w, isa, plan);
                    (int rows, int chunks) = GradientBlock(isa);
                    rows = System.Math.Min(rows, outputs);
                    w.Line($"// BP4 summed over the batch: for a block of rows × column vectors (a row is {plan.Describe()}), walk the samples,");
                    w.Line("// accumulating δ_i a_j; the block's sums then go to the update at once.");
                    // Column blocks outside, rows inside: a column block of every sample's input stays in L1 while
                    // all the rows pass over it, so each input row is read from L2 once per batch.
                    bool prefetch = layer.FeedsFromInput;
                    if (prefetch)
                    {
                        w.Line("// While each column block is updated, the same columns of the next batch's samples (rows next[0..nextCount))");
                        w.Line("// are requested from memory: spread over the whole update, the loads of a shuffled data set overlap the math.");
                    }
                    EmitColumnBlocks(w, isa, plan, chunks, columns =>
                    {
                        if (prefetch)
                        {
                            using (w.Block("for (nint k = 0; k < nextCount; k++)"))
                            {
                                w.Line($"ref float upcoming = ref {Unsafe}.Add(ref a, (nint){Unsafe}.Add(ref next, k) * {Int(inputs)});");
                                foreach ((string offset, _) in columns)
                                {
                                    w.Line($"{Kernels}.Prefetch(ref {Unsafe}.Add(ref upcoming, {offset}));");
                                }
                            }
                        }
                        EmitRowBlocks(w, outputs, rows, (count, row) =>
                        {
                            EmitWeightRows(w, "w", "w", count, inputs);
                            EmitGradientBlock(w, layer, isa, count, columns, padded);
                        });
                    });
                }
            }
            w.Line();
        }

        private static void EmitGradientBlock(SourceWriter w, LayerModel layer, Isa isa, int rows, List<(string Offset, bool Masked)> columns, int padded)
        {
            IEnumerable<int> all = Enumerable.Range(0, columns.Count);
            w.Line($"{isa.Type} {string.Join(", ", Enumerable.Range(0, rows).SelectMany(r => all.Select(c => $"g{r}{c} = {isa.Zero}")))};");
            using (w.Block("for (nint s = 0; s < m; s++)"))
            {
                w.Line($"ref float input = {InputRow(layer, "s")}, ds = ref {Unsafe}.Add(ref d, s * {Int(padded)} + i);");
                w.Line($"{isa.Type} {string.Join(", ", all.Select(c => $"x{c} = {isa.Load("input", columns[c].Offset)}"))};");
                for (int r = 0; r < rows; r++)
                {
                    w.Line($"{isa.Type} delta{r} = {isa.Broadcast($"{Unsafe}.Add(ref ds, {Int(r)})")}; {string.Join(" ", all.Select(c => $"g{r}{c} = MultiplyAdd(delta{r}, x{c}, g{r}{c});"))}");
                }
            }
            for (int r = 0; r < rows; r++)
            {
                var updates = new List<string>();
                for (int c = 0; c < columns.Count; c++)
                {
                    (string offset, bool masked) = columns[c];
                    updates.Add($"update.Weights(ref {Unsafe}.Add(ref w{r}, {offset}), g{r}{c}{(masked ? ", mask" : string.Empty)});");
                }
                w.Line(string.Join(" ", updates));
            }
        }

        /// <summary>How a row of <c>Count</c> floats splits into vectors of <c>Width</c>.</summary>
        private readonly struct ChunkPlan
        {
            public ChunkPlan(int count, int width)
            {
                Count = count;
                Width = width;
            }

            public int Count { get; }

            public int Width { get; }

            public int FullChunks => Count / Width;

            public bool HasTail => Count % Width != 0;

            /// <summary>The last vector starts here, overlapping the full chunks before it.</summary>
            public int TailOffset => Count - Width;

            /// <summary>Lanes of the tail vector that repeat columns of the full chunks.</summary>
            public int Overlap => Width - Count % Width;

            public string Describe() => HasTail
                ? $"{Plural(FullChunks, "vector")} of {Int(Width)} and one more at {Int(TailOffset)} overlapping by {Int(Overlap)}"
                : $"{Plural(FullChunks, "vector")} of {Int(Width)}";
        }
    }
}
