using System.Collections.Generic;
using System.Linq;
using Backprop.Generated.Generator.Helpers;
using Backprop.Generated.Generator.Model;

namespace Backprop.Generated.Generator;

public sealed partial class NetworkGenerator
{
    internal static partial class Emitter
    {
        // The unrolled shape, for tiny networks: straight-line scalar code with one statement per
        // neuron and every activation and error in a local, which the JIT keeps in registers.
        // The parser only picks it within Limits.MaxUnrolledInstructions, so methods stay small.

        private static void EmitUnrolled(SourceWriter w, NetworkModel n)
        {
            int L = n.L;
            LayerModel output = n.Layers[n.Layers.Count - 1];
            int outputs = output.Outputs, padded = Padded(outputs);

            w.Line("/// <summary>Forward pass, unrolled: one statement per neuron; with <paramref name=\"withCost\"/>, returns C_x against the target t.</summary>");
            w.Line(HotPath);
            using (w.Block("private static float ForwardUnrolled(ref float p, ref float x, ref float y, ref float t, bool withCost)"))
            {
                EmitUnrolledForward(w, n);
                w.Line();
                w.Line($"// The output a^{L} goes straight into y.");
                EmitUnrolledActivation(w, n, "y");
                using (w.Block("if (!withCost)"))
                {
                    w.Line("return 0f;");
                }
                w.Line($"// z^{L} for the cost, and δ^{L} (unused here), in scratch.");
                w.Line($"Span<float> scratch = stackalloc float[{Int(2 * padded)}];");
                w.Line($"ref float z{L} = ref MemoryMarshal.GetReference(scratch), a{L} = ref y, d{L} = ref {Unsafe}.Add(ref z{L}, {Int(padded)});");
                EmitUnrolledZ(w, n);
                w.Line("int row = 0;");
                EmitOutputError(w, n, "return", "t", "row", "1", errors: false);
            }
            w.Line();

            w.Line("/// <summary>Backpropagation of one sample, unrolled: one statement per neuron and weight; returns C_x.</summary>");
            w.Line(HotPath);
            using (w.Block("private static float BackpropUnrolled(ref float p, ref float x, ref float y, ref float g)"))
            {
                w.Line("// ---- Forward pass, keeping every activation ----");
                EmitUnrolledForward(w, n);
                w.Line();
                w.Line($"// z^{L}, a^{L} and δ^{L} in scratch, for the cost kernels.");
                w.Line($"Span<float> scratch = stackalloc float[{Int(3 * padded)}];");
                w.Line($"ref float z{L} = ref MemoryMarshal.GetReference(scratch), a{L} = ref {Unsafe}.Add(ref z{L}, {Int(padded)}), d{L} = ref {Unsafe}.Add(ref z{L}, {Int(2 * padded)});");
                EmitUnrolledZ(w, n);
                EmitUnrolledActivation(w, n, $"a{L}");

                w.Line();
                w.Line($"// ---- The cost and the output error δ^{L} (BP1) ----");
                w.Line("int row = 0;");
                EmitOutputError(w, n, "float cost =", "y", "row", "1", errors: true);
                for (int k = 0; k < outputs; k++)
                {
                    w.Line($"float d{L}_{k} = {Unsafe}.Add(ref d{L}, {Int(k)});");
                }

                w.Line();
                w.Line("// ---- Backward pass, layer L down to 2 ----");
                for (int index = n.Layers.Count - 1; index >= 0; index--)
                {
                    LayerModel layer = n.Layers[index];
                    int l = layer.Number;
                    string input = layer.FeedsFromInput ? "x" : $"a^{l - 1}";
                    w.Line();
                    w.Line($"// Layer {l}: ∂C/∂b^{l} += δ^{l} (BP3); ∂C/∂w^{l} += δ^{l} ({input})ᵀ (BP4)");
                    for (int i = 0; i < layer.Outputs; i++)
                    {
                        w.Line($"{Unsafe}.Add(ref g, {Int(layer.BiasOffset + i)}) += d{l}_{i};");
                    }
                    for (int i = 0; i < layer.Outputs; i++)
                    {
                        for (int j = 0; j < layer.Inputs; j++)
                        {
                            w.Line($"{Unsafe}.Add(ref g, {Int(layer.WeightOffset + i * layer.Inputs + j)}) += d{l}_{i} * a{l - 1}_{j};");
                        }
                    }

                    if (!layer.FeedsFromInput)
                    {
                        ActivationFunction f = n.Layers[index - 1].Function;
                        w.Line($"// δ^{l - 1} = ((w^{l})ᵀ δ^{l}) ⊙ {f.Symbol}'(z^{l - 1}), with {f.Derivative} (BP2)");
                        for (int j = 0; j < layer.Inputs; j++)
                        {
                            IEnumerable<string> products = Enumerable.Range(0, layer.Outputs)
                                .Select(i => $"{Weight(layer, i, j)} * d{l}_{i}");
                            string sum = string.Join(" + ", products);
                            w.Line(f.HasUnitDerivative
                                ? $"float d{l - 1}_{j} = {sum};"
                                : $"float d{l - 1}_{j} = ({sum}) * {f.DerivativeOf($"a{l - 1}_{j}")};");
                        }
                    }
                }
                w.Line();
                w.Line("return cost;");
            }
            w.Line();
            EmitUnrolledBatch(w, n);
        }

