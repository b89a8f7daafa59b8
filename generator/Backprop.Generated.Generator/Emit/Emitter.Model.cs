using System.Collections.Generic;
using System.Linq;
using Backprop.Generated.Generator.Model;
using Backprop.Generated.Generator.Shared;

namespace Backprop.Generated.Generator;

public sealed partial class NetworkGenerator
{
    internal static partial class Emitter
    {
        /// <summary>Derived facts about a network (offsets, counts), computed once per emission.</summary>
        private sealed class NetworkModel
        {
            public NetworkModel(NetworkSpec spec)
            {
                Spec = spec;
                Architecture = spec.Architecture;
                Sizes = spec.Sizes;

                // Offsets and counts come from the shared parameter layout, as the runtime's do.
                ParameterLayout layout = Architecture.Parameters;
                var layers = new List<LayerModel>();
                for (int i = 0; i < spec.Layers.Count; i++)
                {
                    int l = i + 2;
                    var layer = new LayerModel(l, spec.Layers[i], layout.WeightOffset(l), layout.BiasOffset(l), l == Sizes.Length);
                    layers.Add(layer);
                    WeightCount += layer.WeightCount;
                    BiasCount += layer.Info.BiasCount;
                }
                Layers = layers;
                ParameterCount = layout.Count;
            }

            public NetworkSpec Spec { get; }

            /// <summary>The shared description of the network: layers, cost, parameter layout, declaration.</summary>
            public NetworkArchitecture Architecture { get; }

            /// <summary>n_1..n_L.</summary>
            public int[] Sizes { get; }

            /// <summary>The number of layers, L.</summary>
            public int L => Sizes.Length;

            /// <summary>The weight layers 2..L.</summary>
            public IReadOnlyList<LayerModel> Layers { get; }

            public int WeightCount { get; }

            public int BiasCount { get; }

            public int ParameterCount { get; }

            /// <summary>Whether a layer drops values while training: the drivers then take the key of each step's masks.</summary>
            public bool HasDropout => Layers.Any(layer => layer.Info.Kind == LayerKind.Dropout);
        }

        /// <summary>Layer l of the shared layer model, with what the emitter derives from it.</summary>
        private sealed class LayerModel
        {
            public LayerModel(int number, LayerInfo info, int weightOffset, int biasOffset, bool isOutput)
            {
                Number = number;
                Info = info;
                Inputs = info.Input.Size;
                Outputs = info.Output.Size;
                WeightOffset = weightOffset;
                BiasOffset = biasOffset;
                IsOutput = isOutput;
                Activation = info.Activation;
                Function = Functions.Of(Activation);
            }

            /// <summary>The layer as the shared layer model describes it.</summary>
            public LayerInfo Info { get; }

            /// <summary>l, numbered as in the math: 2 is the first weight layer.</summary>
            public int Number { get; }

            /// <summary>n_(l−1).</summary>
            public int Inputs { get; }

            /// <summary>n_l.</summary>
            public int Outputs { get; }

            public int WeightCount => Info.WeightCount;

            public int WeightOffset { get; }

            public int BiasOffset { get; }

            public bool IsOutput { get; }

            /// <summary>Layer 2 reads the input, which has no error term to backpropagate into.</summary>
            public bool FeedsFromInput => Number == 2;

            /// <summary>f_l.</summary>
            public ActivationKind Activation { get; }

            /// <summary>What f_l means to the emitter.</summary>
            public ActivationFunction Function { get; }
        }

        /// <summary>A vector width the generated code can use, and how to spell it.</summary>
        private sealed class Isa
        {
            public static readonly Isa V512 = new("V512", 16, "Vector512", "Vector512 (AVX-512)");
            public static readonly Isa V256 = new("V256", 8, "Vector256", "Vector256 (AVX2)");
            public static readonly Isa V128 = new("V128", 4, "Vector128", "Vector128 (SSE, AdvSimd)");
            public static readonly Isa Scalar = new("Scalar", 1, string.Empty, "scalar code (no SIMD acceleration)");

            /// <summary>The vector widths, widest first: the dispatch order.</summary>
            public static readonly Isa[] Vectors = { V512, V256, V128 };

            /// <summary>Every tier, widest first, scalar last.</summary>
            public static readonly Isa[] All = { V512, V256, V128, Scalar };

            private Isa(string suffix, int width, string vector, string description)
            {
                Suffix = suffix;
                Width = width;
                Vector = vector;
                Description = description;
            }

            public string Suffix { get; }

            /// <summary>Floats per vector; 1 for scalar.</summary>
            public int Width { get; }

            /// <summary>The static class, e.g. <c>Vector512</c>.</summary>
            public string Vector { get; }

            /// <summary>The vector type, e.g. <c>Vector512&lt;float&gt;</c>.</summary>
            public string Type => Vector + "<float>";

            public string Description { get; }

            public bool IsScalar => Width == 1;

            /// <summary>
            /// The widest vector, no wider than this tier's, that fits in <paramref name="count"/> floats;
            /// <see cref="Scalar"/> when not even a Vector128 does.
            /// </summary>
            public Isa For(int count)
            {
                foreach (Isa isa in Vectors)
                {
                    if (isa.Width <= Width && isa.Width <= count)
                    {
                        return isa;
                    }
                }
                return Scalar;
            }

            public string Load(string reference, string offset) => $"{Vector}.LoadUnsafe(ref {reference}, {offset})";

            public string Store(string value, string reference, string offset) => $"{Vector}.StoreUnsafe({value}, ref {reference}, {offset});";

            public string Broadcast(string value) => $"{Vector}.Create({value})";

            /// <summary>A zero vector: <c>default</c>, which the declarations spell with their type.</summary>
            public string Zero => "default";

            public string One => Type + ".One";
        }
    }
}
