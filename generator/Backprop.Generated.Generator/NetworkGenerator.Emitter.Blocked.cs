using System.Collections.Generic;
using System.Linq;
using Backprop.Generated.Generator.Helpers;

namespace Backprop.Generated.Generator;

public sealed partial class NetworkGenerator
{
    internal static partial class Emitter
    {
        // The blocked shape: per vector tier a Forward and a Backprop that chain one small kernel per
        // layer. Every loop bound, offset, tail and mask is a constant; every method stays far below
        // the JIT's 20,000-IL-instruction limit, whatever the layer sizes.

        /// <summary>Rows of w processed together in the forward kernel (each with its own accumulators).</summary>
        private const int RowsPerBlock = 2;

        /// <summary>Vectors of one row summed by independent accumulators in the forward kernel.</summary>
        private const int AccumulatorsPerRow = 4;

        /// <summary>Vectors of columns kept in registers while the backward kernel walks all rows.</summary>
        private const int ColumnsPerBlock = 4;

        /// <summary>Scratch buffers are padded to whole Vector512s, so every tier can activate whole vectors.</summary>
        private static int Padded(int count) => (count + 15) / 16 * 16;

        private static void EmitBlocked(SourceWriter w, NetworkModel n)
        {
            foreach (Isa tier in Isa.All)
            {
                EmitForwardTier(w, n, tier);
                EmitBackpropTier(w, n, tier);
            }

            foreach (LayerModel layer in n.Layers)
            {
                foreach (Isa isa in Isa.All.Select(tier => tier.For(layer.Inputs)).Distinct())
                {
                    EmitLayerForward(w, layer, isa);
                    EmitLayerBackward(w, n, layer, isa);
                }
            }
        }

        private static void EmitScratch(SourceWriter w, string name, int count)
        {
            w.Line($"{SpanOfFloat} {name}Buffer = stackalloc float[{Int(Padded(count))}];");
            w.Line($"ref float {name} = ref {Marshal}.GetReference({name}Buffer);");
        }

        private static void EmitForwardTier(SourceWriter w, NetworkModel n, Isa tier)
        {
            w.Line($"/// <summary>Forward pass with {tier.Description}.</summary>");
            using (w.Block($"private static void Forward{tier.Suffix}(ref float p, ref float x, ref float y)"))
            {
                w.Line("// Activations on the stack, padded to whole vectors; each layer writes z^l, then turns it into a^l in place.");
                foreach (LayerModel layer in n.Layers)
                {
                    EmitScratch(w, $"a{layer.Number}", layer.Outputs);
                }

                string previous = "x";
                foreach (LayerModel layer in n.Layers)
                {
                    w.Line();
                    EmitLayerComment(w, layer);
                    w.Line($"Layer{layer.Number}Forward{tier.For(layer.Inputs).Suffix}(ref p, ref {previous}, ref a{layer.Number});");
                    EmitActivate(w, tier, layer, $"a{layer.Number}", $"a{layer.Number}");
                    previous = $"a{layer.Number}";
                }

                int outputs = n.Sizes[n.L - 1];
                w.Line();
                w.Line($"// The output is a^{n.L}.");
                w.Line($"{Marshal}.CreateReadOnlySpan(ref a{n.L}, {Int(outputs)}).CopyTo({Marshal}.CreateSpan(ref y, {Int(outputs)}));");
            }
            w.Line();
        }

        private static void EmitLayerComment(SourceWriter w, LayerModel layer)
        {
            string σ = ActivationSymbol(layer.Activation);
            string input = layer.FeedsFromInput ? "x" : $"a^{layer.Number - 1}";
            w.Line($"// Layer {layer.Number} ({Int(layer.Inputs)} → {Int(layer.Outputs)}): z^{layer.Number} = w^{layer.Number} {input} + b^{layer.Number}; a^{layer.Number} = {σ}(z^{layer.Number}), {ActivationFormula(layer.Activation)}");
        }

