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
        /// What the blocked shape needs of one kind of layer: its kernels, and the statements by which the drivers
        /// (Forward, ForwardBatch, Backprop, AccumulateGradient, TrainBatch) call them. The drivers hold everything that is
        /// the same for every kind — scratch rows of every layer's a and δ, the activation after each forward call, the
        /// cost and δ^L — and ask the layer's emitter for the rest, so a new kind of layer is a new subclass here and a case
        /// in <see cref="For"/>. The calls default to the shared kernel signatures (<see cref="ForwardKernel"/>,
        /// <see cref="DeltaKernel"/>, <see cref="UpdateKernel"/>); a kind whose kernels take other arguments overrides them.
        /// </summary>
        private abstract class LayerEmitter
        {
            /// <summary>The emitter of <paramref name="layer"/>'s kind.</summary>
            /// <exception cref="System.ArgumentOutOfRangeException">A kind with no emitter: a bug, caught by every test.</exception>
            public static LayerEmitter For(LayerModel layer) => layer.Info.Kind switch
            {
                LayerKind.Dense => DenseLayer.Instance,
                LayerKind.Conv2D or LayerKind.Conv1D => ConvolutionLayer.Instance,
                LayerKind.MaxPool2D or LayerKind.AvgPool2D or LayerKind.MaxPool1D or LayerKind.AvgPool1D => PoolingLayer.Instance,
                LayerKind.Dropout => DropoutLayer.Instance,
                _ => throw new System.ArgumentOutOfRangeException(nameof(layer), layer.Info.Kind, "A layer kind with no emitter in LayerEmitter.For."),
            };

            /// <summary>The layer's line in the file's header: what it computes, after "Layer l ".</summary>
            public abstract string Header(LayerModel layer);

            /// <summary>The comment over the layer's forward call (one line).</summary>
            public abstract string ForwardComment(LayerModel layer);

            /// <summary>The comment over the layer's forward call while training: the same, but for a layer that trains differently.</summary>
            public virtual string TrainingForwardComment(LayerModel layer) => ForwardComment(layer);

            /// <summary>The forward statement while training (Backprop, AccumulateGradient, TrainBatch): the same, but for dropout.</summary>
            public virtual string TrainingForwardCall(LayerModel layer, string input, string rows, string m, string target) => ForwardCall(layer, input, rows, m, target);

            /// <summary>The comment over the layer's error call (BP2 into layer l − 1, whose activation is <paramref name="f"/>).</summary>
            public abstract string DeltaComment(LayerModel layer, ActivationFunction f, bool update);

            /// <summary>The comment lines over the layer's update call (BP3 and BP4), or why it has none.</summary>
            public abstract IEnumerable<string> UpdateComments(LayerModel layer, bool update);

            /// <summary>The layer's kernels: the dispatchers, and the kernel of every vector width they call.</summary>
            public abstract void EmitKernels(SourceWriter w, LayerModel layer, LayerModel? previous);

            /// <summary>
            /// The statement that computes the layer's z (before its activation) for m samples into <paramref name="target"/>,
            /// from <paramref name="input"/> (the previous layer's a, or for layer 2 the data set read through <paramref name="rows"/>).
            /// </summary>
            public virtual string ForwardCall(LayerModel layer, string input, string rows, string m, string target) =>
                ForwardKernel(layer).Call(new[] { "ref p" }.Concat(InputArguments(layer, input, rows)).Concat(new[] { m, $"ref {target}" }).ToArray());

            /// <summary>The statement that backpropagates δ^l into δ^(l−1) (BP2), f'(z^(l−1)) included; not asked of layer 2.</summary>
            public virtual string DeltaCall(LayerModel layer, string m) =>
                DeltaKernel(layer).Call("ref p", $"ref d{layer.Number}", m, $"ref a{layer.Number - 1}", $"ref d{layer.Number - 1}");

            /// <summary>
            /// The statement that hands ∂C/∂w^l and ∂C/∂b^l summed over m samples (BP3, BP4) to <paramref name="update"/>, on
            /// <paramref name="parameters"/>; for layer 2, <paramref name="next"/> are the rows to prefetch.
            /// </summary>
            /// <returns>The statement, or null for a layer without parameters.</returns>
            public virtual string? UpdateCall(LayerModel layer, string parameters, string input, string rows, string m, string update, string[] next) =>
                UpdateKernel(layer).Call(new[] { $"ref {parameters}" }.Concat(InputArguments(layer, input, rows))
                    .Concat(new[] { $"ref d{layer.Number}", m, $"ref {update}" }).Concat(layer.FeedsFromInput ? next : new string[0]).ToArray());
        }
    }
}