        /// <summary>a^1 = x, then every hidden layer's activations in locals and z^L in locals.</summary>
        private static void EmitUnrolledForward(SourceWriter w, NetworkModel n)
        {
            EmitUnrolledInput(w, n);
            foreach (LayerModel layer in n.Layers)
            {
                w.Line();
                w.Line("// " + LayerEmitter.For(layer).ForwardComment(layer));
                for (int i = 0; i < layer.Outputs; i++)
                {
                    w.Line(layer.IsOutput
                        ? $"float z{layer.Number}_{i} = {WeightedSum(layer, i)};"
                        : $"float a{layer.Number}_{i} = {layer.Function.Scalar(WeightedSum(layer, i))};");
                }
            }
        }

        /// <summary>Stores the locals z^L into the scratch row z{L}.</summary>
        private static void EmitUnrolledZ(SourceWriter w, NetworkModel n)
        {
            int L = n.L;
            w.Line(string.Join(" ", Enumerable.Range(0, n.Sizes[L - 1]).Select(k => $"{Unsafe}.Add(ref z{L}, {Int(k)}) = z{L}_{k};")));
        }

        /// <summary>a^L = f_L(z^L) from the locals z^L into the row <paramref name="target"/>.</summary>
        private static void EmitUnrolledActivation(SourceWriter w, NetworkModel n, string target)
        {
            LayerModel output = n.Layers[n.Layers.Count - 1];
            int L = n.L;
            if (output.Function.IsElementwise)
            {
                w.Line(string.Join(" ", Enumerable.Range(0, output.Outputs).Select(k => $"{Unsafe}.Add(ref {target}, {Int(k)}) = {output.Function.Scalar($"z{L}_{k}")};")));
            }
            else
            {
                w.Line(string.Join(" ", Enumerable.Range(0, output.Outputs).Select(k => $"{Unsafe}.Add(ref {target}, {Int(k)}) = z{L}_{k};")));
                w.Line(output.Function.ActivateRows(target, target, "1", output.Outputs, Padded(output.Outputs)));
            }
        }