        private static void EmitActivate(SourceWriter w, Isa tier, LayerModel layer, string source, string target)
        {
            int count = layer.Outputs;
            if (tier.IsScalar)
            {
                using (w.Block($"for (nuint k = 0; k < {Int(count)}; k++)"))
                {
                    w.Line($"{Unsafe}.Add(ref {target}, k) = {ActivateScalar(layer.Activation, $"{Unsafe}.Add(ref {source}, k)")};");
                }
                return;
            }

            int rounded = (count + tier.Width - 1) / tier.Width * tier.Width;
            if (rounded == tier.Width)
            {
                w.Line(tier.Store(ActivateVector(layer.Activation, tier.Load(source, "0")), target, "0"));
                return;
            }
            using (w.Block($"for (nuint k = 0; k < {Int(rounded)}; k += {Int(tier.Width)})"))
            {
                w.Line(tier.Store(ActivateVector(layer.Activation, tier.Load(source, "k")), target, "k"));
            }
        }

        private static void EmitBackpropTier(SourceWriter w, NetworkModel n, Isa tier)
        {
            LayerModel output = n.Layers[n.Layers.Count - 1];
            int L = n.L;
            w.Line($"/// <summary>Backpropagation of one sample with {tier.Description}; returns C_x.</summary>");
            using (w.Block($"private static float Backprop{tier.Suffix}(ref float p, ref float x, ref float y, ref float g)"))
            {
                string hidden = L == 2 ? string.Empty : L == 3 ? "the activations a^2, " : $"the activations a^2..a^{L - 1}, ";
                w.Line($"// On the stack, padded to whole vectors: {hidden}the output's z^{L} and a^{L}, the errors {(L == 2 ? "δ^2" : $"δ^2..δ^{L}")}.");
                foreach (LayerModel layer in n.Layers)
                {
                    if (!layer.IsOutput)
                    {
                        EmitScratch(w, $"a{layer.Number}", layer.Outputs);
                    }
                }
                EmitScratch(w, $"z{L}", output.Outputs);
                EmitScratch(w, $"a{L}", output.Outputs);
                foreach (LayerModel layer in n.Layers)
                {
                    EmitScratch(w, $"d{layer.Number}", layer.Outputs);
                }

                w.Line();
                w.Line("// ---- Forward pass, keeping every activation ----");
                string previous = "x";
                foreach (LayerModel layer in n.Layers)
                {
                    w.Line();
                    EmitLayerComment(w, layer);
                    string target = layer.IsOutput ? $"z{L}" : $"a{layer.Number}";
                    w.Line($"Layer{layer.Number}Forward{tier.For(layer.Inputs).Suffix}(ref p, ref {previous}, ref {target});");
                    EmitActivate(w, tier, layer, target, $"a{layer.Number}");
                    previous = $"a{layer.Number}";
                }

                w.Line();
                w.Line("// ---- The cost and the output error (BP1) ----");
                foreach (string line in CostComment(n.Spec.Cost, output.Activation))
                {
                    w.Line(line);
                }
                foreach (string line in OutputErrorComment(n.Spec.Cost, output.Activation, L))
                {
                    w.Line(line);
                }
                w.Line("float cost = 0f;");
                using (w.Block($"for (nuint k = 0; k < {Int(output.Outputs)}; k++)"))
                {
                    w.Line($"float target = {Unsafe}.Add(ref y, k);");
                    w.Line($"cost += {CostTermScalar(n.Spec.Cost, output.Activation, $"{Unsafe}.Add(ref z{L}, k)", "target")};");
                    w.Line($"{Unsafe}.Add(ref d{L}, k) = {OutputErrorScalar(n.Spec.Cost, output.Activation, $"{Unsafe}.Add(ref a{L}, k)", $"{Unsafe}.Add(ref z{L}, k)", "target")};");
                }

                w.Line();
                w.Line("// ---- Backward pass, layer L down to 2 ----");
                for (int k = n.Layers.Count - 1; k >= 0; k--)
                {
                    LayerModel layer = n.Layers[k];
                    int l = layer.Number;
                    string kernel = $"Layer{l}{(layer.FeedsFromInput ? "Gradient" : "Backward")}{tier.For(layer.Inputs).Suffix}";
                    w.Line();
                    if (layer.FeedsFromInput)
                    {
                        w.Line($"// Layer {l}: ∂C/∂b^{l} += δ^{l} (BP3); ∂C/∂w^{l} += δ^{l} xᵀ (BP4). The input layer has no error term.");
                        w.Line($"{kernel}(ref x, ref d{l}, ref g);");
                    }
                    else
                    {
                        w.Line($"// Layer {l}: ∂C/∂b^{l} += δ^{l} (BP3); ∂C/∂w^{l} += δ^{l} (a^{l - 1})ᵀ (BP4);");
                        w.Line($"//   δ^{l - 1} = ((w^{l})ᵀ δ^{l}) ⊙ {ActivationSymbol(n.Spec.HiddenActivation)}'(z^{l - 1}), with {DerivativeFormula(n.Spec.HiddenActivation)} (BP2)");
                        w.Line($"{kernel}(ref p, ref a{l - 1}, ref d{l}, ref g, ref d{l - 1});");
                    }
                }
                w.Line();
                w.Line("return cost;");
            }
            w.Line();
        }

