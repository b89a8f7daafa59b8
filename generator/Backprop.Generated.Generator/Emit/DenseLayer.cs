using System.Collections.Generic;
using System.Linq;
using Backprop.Generated.Generator.Helpers;
using Backprop.Generated.Generator.Model;

namespace Backprop.Generated.Generator;

public sealed partial class NetworkGenerator
{
    internal static partial class Emitter
    {
        /// <summary>
        /// The dense layer in the blocked shape: z = w a + b, its error and its update, each a kernel per vector width behind
        /// a dispatcher (see <see cref="LayerEmitter"/> for what the drivers ask of a layer kind).
        /// </summary>
        private sealed class DenseLayer : LayerEmitter
        {
            public static readonly DenseLayer Instance = new();

            public override string Header(LayerModel layer) => $"({Int(layer.Inputs)} → {Int(layer.Outputs)}): {layer.Function.Formula}";

            public override string ForwardComment(LayerModel layer)
            {
                string input = layer.FeedsFromInput ? "x" : $"a^{layer.Number - 1}";
                return $"Layer {layer.Number} ({Int(layer.Inputs)} → {Int(layer.Outputs)}): z^{layer.Number} = w^{layer.Number} {input} + b^{layer.Number}; a^{layer.Number} = {layer.Function.Symbol}(z^{layer.Number}), {layer.Function.Formula}";
            }

            public override string DeltaComment(LayerModel layer, ActivationFunction f, bool update)
            {
                int l = layer.Number;
                return $"Layer {l}, BP2: δ^{l - 1} = ((w^{l})ᵀ δ^{l}) ⊙ {f.Symbol}'(z^{l - 1}), with {f.Derivative}{(update ? " (before w^" + l + " changes)" : string.Empty)}";
            }

            public override IEnumerable<string> UpdateComments(LayerModel layer, bool update)
            {
                int l = layer.Number;
                string a = layer.FeedsFromInput ? "x" : $"a^{l - 1}";
                if (update)
                {
                    yield return $"Layer {l}, BP3 and BP4 summed over the batch, then the step: the update gets ∂C/∂w^{l} = Σ_x δ^{l} ({a})ᵀ and ∂C/∂b^{l} = Σ_x δ^{l}";
                    yield return $"(SGD: w^{l} ← decay · w^{l} − (η/m) Σ_x δ^{l} ({a})ᵀ, b^{l} ← b^{l} − (η/m) Σ_x δ^{l})";
                }
                else
                {
                    yield return $"Layer {l}: ∂C/∂b^{l} += Σ_x δ^{l} (BP3); ∂C/∂w^{l} += Σ_x δ^{l} ({a})ᵀ (BP4): the update kernel adding into g{(layer.FeedsFromInput ? ". The input layer has no error term." : string.Empty)}";
                }
            }

