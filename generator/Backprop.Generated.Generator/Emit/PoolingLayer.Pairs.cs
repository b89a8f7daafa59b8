using System.Linq;
using Backprop.Generated.Generator.Helpers;
using Backprop.Generated.Generator.Model;
using Backprop.Generated.Generator.Shared;

namespace Backprop.Generated.Generator;

public sealed partial class NetworkGenerator
{
    internal static partial class Emitter
    {
        // 2 × 2 max pooling with stride 2, the common pool, vectorised along the input's rows: a vector of 2k columns of two
        // input rows holds k windows side by side. The larger of the two rows, then of each pair of neighbouring lanes (a
        // shuffle), gives every lane its window's largest value; the forward pass keeps the even lanes. The error goes to
        // the first position equal to that value, in the window's order (row 0 left, row 0 right, row 1 left, row 1 right):
        // comparisons make lane masks, and each position keeps δ where its mask says it is the first. A row that is not a
        // whole number of vectors ends with a vector that overlaps the one before at an even column: it writes the same
        // values again.
        private sealed partial class PoolingLayer
        {
            /// <summary>Whether the layer is a 2 × 2 max pool with stride 2 over rows of at least 8 values: the vectorised kernels.</summary>
            private static bool IsPairPool(LayerInfo info) =>
                info.Kind == LayerKind.MaxPool2D && info.KernelHeight == 2 && info.KernelWidth == 2 && info.Stride == 2 && info.Input.Width >= 8;

            /// <summary>The vectors of a tier for rows of <paramref name="width"/>: the widest that a row holds, as the dispatcher picks them.</summary>
            private static Isa PairIsa(Isa tier, int width) => tier.For(width);

            /// <summary>Where a row's vectors start: every whole vector, then one that ends with the row (at an even column).</summary>
            private static int[] PairColumns(int width, int vector)
            {
                var columns = Enumerable.Range(0, width / vector).Select(k => k * vector).ToList();
                if (width % vector != 0)
                {
                    columns.Add(width - vector);
                }
                return columns.ToArray();
            }

            /// <summary>Lane indices as a constant vector of ints: <c>Vector512.Create(1, 0, 3, 2, …)</c>.</summary>
            private static string Indices(Isa isa, System.Func<int, int> lane) =>
                $"{isa.Vector}.Create({string.Join(", ", Enumerable.Range(0, isa.Width).Select(k => Int(lane(k))))})";

            /// <summary>The half-width vector of a tier: the forward pass's store of k outputs, the error kernel's load of k errors.</summary>
            private static string Half(Isa isa) => isa.Width switch { 16 => "Vector256", 8 => "Vector128", _ => "Vector64" };

            private static void EmitPairConstants(SourceWriter w, LayerInfo info) =>
                w.Line($"const nint Channels = {Int(info.Input.Channels)}, Height = {Int(info.Input.Height)}, Width = {Int(info.Input.Width)}, OutputHeight = {Int(info.Output.Height)}, OutputWidth = {Int(info.Output.Width)};");

            /// <summary>The loops over each channel and pair of input rows, and a block per vector of the row's columns.</summary>
            private static void EmitPairVectors(SourceWriter w, LayerInfo info, Isa isa, System.Action<int> body)
            {
                using (w.Block("for (nint c = 0; c < Channels; c++)"))
                using (w.Block("for (nint y = 0; y < OutputHeight; y++)"))
                {
                    foreach (int column in PairColumns(info.Input.Width, isa.Width))
                    {
                        using (w.Open())
                        {
                            body(column);
                        }
                    }
                }
            }

            private static void EmitPairLoads(SourceWriter w, Isa isa)
            {
                w.Line($"{isa.Type} top = {isa.Load("row", "0")}, bottom = {isa.Load("row", "(nuint)Width")};");
                w.Line($"{isa.Type} pair = {isa.Vector}.Max(top, bottom);");
                w.Line($"{isa.Type} best = {isa.Vector}.Max(pair, {isa.Vector}.Shuffle(pair, swap)); // each lane: the largest of its window");
            }