        // ---- Per-layer kernels ----

        private static void EmitLayerForward(SourceWriter w, LayerModel layer, Isa isa)
        {
            int l = layer.Number, inputs = layer.Inputs, outputs = layer.Outputs;
            w.Line($"/// <summary>Layer {l} ({Int(inputs)} → {Int(outputs)}) with {isa.Description}: z^{l} = w^{l} a^{l - 1} + b^{l}.</summary>");
            using (w.Block($"private static void Layer{l}Forward{isa.Suffix}(ref float p, ref float a, ref float z)"))
            {
                w.Line($"ref float w = ref {Unsafe}.Add(ref p, {Int(layer.WeightOffset)}); // w^{l}: {Int(outputs)} rows of {Int(inputs)}, row-major");
                w.Line($"ref float b = ref {Unsafe}.Add(ref p, {Int(layer.BiasOffset)}); // b^{l}");

                if (isa.IsScalar)
                {
                    w.Line($"// z_i = b_i + Σ_j w_ij a_j, one row at a time.");
                    using (w.Block($"for (nuint i = 0; i < {Int(outputs)}; i++)"))
                    {
                        w.Line($"ref float row = ref {Unsafe}.Add(ref w, i * {Int(inputs)});");
                        w.Line($"float s = {Unsafe}.Add(ref b, i);");
                        using (w.Block($"for (nuint j = 0; j < {Int(inputs)}; j++)"))
                        {
                            w.Line($"s += {Unsafe}.Add(ref row, j) * {Unsafe}.Add(ref a, j);");
                        }
                        w.Line($"{Unsafe}.Add(ref z, i) = s;");
                    }
                    return;
                }

                var plan = new ChunkPlan(inputs, isa.Width);
                EmitMask(w, isa, plan);
                int rows = outputs >= RowsPerBlock ? RowsPerBlock : 1;
                w.Line($"// z_i = Σ_j w_ij a_j + b_i, {(rows == 1 ? "one row" : Plural(rows, "row"))} at a time; a row is {plan.Describe()}.");
                int blocked = outputs - outputs % rows;
                using (w.Block($"for (nuint i = 0; i < {Int(blocked)}; i += {Int(rows)})"))
                {
                    EmitDotRows(w, isa, plan, rows, null, inputs);
                }
                for (int i = blocked; i < outputs; i++)
                {
                    using (w.Open())
                    {
                        EmitDotRows(w, isa, plan, 1, i, inputs);
                    }
                }
            }
            w.Line();
        }

