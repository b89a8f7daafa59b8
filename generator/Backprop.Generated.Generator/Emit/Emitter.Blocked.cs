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

        /// <summary>The drivers' last parameter for a network with dropout: the key of the step's masks.</summary>
        private static string Key(NetworkModel n) => n.HasDropout ? ", ulong key" : string.Empty;

        private static void EmitBlocked(SourceWriter w, NetworkModel n)
        {
            EmitForwardDriver(w, n);
            EmitForwardBatchDriver(w, n);
            EmitBackpropDrivers(w, n);
            EmitTrainBatchDriver(w, n);

            for (int index = 0; index < n.Layers.Count; index++)
            {
                LayerModel layer = n.Layers[index];
                LayerEmitter.For(layer).EmitKernels(w, layer, index > 0 ? n.Layers[index - 1] : null);
            }
        }

        // ---- Drivers ----

        private static void EmitScratch(SourceWriter w, string name, string count)
        {
            w.Line($"{SpanOfFloat} {name}Buffer = stackalloc float[{count}]; ref float {name} = ref MemoryMarshal.GetReference({name}Buffer);");
        }

        /// <summary>Calls the forward kernels of every layer for m samples, activating each layer's rows.</summary>
        private static void EmitForwardLayers(SourceWriter w, NetworkModel n, string input, string rows, string m, bool keepOutputZ, bool training = false)
        {
            string previous = input;
            foreach (LayerModel layer in n.Layers)
            {
                w.Line();
                LayerEmitter emitter = LayerEmitter.For(layer);
                w.Line("// " + (training ? emitter.TrainingForwardComment(layer) : emitter.ForwardComment(layer)));
                string target = layer.IsOutput && keepOutputZ ? $"z{n.L}" : $"a{layer.Number}";
                w.Line(training ? emitter.TrainingForwardCall(layer, previous, rows, m, target) : emitter.ForwardCall(layer, previous, rows, m, target));
                EmitActivateRows(w, layer, target, $"a{layer.Number}", m);
                previous = $"a{layer.Number}";
            }
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
                LayerEmitter emitter = LayerEmitter.For(layer);
                string input = layer.FeedsFromInput ? "x" : $"a{l - 1}";
                string[] next = update ? new[] { "ref next", "nextCount" } : new[] { $"ref {rows}", "0" };
                w.Line();
                if (!layer.FeedsFromInput)
                {
                    ActivationFunction f = n.Layers[k - 1].Function;
                    w.Line("// " + emitter.DeltaComment(layer, f, update));
                    w.Line(emitter.DeltaCall(layer, m));
                }
                string? call = update
                    ? emitter.UpdateCall(layer, "p", input, rows, m, "update", next)
                    : emitter.UpdateCall(layer, "g", input, rows, m, "sum", next);
                foreach (string line in emitter.UpdateComments(layer, update))
                {
                    w.Line("// " + line);
                }
                if (call is not null)
                {
                    w.Line(call);
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
                w.Line(n.HasDropout
                    ? "return AccumulateCore(ref p, ref x, ref y, ref row, 1, ref g, ref workspace, 0); // dropout's masks of key 0"
                    : "return AccumulateCore(ref p, ref x, ref y, ref row, 1, ref g, ref workspace);");
            }
            w.Line();

            w.Line("/// <summary>Backpropagation of the m samples rows[0..m); adds Σ_x ∂C_x/∂θ into g and returns Σ_x C_x.</summary>");
            w.Line(HotPath);
            using (w.Block($"private static float AccumulateCore(ref float p, ref float x, ref float y, ref int rows, nint m, ref float g, ref float workspace{Key(n)})"))
            {
                w.Line($"// The workspace holds, m padded rows each: a^l and δ^l of every layer, and z^{n.L}.");
                EmitBatchScratch(w, n, "m");
                w.Line("GradientSum sum = default; // the update kernels add Σ_x into g");
                w.Line();
                w.Line("// ---- Forward pass, keeping every activation ----");
                EmitForwardLayers(w, n, "x", "rows", "m", keepOutputZ: true, training: true);
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
            using (w.Block($"private static float TrainBatchCore<TUpdate>(ref float p, ref float x, ref float y, ref int rows, nint m, ref TUpdate update, ref float workspace, ref int next, nint nextCount{Key(n)}){UpdateConstraint}"))
            {
                w.Line($"// The workspace holds, m padded rows each: a^l and δ^l of every layer, and z^{n.L}.");
                EmitBatchScratch(w, n, "m");
                w.Line();
                w.Line("// ---- Forward pass of the whole batch, keeping every activation ----");
                EmitForwardLayers(w, n, "x", "rows", "m", keepOutputZ: true, training: true);
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
    }
}