            private static void EmitPairForward(SourceWriter w, LayerModel layer, Isa isa)
            {
                LayerInfo info = layer.Info;
                int l = layer.Number;
                w.Line($"/// <summary>Layer {l} ({info.Kind} {info.Input} → {info.Output}, 2×2 windows, stride 2) with {isa.Description}: {XmlText(Formula(layer, $"a^{l - 1}"))} for m samples, {Int(isa.Width / 2)} windows a vector.</summary>");
                w.Line(HotPath);
                using (w.Block(ForwardKernel(layer).Declaration(isa.Suffix)))
                {
                    EmitPairConstants(w, info);
                    w.Line($"Vector{isa.Width * 32}<int> swap = {Indices(isa, k => k ^ 1)}, evens = {Indices(isa, k => 2 * k % isa.Width)};");
                    using (w.Block("for (nint s = 0; s < m; s++)"))
                    {
                        w.Line($"ref float input = {InputRow(layer, "s")};");
                        w.Line($"ref float output = ref {Unsafe}.Add(ref z, s * {Int(Padded(layer.Outputs))});");
                        EmitPairVectors(w, info, isa, column =>
                        {
                            w.Line($"ref float row = ref {Unsafe}.Add(ref input, (c * Height + 2 * y) * Width + {Int(column)});");
                            EmitPairLoads(w, isa);
                            w.Line($"{isa.Vector}.Shuffle(best, evens).GetLower().StoreUnsafe(ref output, (nuint)((c * OutputHeight + y) * OutputWidth + {Int(column / 2)}));");
                        });
                    }
                }
                w.Line();
            }

            private static void EmitPairDelta(SourceWriter w, LayerModel layer, LayerModel previous, Isa isa)
            {
                LayerInfo info = layer.Info;
                int l = layer.Number;
                ActivationFunction f = previous.Function;
                int paddedInputs = Padded(layer.Inputs);
                w.Line($"/// <summary>Layer {l}'s error kernel with {isa.Description} (BP2): each δ^{l} goes to the first largest value of its 2×2 window of a^{l - 1}, zero to the other three, then ⊙ {f.Symbol}'(z^{l - 1}); {Int(isa.Width / 2)} windows a vector.</summary>");
                w.Line(HotPath);
                using (w.Block(DeltaKernel(layer).Declaration(isa.Suffix)))
                {
                    EmitPairConstants(w, info);
                    w.Line($"Vector{isa.Width * 32}<int> swap = {Indices(isa, k => k ^ 1)}, twice = {Indices(isa, k => k / 2)};");
                    w.Line($"{isa.Type} right = {Indices(isa, k => k % 2 == 1 ? -1 : 0)}.AsSingle(); // the right column of each window");
                    using (w.Block("for (nint s = 0; s < m; s++)"))
                    {
                        w.Line($"ref float inputs = ref {Unsafe}.Add(ref a, s * {Int(paddedInputs)});");
                        w.Line($"ref float target = ref {Unsafe}.Add(ref dPrevious, s * {Int(paddedInputs)});");
                        w.Line($"ref float errors = ref {Unsafe}.Add(ref d, s * {Int(Padded(layer.Outputs))});");
                        if (paddedInputs > layer.Inputs)
                        {
                            w.Line($"MemoryMarshal.CreateSpan(ref {Unsafe}.Add(ref target, {Int(layer.Inputs)}), {Int(paddedInputs - layer.Inputs)}).Clear(); // the row's padding");
                        }
                        EmitPairVectors(w, info, isa, column =>
                        {
                            w.Line($"nint at = (c * Height + 2 * y) * Width + {Int(column)};");
                            w.Line($"ref float row = ref {Unsafe}.Add(ref inputs, at);");
                            EmitPairLoads(w, isa);
                            w.Line($"{isa.Type} error = {Half(isa)}.LoadUnsafe(ref errors, (nuint)((c * OutputHeight + y) * OutputWidth + {Int(column / 2)})).To{isa.Vector}Unsafe();");
                            w.Line($"error = {isa.Vector}.Shuffle(error, twice); // each window's δ in both its columns");
                            w.Line($"{isa.Type} topFirst = {isa.Vector}.Equals(top, best), bottomFirst = {isa.Vector}.Equals(bottom, best);");
                            w.Line($"{isa.Type} topAny = topFirst | {isa.Vector}.Shuffle(topFirst, swap);");
                            w.Line($"topFirst = {isa.Vector}.AndNot(topFirst, {isa.Vector}.Shuffle(topFirst, swap) & right); // the right one only if the left is not");
                            w.Line($"bottomFirst = {isa.Vector}.AndNot({isa.Vector}.AndNot(bottomFirst, topAny), {isa.Vector}.Shuffle(bottomFirst, swap) & right); // only if no top one is");
                            w.Line($"{isa.Vector}.StoreUnsafe(error & topFirst, ref target, (nuint)at);");
                            w.Line($"{isa.Vector}.StoreUnsafe(error & bottomFirst, ref target, (nuint)(at + Width));");
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