        /// <summary>Dot products of <paramref name="rows"/> rows of w with a, each into independent accumulators.</summary>
        private static void EmitDotRows(SourceWriter w, Isa isa, ChunkPlan plan, int rows, int? fixedRow, int inputs)
        {
            string first = fixedRow is int f ? Int(f * inputs) : $"i * {Int(inputs)}";
            w.Line($"ref float w0 = ref {Unsafe}.Add(ref w, {first});");
            for (int r = 1; r < rows; r++)
            {
                w.Line($"ref float w{r} = ref {Unsafe}.Add(ref w{r - 1}, {Int(inputs)});");
            }

            int accumulators = System.Math.Min(AccumulatorsPerRow, plan.FullChunks);
            for (int r = 0; r < rows; r++)
            {
                w.Line($"{isa.Type} {string.Join(", ", Enumerable.Range(0, accumulators).Select(u => $"s{r}{u} = {isa.Zero}"))};");
            }

            int stride = accumulators * isa.Width;
            int iterations = plan.FullChunks / accumulators;
            var steps = new List<(string Offset, int Accumulator, bool Masked)>();
            if (iterations == 1)
            {
                for (int u = 0; u < accumulators; u++)
                {
                    steps.Add((Int(u * isa.Width), u, false));
                }
                EmitDotStep(w, isa, rows, steps);
            }
            else
            {
                using (w.Block($"for (nuint j = 0; j < {Int(iterations * stride)}; j += {Int(stride)})"))
                {
                    for (int u = 0; u < accumulators; u++)
                    {
                        steps.Add((u == 0 ? "j" : $"j + {Int(u * isa.Width)}", u, false));
                    }
                    EmitDotStep(w, isa, rows, steps, braces: false);
                }
            }

            steps.Clear();
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
                EmitDotStep(w, isa, rows, steps);
            }

            for (int r = 0; r < rows; r++)
            {
                string index = fixedRow is int f0 ? Int(f0 + r) : r == 0 ? "i" : $"i + {Int(r)}";
                w.Line($"{Unsafe}.Add(ref z, {index}) = {isa.Vector}.Sum({SumTree(Enumerable.Range(0, accumulators).Select(u => $"s{r}{u}").ToList())}) + {Unsafe}.Add(ref b, {index});");
            }
        }

