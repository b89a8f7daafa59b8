using System.Globalization;
using System.Text;
using Backprop.Generated.Generator.Helpers;
using Backprop.Generated.Generator.Model;

namespace Backprop.Generated.Generator;

public sealed partial class NetworkGenerator
{
    internal static partial class Emitter
    {
        private const string TrainedParameterBytes = nameof(TrainedParameterBytes);

        /// <summary>Bytes per line of the baked array: 32 decimal literals and commas, at most 128 characters.</summary>
        private const int BytesPerLine = 32;

        /// <summary><c>CreateTrained()</c>, for a network with baked weights (nothing otherwise).</summary>
        private static void EmitCreateTrained(SourceWriter w, NetworkModel n)
        {
            if (n.Spec.Weights is not BakedWeights weights)
            {
                return;
            }

            string type = n.Spec.Target.Name;
            w.Line("/// <summary>");
            w.Line($"/// Creates a network holding the trained weights baked in at compile time from {XmlText(Quote(weights.FileName))}");
            w.Line($"/// ({Count(n.ParameterCount)} parameters, CRC-32 of the file {Hex(weights.Checksum)}). No file or stream I/O: the parameters");
            w.Line("/// are copied from the assembly's read-only data into the new network, which is then independent of them.");
            w.Line("/// </summary>");
            using (w.Block($"public static {type} CreateTrained()"))
            {
                w.Line($"var network = new {type}();");
                w.Line($"global::System.ReadOnlySpan<byte> bytes = {TrainedParameterBytes};");
                w.Line("global::System.Span<float> parameters = network.Parameters;");
                w.Line("// The model format stores floats little-endian: a copy on little-endian hosts, a swap of each float on big-endian ones.");
                w.Line("if (global::System.BitConverter.IsLittleEndian)");
                using (w.Open())
                {
                    w.Line($"bytes.CopyTo({Marshal}.AsBytes(parameters));");
                }
                w.Line("else");
                using (w.Open())
                {
                    using (w.Block("for (int i = 0; i < parameters.Length; i++)"))
                    {
                        w.Line("parameters[i] = global::System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(4 * i, 4));");
                    }
                }
                w.Line("return network;");
            }
            w.Line();
        }

        /// <summary>The baked parameters as RVA data, for a network with baked weights (nothing otherwise).</summary>
        private static void EmitTrainedParameterBytes(SourceWriter w, NetworkModel n)
        {
            if (n.Spec.Weights is not BakedWeights weights)
            {
                return;
            }

            // The kernels before this end with a blank line.
            EquatableArray<byte> bytes = weights.Parameters;
            w.Line($"// The {Count(n.ParameterCount)} trained parameters of {Quote(weights.FileName)}, float32 little-endian in the Parameters layout");
            w.Line("// (4 bytes each). A ReadOnlySpan<byte> over a constant byte array: the compiler stores the bytes in the");
            w.Line("// assembly's read-only data section (RVA static data), so reading them allocates nothing and runs no initializer.");
            w.Line($"private static global::System.ReadOnlySpan<byte> {TrainedParameterBytes} => new byte[]");
            using (w.Open("};"))
            {
                var line = new StringBuilder(BytesPerLine * 5);
                for (int start = 0; start < bytes.Count; start += BytesPerLine)
                {
                    line.Clear();
                    int end = System.Math.Min(start + BytesPerLine, bytes.Count);
                    for (int i = start; i < end; i++)
                    {
                        line.Append(bytes[i].ToString(CultureInfo.InvariantCulture)).Append(',');
                    }
                    w.Line(line.ToString());
                }
            }
        }

        /// <summary>A file name in double quotes, for comments.</summary>
        private static string Quote(string fileName) => "\"" + fileName.Replace("\r", " ").Replace("\n", " ") + "\"";

        /// <summary>Text escaped for an XML doc comment.</summary>
        private static string XmlText(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

        private static string Hex(uint value) => "0x" + value.ToString("X8", CultureInfo.InvariantCulture);
    }
}