            public override void EmitKernels(SourceWriter w, LayerModel layer, LayerModel? previous)
            {
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

        // ---- The dense kernels ----

        /// <summary>A row of the layer's input for sample <paramref name="s"/>: layer 2 gathers dataset rows, later layers read scratch rows.</summary>
        private static string InputRow(LayerModel layer, string s) => layer.FeedsFromInput
            ? $"ref {Unsafe}.Add(ref a, (nint){Unsafe}.Add(ref rows, {s}) * {Int(layer.Inputs)})"
            : $"ref {Unsafe}.Add(ref a, ({s}) * {Int(Padded(layer.Inputs))})";

        private static string Plus(string variable, int offset) => offset == 0 ? variable : $"{variable} + {Int(offset)}";

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
            var steps = new List<(KernelSignature Step, List<(string Offset, bool Masked)> Columns)>();
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
                    w.Line("// An update of two floats at most (SGD's) takes each sum straight from its register; a larger one (Adam's, momentum's)");
                    w.Line("// takes a block's sums from this buffer, in a step kernel of its own, so that the accumulation loop keeps its registers");
                    w.Line("// (Unsafe.SizeOf<TUpdate>() is a JIT-time constant: one of the two remains, and SGD's code allocates no buffer).");
                    w.Line($"// {Int(rows)} rows × {Int(chunks)} vectors at most.");
                    w.Line($"Span<{isa.Type}> sumsBuffer = {Unsafe}.SizeOf<TUpdate>() <= 8 ? default : stackalloc {isa.Type}[{Int(rows * chunks)}];");
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
                            EmitGradientBlock(w, layer, isa, count, columns, padded, StepFor(columns));
                        });
                    });
                }
            }
            w.Line();

            foreach ((KernelSignature step, List<(string Offset, bool Masked)> columns) in steps)
            {
                EmitBlockStep(w, layer, isa, step, columns);
            }

            // One step kernel per distinct list of column vectors (a kernel has at most two: whole blocks and the tail).
            KernelSignature StepFor(List<(string Offset, bool Masked)> columns)
            {
                foreach ((KernelSignature known, List<(string Offset, bool Masked)> theirs) in steps)
                {
                    if (theirs.SequenceEqual(columns))
                    {
                        return known;
                    }
                }
                var step = BlockStep(layer, isa, columns, steps.Count == 0 ? string.Empty : Int(steps.Count + 1));
                steps.Add((step, columns));
                return step;
            }
        }

        /// <summary>
        /// The step of a block's weights, for an update that takes its sums from memory: <c>Layer2StepBlockV512</c> (and
        /// <c>Layer2StepBlock2V512</c> for a second list of columns), over the rows from <c>w</c>, the sums row after row.
        /// </summary>
        private static KernelSignature BlockStep(LayerModel layer, Isa isa, List<(string Offset, bool Masked)> columns, string number)
        {
            var parameters = new List<KernelParameter>
            {
                new("ref TUpdate", "update"), new("ref float", "w"), new($"ref {isa.Type}", "sums"), new("nint", "rows"),
            };
            if (columns.Any(c => c.Offset.StartsWith("j", System.StringComparison.Ordinal)))
            {
                parameters.Add(new("nuint", "j"));
            }
            if (columns.Any(c => c.Masked))
            {
                parameters.Add(new(isa.Type, "mask"));
            }
            return new KernelSignature($"Layer{layer.Number}StepBlock{number}", parameters, GenericOverUpdate: true);
        }

        private static void EmitBlockStep(SourceWriter w, LayerModel layer, Isa isa, KernelSignature step, List<(string Offset, bool Masked)> columns)
        {
            w.Line($"/// <summary>Layer {layer.Number} with {isa.Description}: steps a block of rows of w^{layer.Number} × {Plural(columns.Count, "column vector")}, given their sums Σ_x δ_i a_j row after row in <paramref name=\"sums\"/>.</summary>");
            w.Line("/// <remarks>Called once per block and kept out of line, so that a large update (Adam's, momentum's) leaves the gradient kernel's accumulation loop all its registers.</remarks>");
            w.Line("[MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]");
            using (w.Block(step.Declaration(isa.Suffix)))
            {
                w.Line("TUpdate local = update; // no store below can alias a copy: its constants stay in registers through the loop");
                using (w.Block("for (nint r = 0; r < rows; r++)"))
                {
                    w.Line($"ref float wr = ref {Unsafe}.Add(ref w, r * {Int(layer.Inputs)}); ref {isa.Type} sr = ref {Unsafe}.Add(ref sums, r * {Int(columns.Count)});");
                    w.Line(string.Join(" ", Enumerable.Range(0, columns.Count).Select(c => $"local.Weights(ref {Unsafe}.Add(ref wr, {columns[c].Offset}), {Unsafe}.Add(ref sr, {Int(c)}){(columns[c].Masked ? ", mask" : string.Empty)});")));
                }
                w.Line("update = local;");
            }
            w.Line();
        }

        private static void EmitGradientBlock(SourceWriter w, LayerModel layer, Isa isa, int rows, List<(string Offset, bool Masked)> columns, int padded, KernelSignature step)
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
            // An update of at most two floats (SGD's rate and decay; the gradient sum has none) is a multiply-add: each sum
            // goes to it straight from its register. A larger one (Adam, momentum, an optimizer of your own) keeps state and
            // does more: inlined at every sum of a large kernel, its code outgrows what the JIT inlines into one method and
            // the rest become calls, so the block's sums go through the stack to a step kernel of its own, called once per
            // block. The size is a JIT-time constant: each instantiation compiles one of the two. The bits are the same
            // either way.
            using (w.Block($"if ({Unsafe}.SizeOf<TUpdate>() <= 8)"))
            {
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
            using (w.Block("else"))
            {
                w.Line($"ref {isa.Type} sums = ref MemoryMarshal.GetReference(sumsBuffer);");
                for (int r = 0; r < rows; r++)
                {
                    w.Line(string.Join(" ", all.Select(c => $"{Unsafe}.Add(ref sums, {Int(r * columns.Count + c)}) = g{r}{c};")));
                }
                // The step's parameters are this kernel's locals of the same names, but for the block's first row and its count.
                w.Line(step.CallKernel(isa.Suffix, step.Parameters.Select(p => p.Name switch
                {
                    "w" => "ref w0",
                    "rows" => Int(rows),
                    _ => p.PassedOn,
                }).ToArray()));
            }
        }
    }
}