        private static void EmitDotStep(SourceWriter w, Isa isa, int rows, List<(string Offset, int Accumulator, bool Masked)> steps, bool braces = true)
        {
            SourceWriter.Scope? scope = braces ? w.Open() : null;
            for (int k = 0; k < steps.Count; k++)
            {
                w.Line($"{isa.Type} a{k} = {isa.Load("a", steps[k].Offset)};");
            }
            for (int r = 0; r < rows; r++)
            {
                for (int k = 0; k < steps.Count; k++)
                {
                    (string offset, int accumulator, bool masked) = steps[k];
                    string weights = isa.Load($"w{r}", offset);
                    if (masked)
                    {
                        weights = $"({weights} & mask)";
                    }
                    w.Line($"s{r}{accumulator} = {Kernels}.MultiplyAdd({weights}, a{k}, s{r}{accumulator});");
                }
            }
            scope?.Dispose();
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

        private static void EmitLayerBackward(SourceWriter w, NetworkModel n, LayerModel layer, Isa isa)
        {
            int l = layer.Number, inputs = layer.Inputs, outputs = layer.Outputs;
            bool delta = !layer.FeedsFromInput;
            string derivative = ActivationSymbol(n.Spec.HiddenActivation) + "'";
            if (delta)
            {
                w.Line($"/// <summary>Layer {l} ({Int(inputs)} → {Int(outputs)}) with {isa.Description}: adds ∂C/∂b^{l} = δ^{l} and ∂C/∂w^{l} = δ^{l} (a^{l - 1})ᵀ into g, and computes δ^{l - 1} = ((w^{l})ᵀ δ^{l}) ⊙ {derivative}(z^{l - 1}).</summary>");
                w.Line($"private static void Layer{l}Backward{isa.Suffix}(ref float p, ref float a, ref float d, ref float g, ref float dPrevious)");
            }
            else
            {
                w.Line($"/// <summary>Layer {l} ({Int(inputs)} → {Int(outputs)}) with {isa.Description}: adds ∂C/∂b^{l} = δ^{l} and ∂C/∂w^{l} = δ^{l} xᵀ into g.</summary>");
                w.Line($"private static void Layer{l}Gradient{isa.Suffix}(ref float a, ref float d, ref float g)");
            }

            using (w.Open())
            {
                if (delta)
                {
                    w.Line($"ref float w = ref {Unsafe}.Add(ref p, {Int(layer.WeightOffset)}); // w^{l}: {Int(outputs)} rows of {Int(inputs)}, row-major");
                }
                w.Line($"ref float gw = ref {Unsafe}.Add(ref g, {Int(layer.WeightOffset)}); // ∂C/∂w^{l}");
                w.Line($"ref float gb = ref {Unsafe}.Add(ref g, {Int(layer.BiasOffset)}); // ∂C/∂b^{l}");
                w.Line();
                w.Line($"// BP3: ∂C/∂b^{l}_i += δ^{l}_i");
                using (w.Block($"for (nuint i = 0; i < {Int(outputs)}; i++)"))
                {
                    w.Line($"{Unsafe}.Add(ref gb, i) += {Unsafe}.Add(ref d, i);");
                }
                w.Line();

                if (isa.IsScalar)
                {
                    EmitScalarBackwardBody(w, n, layer, delta);
                }
                else
                {
                    var plan = new ChunkPlan(inputs, isa.Width);
                    EmitMask(w, isa, plan);
                    w.Line($"// BP4{(delta ? " and BP2" : string.Empty)}, a block of columns j at a time ({Int(ColumnsPerBlock)} vectors; a row is {plan.Describe()}):");
                    w.Line($"// walk every row i, adding δ_i a_j to ∂C/∂w_ij{(delta ? " and summing t_j += w_ij δ_i" : string.Empty)}.");
                    if (delta)
                    {
                        w.Line($"// Then δ^{l - 1}_j = t_j ⊙ {derivative}(z^{l - 1}_j), with {DerivativeFormula(n.Spec.HiddenActivation)} and a = a^{l - 1}.");
                    }

                    int blocks = plan.FullChunks / ColumnsPerBlock;
                    int stride = ColumnsPerBlock * isa.Width;
                    var columns = new List<(string Offset, bool Masked)>();
                    if (blocks == 1)
                    {
                        for (int c = 0; c < ColumnsPerBlock; c++)
                        {
                            columns.Add((Int(c * isa.Width), false));
                        }
                        EmitColumnBlock(w, n, layer, isa, columns, delta, braces: true);
                    }
                    else if (blocks > 1)
                    {
                        using (w.Block($"for (nuint j = 0; j < {Int(blocks * stride)}; j += {Int(stride)})"))
                        {
                            for (int c = 0; c < ColumnsPerBlock; c++)
                            {
                                columns.Add((c == 0 ? "j" : $"j + {Int(c * isa.Width)}", false));
                            }
                            EmitColumnBlock(w, n, layer, isa, columns, delta, braces: false);
                        }
                    }

                    columns.Clear();
                    for (int c = blocks * ColumnsPerBlock; c < plan.FullChunks; c++)
                    {
                        columns.Add((Int(c * isa.Width), false));
                    }
                    if (plan.HasTail)
                    {
                        columns.Add((Int(plan.TailOffset), true));
                    }
                    if (columns.Count > 0)
                    {
                        EmitColumnBlock(w, n, layer, isa, columns, delta, braces: true);
                    }
                }
            }
            w.Line();
        }

        private static void EmitColumnBlock(SourceWriter w, NetworkModel n, LayerModel layer, Isa isa, List<(string Offset, bool Masked)> columns, bool delta, bool braces)
        {
            int inputs = layer.Inputs, outputs = layer.Outputs;
            SourceWriter.Scope? scope = braces ? w.Open() : null;
            for (int c = 0; c < columns.Count; c++)
            {
                w.Line($"{isa.Type} a{c} = {isa.Load("a", columns[c].Offset)};");
            }
            for (int c = 0; c < columns.Count; c++)
            {
                if (columns[c].Masked)
                {
                    w.Line($"{isa.Type} m{c} = a{c} & mask; // the overlapping columns add nothing to ∂C/∂w a second time");
                }
            }
            if (delta)
            {
                w.Line($"{isa.Type} {string.Join(", ", Enumerable.Range(0, columns.Count).Select(c => $"t{c} = {isa.Zero}"))};");
            }
            using (w.Block($"for (nuint i = 0; i < {Int(outputs)}; i++)"))
            {
                w.Line($"{isa.Type} delta = {isa.Broadcast($"{Unsafe}.Add(ref d, i)")};");
                if (delta)
                {
                    w.Line($"ref float wi = ref {Unsafe}.Add(ref w, i * {Int(inputs)});");
                }
                w.Line($"ref float gi = ref {Unsafe}.Add(ref gw, i * {Int(inputs)});");
                for (int c = 0; c < columns.Count; c++)
                {
                    string offset = columns[c].Offset;
                    if (delta)
                    {
                        w.Line($"t{c} = {Kernels}.MultiplyAdd({isa.Load("wi", offset)}, delta, t{c});");
                    }
                    string source = columns[c].Masked ? $"m{c}" : $"a{c}";
                    w.Line(isa.Store($"{Kernels}.MultiplyAdd(delta, {source}, {isa.Load("gi", offset)})", "gi", offset));
                }
            }
            if (delta)
            {
                for (int c = 0; c < columns.Count; c++)
                {
                    w.Line(isa.Store($"t{c} * ({DerivativeVector(n.Spec.HiddenActivation, isa, $"a{c}")})", "dPrevious", columns[c].Offset));
                }
            }
            scope?.Dispose();
        }

        private static void EmitScalarBackwardBody(SourceWriter w, NetworkModel n, LayerModel layer, bool delta)
        {
            int inputs = layer.Inputs, outputs = layer.Outputs;
            if (delta)
            {
                w.Line("// t = (w^l)ᵀ δ^l accumulates in dPrevious.");
                using (w.Block($"for (nuint j = 0; j < {Int(inputs)}; j++)"))
                {
                    w.Line($"{Unsafe}.Add(ref dPrevious, j) = 0f;");
                }
            }
            w.Line($"// BP4: ∂C/∂w_ij += δ_i a_j{(delta ? "; and t_j += w_ij δ_i" : string.Empty)}");
            using (w.Block($"for (nuint i = 0; i < {Int(outputs)}; i++)"))
            {
                w.Line($"float delta = {Unsafe}.Add(ref d, i);");
                if (delta)
                {
                    w.Line($"ref float wi = ref {Unsafe}.Add(ref w, i * {Int(inputs)});");
                }
                w.Line($"ref float gi = ref {Unsafe}.Add(ref gw, i * {Int(inputs)});");
                using (w.Block($"for (nuint j = 0; j < {Int(inputs)}; j++)"))
                {
                    w.Line($"{Unsafe}.Add(ref gi, j) += delta * {Unsafe}.Add(ref a, j);");
                    if (delta)
                    {
                        w.Line($"{Unsafe}.Add(ref dPrevious, j) += {Unsafe}.Add(ref wi, j) * delta;");
                    }
                }
            }
            if (delta)
            {
                w.Line($"// BP2: δ^{layer.Number - 1}_j = t_j ⊙ {ActivationSymbol(n.Spec.HiddenActivation)}'(z_j), with {DerivativeFormula(n.Spec.HiddenActivation)}");
                using (w.Block($"for (nuint j = 0; j < {Int(inputs)}; j++)"))
                {
                    w.Line($"float aj = {Unsafe}.Add(ref a, j);");
                    w.Line($"{Unsafe}.Add(ref dPrevious, j) *= {DerivativeScalar(n.Spec.HiddenActivation, "aj")};");
                }
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
