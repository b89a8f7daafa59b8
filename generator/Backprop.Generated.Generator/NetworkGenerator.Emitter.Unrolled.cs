using System.Collections.Generic;
using System.Linq;
using Backprop.Generated.Generator.Helpers;

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

            w.Line("/// <summary>Forward pass, unrolled: one statement per neuron; with <paramref name=\"withCost\"/>, returns C_x against the target t.</summary>");
            w.Line(HotPath);
            using (w.Block("private static float ForwardUnrolled(ref float p, ref float x, ref float y, ref float t, bool withCost)"))
            {
                EmitUnrolledInput(w, n);
                foreach (LayerModel layer in n.Layers)
                {
                    w.Line();
                    EmitLayerComment(w, layer);
                    for (int i = 0; i < layer.Outputs; i++)
                    {
                        if (layer.IsOutput)
                        {
                            w.Line($"float z{L}_{i} = {WeightedSum(layer, i)};");
                            w.Line($"float a{L}_{i} = {ActivateScalar(layer.Activation, $"z{L}_{i}")};");
                        }
                        else
                        {
                            w.Line($"float a{layer.Number}_{i} = {ActivateScalar(layer.Activation, WeightedSum(layer, i))};");
                        }
                    }
                }
                w.Line();
                w.Line($"// The output is a^{L}.");
                for (int k = 0; k < output.Outputs; k++)
                {
                    w.Line($"{Unsafe}.Add(ref y, {Int(k)}) = a{L}_{k};");
                }
                using (w.Block("if (!withCost)"))
                {
                    w.Line("return 0f;");
                }
                foreach (string line in CostComment(n.Spec.Cost, output.Activation))
                {
                    w.Line(line);
                }
                IEnumerable<string> costTerms = Enumerable.Range(0, output.Outputs)
                    .Select(k => CostTermScalar(n.Spec.Cost, output.Activation, $"z{L}_{k}", $"{Unsafe}.Add(ref t, {Int(k)})"));
                w.Line($"return {string.Join(" + ", costTerms)};");
            }
            w.Line();

            w.Line("/// <summary>Backpropagation of one sample, unrolled: one statement per neuron and weight; returns C_x.</summary>");
            w.Line(HotPath);
            using (w.Block("private static float BackpropUnrolled(ref float p, ref float x, ref float y, ref float g)"))
            {
                w.Line("// ---- Forward pass, keeping every activation ----");
                EmitUnrolledInput(w, n);
                foreach (LayerModel layer in n.Layers)
                {
                    w.Line();
                    EmitLayerComment(w, layer);
                    for (int i = 0; i < layer.Outputs; i++)
                    {
                        string sum = WeightedSum(layer, i);
                        if (layer.IsOutput)
                        {
                            w.Line($"float z{L}_{i} = {sum};");
                            w.Line($"float a{L}_{i} = {ActivateScalar(layer.Activation, $"z{L}_{i}")};");
                        }
                        else
                        {
                            w.Line($"float a{layer.Number}_{i} = {ActivateScalar(layer.Activation, sum)};");
                        }
                    }
                }

                w.Line();
                w.Line("// ---- The cost and the output error (BP1) ----");
                for (int k = 0; k < output.Outputs; k++)
                {
                    w.Line($"float y{k} = {Unsafe}.Add(ref y, {Int(k)});");
                }
                foreach (string line in CostComment(n.Spec.Cost, output.Activation))
                {
                    w.Line(line);
                }
                IEnumerable<string> terms = Enumerable.Range(0, output.Outputs)
                    .Select(k => CostTermScalar(n.Spec.Cost, output.Activation, $"z{L}_{k}", $"y{k}"));
                w.Line($"float cost = {string.Join(" + ", terms)};");
                foreach (string line in OutputErrorComment(n.Spec.Cost, output.Activation, L))
                {
                    w.Line(line);
                }
                for (int k = 0; k < output.Outputs; k++)
                {
                    w.Line($"float d{L}_{k} = {OutputErrorScalar(n.Spec.Cost, output.Activation, $"a{L}_{k}", $"z{L}_{k}", $"y{k}")};");
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
                        w.Line($"// δ^{l - 1} = ((w^{l})ᵀ δ^{l}) ⊙ {ActivationSymbol(n.Spec.HiddenActivation)}'(z^{l - 1}), with {DerivativeFormula(n.Spec.HiddenActivation)} (BP2)");
                        for (int j = 0; j < layer.Inputs; j++)
                        {
                            IEnumerable<string> products = Enumerable.Range(0, layer.Outputs)
                                .Select(i => $"{Weight(layer, i, j)} * d{l}_{i}");
                            w.Line($"float d{l - 1}_{j} = ({string.Join(" + ", products)}) * ({DerivativeScalar(n.Spec.HiddenActivation, $"a{l - 1}_{j}")});");
                        }
                    }
                }
                w.Line();
                w.Line("return cost;");
            }
            w.Line();
            EmitUnrolledBatch(w, n);
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

            w.Line("/// <summary>One gradient-descent step on the m samples rows[0..m): the batch's gradient is summed in the workspace, then applied.</summary>");
            w.Line(HotPath);
            using (w.Block("private static float TrainBatchUnrolled(ref float p, ref float x, ref float y, ref int rows, nint m, float rate, float decay, ref float workspace, ref int next, nint nextCount)"))
            {
                w.Line($"{Marshal}.CreateSpan(ref workspace, {Int(n.ParameterCount)}).Clear();");
                w.Line("float cost = AccumulateUnrolled(ref p, ref x, ref y, ref rows, m, ref workspace, ref workspace);");
                foreach (LayerModel layer in n.Layers)
                {
                    w.Line($"// Layer {layer.Number}: w^{layer.Number} ← decay · w^{layer.Number} − (η/m) Σ_x ∂C_x/∂w^{layer.Number}; b^{layer.Number} ← b^{layer.Number} − (η/m) Σ_x ∂C_x/∂b^{layer.Number}");
                    using (w.Block($"for (nint k = {Int(layer.WeightOffset)}; k < {Int(layer.BiasOffset)}; k++)"))
                    {
                        w.Line($"{Unsafe}.Add(ref p, k) = decay * {Unsafe}.Add(ref p, k) - rate * {Unsafe}.Add(ref workspace, k);");
                    }
                    using (w.Block($"for (nint k = {Int(layer.BiasOffset)}; k < {Int(layer.BiasOffset + layer.Outputs)}; k++)"))
                    {
                        w.Line($"{Unsafe}.Add(ref p, k) -= rate * {Unsafe}.Add(ref workspace, k);");
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