        private static void EmitUnrolledBatch(SourceWriter w, NetworkModel n)
        {
            int inputs = n.Sizes[0], outputs = n.Sizes[n.L - 1];
            w.Line("/// <summary>Forward pass of <paramref name=\"count\"/> samples, one after another; with <paramref name=\"withCost\"/>, returns Σ_x C_x against the targets t.</summary>");
            w.Line(HotPath);
            using (w.Block("private static float ForwardBatchUnrolled(ref float p, ref float x, ref float y, nint count, ref float t, bool withCost)"))
            {
                w.Line("float cost = 0f;");
                using (w.Block("for (nint s = 0; s < count; s++)"))
                {
                    w.Line($"ref float target = ref withCost ? ref {Unsafe}.Add(ref t, s * {Int(outputs)}) : ref t;");
                    w.Line($"cost += ForwardUnrolled(ref p, ref {Unsafe}.Add(ref x, s * {Int(inputs)}), ref {Unsafe}.Add(ref y, s * {Int(outputs)}), ref target, withCost);");
                }
                w.Line("return cost;");
            }
            w.Line();

            w.Line("/// <summary>Backpropagation of the m samples rows[0..m), one after another; adds Σ_x ∂C_x/∂θ into g and returns Σ_x C_x.</summary>");
            w.Line(HotPath);
            using (w.Block("private static float AccumulateUnrolled(ref float p, ref float x, ref float y, ref int rows, nint m, ref float g, ref float workspace)"))
            {
                w.Line("float cost = 0f;");
                using (w.Block("for (nint s = 0; s < m; s++)"))
                {
                    w.Line($"nint row = {Unsafe}.Add(ref rows, s);");
                    w.Line($"cost += BackpropUnrolled(ref p, ref {Unsafe}.Add(ref x, row * {Int(inputs)}), ref {Unsafe}.Add(ref y, row * {Int(outputs)}), ref g);");
                }
                w.Line("return cost;");
            }
            w.Line();

            w.Line("/// <summary>One step of the update on the m samples rows[0..m): the batch's gradient is summed in the workspace, then handed to the update.</summary>");
            w.Line(HotPath);
            using (w.Block($"private static float TrainBatchUnrolled<TUpdate>(ref float p, ref float x, ref float y, ref int rows, nint m, ref TUpdate update, ref float workspace, ref int next, nint nextCount){UpdateConstraint}"))
            {
                w.Line($"MemoryMarshal.CreateSpan(ref workspace, {Int(n.ParameterCount)}).Clear();");
                w.Line("float cost = AccumulateUnrolled(ref p, ref x, ref y, ref rows, m, ref workspace, ref workspace);");
                foreach (LayerModel layer in n.Layers)
                {
                    w.Line($"// Layer {layer.Number}: the update gets ∂C/∂w^{layer.Number} and ∂C/∂b^{layer.Number} summed over the batch (SGD: w^{layer.Number} ← decay · w^{layer.Number} − (η/m) Σ_x ∂C_x/∂w^{layer.Number}; b^{layer.Number} ← b^{layer.Number} − (η/m) Σ_x ∂C_x/∂b^{layer.Number})");
                    using (w.Block($"for (nint k = {Int(layer.WeightOffset)}; k < {Int(layer.BiasOffset)}; k++)"))
                    {
                        w.Line($"update.Weight(ref {Unsafe}.Add(ref p, k), {Unsafe}.Add(ref workspace, k));");
                    }
                    using (w.Block($"for (nint k = {Int(layer.BiasOffset)}; k < {Int(layer.BiasOffset + layer.Outputs)}; k++)"))
                    {
                        w.Line($"update.Bias(ref {Unsafe}.Add(ref p, k), {Unsafe}.Add(ref workspace, k));");
                    }
                }
                w.Line("return cost;");
            }
            w.Line();
        }

        private static void EmitUnrolledInput(SourceWriter w, NetworkModel n)
        {
            w.Line("// a^1 = x");
            for (int j = 0; j < n.Sizes[0]; j++)
            {
                w.Line($"float a1_{j} = {Unsafe}.Add(ref x, {Int(j)});");
            }
        }

        private static string Weight(LayerModel layer, int i, int j) =>
            $"{Unsafe}.Add(ref p, {Int(layer.WeightOffset + i * layer.Inputs + j)})";

        /// <summary>z^l_i = Σ_j w^l_ij a^(l−1)_j + b^l_i, written out.</summary>
        private static string WeightedSum(LayerModel layer, int i)
        {
            IEnumerable<string> products = Enumerable.Range(0, layer.Inputs)
                .Select(j => $"{Weight(layer, i, j)} * a{layer.Number - 1}_{j}");
            return $"{string.Join(" + ", products)} + {Unsafe}.Add(ref p, {Int(layer.BiasOffset + i)})";
        }
    }
}
