using System.Collections.Generic;
using System.Linq;
using Backprop.Generated.Generator.Helpers;
using Backprop.Generated.Generator.Model;

namespace Backprop.Generated.Generator;

public sealed partial class NetworkGenerator
{
    internal static partial class Emitter
    {
        // Building blocks of the blocked kernels that every layer kind shares: how a row splits into vectors (ChunkPlan), the
        // mask of an overlapping last vector, loops over blocks of rows and of column vectors, balanced sums.

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
