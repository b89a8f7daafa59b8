using System;
using System.Collections.Generic;
using System.Linq;
using Backprop.Generated.Generator.Helpers;

namespace Backprop.Generated.Generator;

public sealed partial class NetworkGenerator
{
    internal static partial class Emitter
    {
        /// <summary>A parameter of a generated kernel: its type as written (<c>ref float</c>) and its name.</summary>
        private readonly record struct KernelParameter(string Type, string Name)
        {
            /// <summary>How the parameter is passed on unchanged: <c>ref p</c>, <c>m</c>.</summary>
            public string PassedOn => Type.StartsWith("ref ", StringComparison.Ordinal) ? "ref " + Name : Name;
        }

        /// <summary>
        /// A kernel's signature, written once: it writes the declaration of each width's kernel, the dispatcher that calls the
        /// widest one, and every call of the dispatcher, so that the three can never disagree.
        /// </summary>
        /// <param name="Name">The dispatcher's name, e.g. <c>Layer2Forward</c>; each width's kernel adds its suffix (<c>Layer2ForwardV512</c>).</param>
        /// <param name="Parameters">The parameters, in order.</param>
        /// <param name="GenericOverUpdate">Whether the kernel takes the update to apply as a type argument (<c>TUpdate</c>).</param>
        private sealed record KernelSignature(string Name, IReadOnlyList<KernelParameter> Parameters, bool GenericOverUpdate = false)
        {
            private string TypeParameters => GenericOverUpdate ? "<TUpdate>" : string.Empty;

            private string Constraint => GenericOverUpdate ? UpdateConstraint : string.Empty;

            /// <summary>The declaration of the kernel with <paramref name="suffix"/>: <c>private static void Layer2ForwardV512(ref float p, …)</c>.</summary>
            public string Declaration(string suffix) =>
                $"private static void {Name}{suffix}{TypeParameters}({string.Join(", ", Parameters.Select(p => p.Type + " " + p.Name))}){Constraint}";

            /// <summary>The statement by which the dispatcher passes its own parameters on to the kernel with <paramref name="suffix"/>.</summary>
            public string PassOn(string suffix) => $"{Name}{suffix}({string.Join(", ", Parameters.Select(p => p.PassedOn))});";

            /// <summary>A call of the dispatcher with one argument expression per parameter, in order (<c>ref a2</c>, <c>m</c>).</summary>
            /// <exception cref="ArgumentException">Not one argument per parameter: a bug in the emitter.</exception>
            public string Call(params string[] arguments) => CallKernel(string.Empty, arguments);

            /// <summary>A call of the kernel with <paramref name="suffix"/> (the dispatcher: none), one argument expression per parameter.</summary>
            /// <exception cref="ArgumentException">Not one argument per parameter: a bug in the emitter.</exception>
            public string CallKernel(string suffix, params string[] arguments)
            {
                if (arguments.Length != Parameters.Count)
                {
                    throw new ArgumentException($"{Name} takes {Parameters.Count} arguments ({string.Join(", ", Parameters.Select(p => p.Name))}), not {arguments.Length}.", nameof(arguments));
                }
                return $"{Name}{suffix}({string.Join(", ", arguments)});";
            }

            /// <summary>
            /// The dispatcher: calls the kernel of the widest vectors the hardware accelerates and that fit
            /// <paramref name="count"/> floats (IsHardwareAccelerated is a JIT-time constant: one call remains).
            /// </summary>
            public void EmitDispatch(SourceWriter w, int count, string summary)
            {
                w.Line($"/// <summary>{summary} Calls the kernel of the widest vectors the hardware accelerates (JIT-time constants: one call remains).</summary>");
                w.Line(Inline);
                using (w.Block(Declaration(string.Empty)))
                {
                    string keyword = "if";
                    foreach (Isa tier in Isa.Vectors)
                    {
                        w.Line($"{keyword} ({tier.Vector}.IsHardwareAccelerated) {PassOn(tier.For(count).Suffix)}");
                        keyword = "else if";
                    }
                    w.Line($"else {PassOn(Isa.Scalar.Suffix)}");
                }
                w.Line();
            }
        }
    }
}
