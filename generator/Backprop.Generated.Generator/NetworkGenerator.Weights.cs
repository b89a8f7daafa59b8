using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using Backprop.Generated.Generator.Helpers;
using Backprop.Generated.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Backprop.Generated.Generator;

public sealed partial class NetworkGenerator
{
    /// <summary>
    /// Baked weights: finds the AdditionalFiles item a network names in <c>Weights = "..."</c>, reads and
    /// checks the model in it, and binds it to the network's spec. Never throws on a bad file: every
    /// problem becomes a diagnostic on the attribute and skips only that network.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Why the file is base64 text and not the binary <c>.bpnet</c> itself: a generator sees an
    /// AdditionalFiles item only through <see cref="AdditionalText.GetText"/>, which decodes the bytes as
    /// text. The compiler decodes strict UTF-8 first and otherwise the ANSI code page, and rejects text
    /// with two NULs in a row as binary: for a model (whose int32 sizes always hold zero bytes) GetText
    /// returns null and the build fails with CS2015 "is a binary file instead of a text file" (tried with
    /// the .NET 10 SDK). No decoding Roslyn promises is lossless for arbitrary bytes, and reading the
    /// path with System.IO is banned in generators (RS1035: no I/O the compiler does not track, and
    /// none in the IDE's in-memory edits). Base64 is ASCII, which every decoding reads exactly, so the
    /// model reaches the generator as the exact bytes of the model file (format v2 or v1), CRC-32 included, and the IDE sees an
    /// edit of the file like any other. A <c>.bpnet</c> named in Weights is never read (that alone would
    /// fail the build with CS2015); it gets BPG018, which says how to make the text form.
    /// </para>
    /// </remarks>
    internal static class Weights
    {
        /// <summary>The extension of the binary model files NetworkSerializer.Save writes.</summary>
        private const string BinaryExtension = ".bpnet";

        /// <summary>The newest model format version this generator reads (NetworkSerializer.FormatVersion).</summary>
        private const int FormatVersion = 2;

        /// <summary>The oldest model format version this generator reads.</summary>
        private const int MinFormatVersion = 1;

        /// <summary>The bytes of a model's header up to and including the layer count.</summary>
        private const int FixedHeaderLength = 16;

        private const byte Float32 = 1;

        private const int MinLayers = 2;

        private const int MaxLayers = 32;

        /// <summary>The magic of a model file: ASCII "BPGNET", CR, LF.</summary>
        private static readonly byte[] s_magic = { 0x42, 0x50, 0x47, 0x4E, 0x45, 0x54, 0x0D, 0x0A };

        /// <summary>
        /// Whether the AdditionalFiles item at <paramref name="path"/> is the one named
        /// <paramref name="fileName"/>: the same path, or a path ending in '/' + it (a file name or a path
        /// suffix; '\' and '/' alike, case ignored, a leading "./" dropped).
        /// </summary>
        public static bool Matches(string path, string fileName)
        {
            string name = fileName.Replace('\\', '/');
            while (name.StartsWith("./", StringComparison.Ordinal))
            {
                name = name.Substring(2);
            }
            if (name.Length == 0)
            {
                return false;
            }

            string candidate = path.Replace('\\', '/');
            return candidate.Equals(name, StringComparison.OrdinalIgnoreCase)
                || (candidate.Length > name.Length
                    && candidate.EndsWith(name, StringComparison.OrdinalIgnoreCase)
                    && candidate[candidate.Length - name.Length - 1] == '/');
        }

        /// <summary>Reads and checks one weights file. Only files some network names get here.</summary>
        public static WeightsFile Read(AdditionalText file, CancellationToken cancellationToken)
        {
            if (file.Path.EndsWith(BinaryExtension, StringComparison.OrdinalIgnoreCase))
            {
                return Fail(file.Path, DiagnosticDescriptors.WeightsFileMustBeText, "is a binary model file (.bpnet)");
            }

            SourceText? text = file.GetText(cancellationToken);
            if (text is null)
            {
                return Fail(file.Path, DiagnosticDescriptors.WeightsFileMustBeText, "could not be read as text (the compiler takes it for a binary file)");
            }

            byte[]? bytes = DecodeBase64(text.ToString(), out string? problem);
            if (bytes is null)
            {
                return Fail(file.Path, DiagnosticDescriptors.WeightsFileCorrupt, problem!);
            }
            return Parse(file.Path, bytes, cancellationToken);
        }

        /// <summary>
        /// Attaches the weights a parsed network asks for to its spec, or replaces the spec by the
        /// diagnostic that explains why they cannot be baked in.
        /// </summary>
        public static ParseResult Bind(ParseResult result, ImmutableArray<WeightsFile> files)
        {
            if (result.Weights is not WeightsRequest request || result.Spec is not NetworkSpec spec)
            {
                return result;
            }

            string network = spec.Target.Name;
            string fileName = request.FileName;
            List<WeightsFile> matches = files
                .Where(file => Matches(file.Path, fileName))
                .GroupBy(file => file.Path, StringComparer.Ordinal)
                .Select(group => group.First())
                .OrderBy(file => file.Path, StringComparer.Ordinal)
                .ToList();

            ParseResult Failed(DiagnosticDescriptor descriptor, params string[] arguments)
            {
                var all = new List<DiagnosticInfo>(result.Diagnostics)
                {
                    new(descriptor.Id, request.Location, new EquatableArray<string>(new[] { network, fileName }.Concat(arguments).ToArray())),
                };
                return new ParseResult(null, new EquatableArray<DiagnosticInfo>(all), request);
            }

            if (matches.Count == 0)
            {
                string hint = fileName.EndsWith(BinaryExtension, StringComparison.OrdinalIgnoreCase)
                    ? "; a .bpnet model is binary, which compilers cannot pass to generators: bake its base64 text form (written by NetworkSerializer.SaveBase64), such as Weights = \"" + fileName + ".b64\""
                    : "";
                return Failed(DiagnosticDescriptors.WeightsFileNotFound, hint);
            }
            if (matches.Count > 1)
            {
                return Failed(DiagnosticDescriptors.WeightsFileAmbiguous, Count(matches.Count),
                    string.Join(", ", matches.Select(file => "'" + file.Path + "'")));
            }

            WeightsFile match = matches[0];
            if (match.Problem is WeightsProblem problem)
            {
                return Failed(DiagnosticDescriptors.ById(problem.DiagnosticId), problem.Arguments.ToArray());
            }

            WeightsModel model = match.Model!;
            bool sameFunctions = model.Activations == spec.Activations && model.Cost == spec.Cost;
            if (model.Layers != spec.Layers || !sameFunctions)
            {
                return Failed(DiagnosticDescriptors.WeightsShapeMismatch,
                    "a " + Describe(model.Layers, model.Activations, model.Cost, sameFunctions, " network"),
                    Describe(spec.Layers, spec.Activations, spec.Cost, sameFunctions, ""));
            }

            var baked = new BakedWeights(fileName, model.Parameters, model.Checksum);
            return new ParseResult(spec with { Weights = baked }, result.Diagnostics, request);
        }

        /// <summary>
        /// The bytes of base64 text, whitespace anywhere ignored; null and a reason when it is not base64.
        /// </summary>
        internal static byte[]? DecodeBase64(string text, out string? problem)
        {
            var chars = new char[text.Length];
            int count = 0, line = 1, column = 0, padding = 0;
            foreach (char c in text)
            {
                column++;
                if (c == '\n')
                {
                    line++;
                    column = 0;
                    continue;
                }
                if (c is ' ' or '\t' or '\r' or '\uFEFF')
                {
                    continue;
                }

                bool isBase64 = c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '+' or '/';
                if (c == '=' && padding < 2)
                {
                    padding++;
                }
                else if (!isBase64 || padding > 0)
                {
                    problem = string.Format(CultureInfo.InvariantCulture,
                        "it is not base64 text: line {0}, column {1} holds {2}", line, column, DescribeChar(c));
                    return null;
                }
                chars[count++] = c;
            }

            if (count == 0)
            {
                problem = "it is empty";
                return null;
            }
            if (count % 4 != 0)
            {
                problem = string.Format(CultureInfo.InvariantCulture,
                    "its base64 text has {0} characters, which is not a multiple of 4 (the text is cut short or has characters missing)", count);
                return null;
            }

            try
            {
                problem = null;
                return Convert.FromBase64CharArray(chars, 0, count);
            }
            catch (FormatException e)
            {
                // Not expected after the checks above; a generator must not throw, whatever the file holds.
                problem = "it is not base64 text: " + e.Message;
                return null;
            }
        }

        /// <summary>
        /// Checks a model file of format version 2 or 1 in the order NetworkSerializer loads it and keeps what baking
        /// needs. The layouts are documented on NetworkSerializer: version 2 has reserved bytes at 11 and 12, the cost
        /// at 13, and after the layer sizes one activation byte per weight layer padded with zeros to a multiple of 4;
        /// version 1 has the hidden activation at 11, the output activation at 12, the cost at 13 and no activation
        /// bytes after the sizes.
        /// </summary>
        private static WeightsFile Parse(string path, byte[] bytes, CancellationToken cancellationToken)
        {
            WeightsFile Corrupt(string format, params object[] arguments) =>
                Fail(path, DiagnosticDescriptors.WeightsFileCorrupt, string.Format(CultureInfo.InvariantCulture, format, arguments));

            int length = bytes.Length;
            if (length < s_magic.Length || !bytes.Take(s_magic.Length).SequenceEqual(s_magic))
            {
                return Corrupt("it does not start with the model magic 42 50 47 4E 45 54 0D 0A (\"BPGNET\\r\\n\") but with {0}",
                    Hex(bytes, Math.Min(length, s_magic.Length)));
            }
            if (length < 10)
            {
                return Corrupt("it is truncated: it ends after {0} bytes, inside its header", length);
            }

            int version = bytes[8] | (bytes[9] << 8);
            if (version is < MinFormatVersion or > FormatVersion)
            {
                string hint = version > FormatVersion
                    ? " (it was written by a newer Backprop.Generated): update the Backprop.Generated package, or save the model with the version this project uses"
                    : ", and no version below 1 exists: the file is damaged; save the model again with NetworkSerializer.SaveBase64";
                return Fail(path, DiagnosticDescriptors.WeightsFormatVersionUnsupported, Count(version), hint);
            }
            if (length < FixedHeaderLength)
            {
                return Corrupt("it is truncated: it ends after {0} bytes, inside its header", length);
            }
            if (bytes[10] != Float32)
            {
                return Corrupt("it stores its parameters as element type {0}, but the only element type is 1 (float32)", bytes[10]);
            }
            if (version == 1)
            {
                if (!IsKnown(bytes[11]) || !IsKnown(bytes[12]))
                {
                    return Corrupt("its activations are {0} (hidden) and {1} (output), but the activations are {2}",
                        bytes[11], bytes[12], Known<Activation>());
                }
            }
            else if (bytes[11] != 0 || bytes[12] != 0)
            {
                return Corrupt("its reserved header bytes 11 and 12 are {0:X2} {1:X2}, but format version {2} leaves them zero",
                    bytes[11], bytes[12], version);
            }
            if (!Model.Functions.IsDefined((Cost)bytes[13]))
            {
                return Corrupt("its cost is {0}, but the costs are {1}", bytes[13], Known<Cost>());
            }
            var cost = (Cost)bytes[13];

            int layerCount = bytes[14] | (bytes[15] << 8);
            if (layerCount is < MinLayers or > MaxLayers)
            {
                return Corrupt("it has {0} layers, but a model has {1} to {2}", layerCount, MinLayers, MaxLayers);
            }
            int activationBytes = version == 1 ? 0 : ActivationBytes(layerCount);
            int activationStart = FixedHeaderLength + 4 * layerCount;
            int headerLength = activationStart + activationBytes + 8;
            if (length < headerLength)
            {
                return Corrupt("it is truncated: it ends after {0} bytes, inside its header of {1}", length, headerLength);
            }

            var activations = new Activation[layerCount - 1];
            for (int l = 0; l < activations.Length; l++)
            {
                if (version == 1)
                {
                    activations[l] = (Activation)(l == activations.Length - 1 ? bytes[12] : bytes[11]);
                    continue;
                }
                byte stored = bytes[activationStart + l];
                if (!IsKnown(stored))
                {
                    return Corrupt("its layer {0} has the activation {1}, but the activations are {2}", l + 2, stored, Known<Activation>());
                }
                activations[l] = (Activation)stored;
            }
            for (int i = activations.Length; i < activationBytes; i++)
            {
                if (bytes[activationStart + i] != 0)
                {
                    return Corrupt("its padding byte {0} after the activations is {1:X2}, but padding is zero",
                        activationStart + i, bytes[activationStart + i]);
                }
            }
            if (Contradiction(activations, cost) is string contradiction)
            {
                return version == 1
                    ? Corrupt("its activations are {0} (hidden) and {1} (output) with the cost {2} ({3}), which no network has: {4}",
                        bytes[11], bytes[12], bytes[13], Functions(activations, cost), contradiction)
                    : Corrupt("its {0} are a combination no network has: {1}", Functions(activations, cost), contradiction);
            }

            var sizes = new int[layerCount];
            long implied = 0;
            for (int l = 0; l < layerCount; l++)
            {
                sizes[l] = ReadInt32(bytes, FixedHeaderLength + 4 * l);
                if (sizes[l] < 1)
                {
                    return Corrupt("its layer {0} has size {1}, but every layer has at least one neuron", l + 1, sizes[l]);
                }
                if (l > 0)
                {
                    implied += (long)sizes[l - 1] * sizes[l] + sizes[l];
                    if (implied > int.MaxValue)
                    {
                        return Corrupt("its layer sizes {0} imply more parameters than a network can hold ({1})",
                            string.Join("-", sizes.Take(l + 1)), int.MaxValue);
                    }
                }
            }

            int countOffset = activationStart + activationBytes;
            long parameterCount = (uint)ReadInt32(bytes, countOffset) | ((long)ReadInt32(bytes, countOffset + 4) << 32);
            if (parameterCount != implied)
            {
                return Corrupt("its header announces {0} parameters, but its layer sizes {1} imply {2}",
                    parameterCount, string.Join("-", sizes), implied);
            }

            long expected = headerLength + 4 * parameterCount + 4;
            if (length < expected)
            {
                return Corrupt("it is truncated: it has {0} bytes, but its header implies {1}", length, expected);
            }
            if (length > expected && !IsTrainingState(bytes, (int)expected))
            {
                return Corrupt("{0} bytes follow its checksum (it should end after {1})", length - expected, expected);
            }

            // A training checkpoint (TrainingSession.SaveCheckpoint) is the model followed by its training state, which
            // baking has no use for: the model's own checksum covers what is baked.
            cancellationToken.ThrowIfCancellationRequested();
            uint stored32 = (uint)ReadInt32(bytes, (int)expected - 4);
            uint computed = Crc32.Compute(bytes, (int)expected - 4);
            if (stored32 != computed)
            {
                return Corrupt("its stored CRC-32 is {0:X8} but its content's is {1:X8}, so the file was damaged or edited", stored32, computed);
            }

            if (parameterCount > Limits.MaxBakedParameters)
            {
                return Fail(path, DiagnosticDescriptors.WeightsTooLargeToBake, Count(parameterCount), Count(Limits.MaxBakedParameters));
            }

            var parameters = new byte[4 * parameterCount];
            Array.Copy(bytes, headerLength, parameters, 0, parameters.Length);
            var model = new WeightsModel(
                new EquatableArray<int>(sizes),
                new EquatableArray<Activation>(activations),
                cost,
                new EquatableArray<byte>(parameters),
                stored32);
            return new WeightsFile(path, model, null);
        }

        /// <summary>
        /// Whether the bytes from <paramref name="start"/> to the end are exactly one training-state section: the magic
        /// "BPGSTATE", a 16-byte header whose int64 at offset 16 is the payload's length, the payload and a CRC-32.
        /// </summary>
        private static bool IsTrainingState(byte[] bytes, int start)
        {
            if (bytes.Length - start < 28 || !bytes.Skip(start).Take(s_stateMagic.Length).SequenceEqual(s_stateMagic))
            {
                return false;
            }
            long payload = (uint)ReadInt32(bytes, start + 16) | ((long)ReadInt32(bytes, start + 20) << 32);
            return payload >= 0 && start + 24 + payload + 4 == bytes.Length;
        }

        /// <summary>The magic of a checkpoint's training-state section: ASCII "BPGSTATE".</summary>
        private static readonly byte[] s_stateMagic = { 0x42, 0x50, 0x47, 0x53, 0x54, 0x41, 0x54, 0x45 };

        /// <summary>The activation bytes of a version 2 header, padding included: L − 1 rounded up to a multiple of 4.</summary>
        private static int ActivationBytes(int layerCount) => (layerCount - 1 + 3) & ~3;

        private static bool IsKnown(byte activation) => Model.Functions.IsDefined((Activation)activation);

        /// <summary>
        /// Why no network has <paramref name="activations"/> and <paramref name="cost"/>, or null when one can (the
        /// rules of BPG024 to BPG026): softmax on the output only, cross-entropy with a sigmoid output only,
        /// log-likelihood with a softmax output only.
        /// </summary>
        private static string? Contradiction(Activation[] activations, Cost cost)
        {
            for (int l = 0; l < activations.Length - 1; l++)
            {
                ActivationFunction hidden = Model.Functions.Of(activations[l]);
                if (!hidden.AllowedInHiddenLayer)
                {
                    return string.Format(CultureInfo.InvariantCulture, "{0} is an output activation only, and layer {1} is hidden", hidden.Prose, l + 2);
                }
            }
            Activation output = activations[activations.Length - 1];
            CostFunction function = Model.Functions.Of(cost);
            return function.Accepts(output)
                ? null
                : $"{function.Prose} needs a {Model.Functions.Of(function.RequiredOutput!.Value).Prose} output, not {output}";
        }

        /// <summary>Every value of an enum with its name, as NetworkSerializer lists them: "1 (Sigmoid), 2 (Tanh), ...".</summary>
        private static string Known<TEnum>() where TEnum : struct, Enum =>
            string.Join(", ", Enum.GetValues(typeof(TEnum)).Cast<TEnum>()
                .Select(value => string.Format(CultureInfo.InvariantCulture, "{0} ({1})", Convert.ToInt32(value, CultureInfo.InvariantCulture), value)));

        private static WeightsFile Fail(string path, DiagnosticDescriptor descriptor, params string[] arguments) =>
            new(path, null, new WeightsProblem(descriptor.Id, new EquatableArray<string>(arguments)));

        /// <summary>
        /// "784-30-10" and <paramref name="noun"/>, with the functions when they are what differs:
        /// "784-30-10 network with activations Sigmoid, Sigmoid and cost CrossEntropy".
        /// </summary>
        private static string Describe(EquatableArray<int> layers, EquatableArray<Activation> activations, Cost cost, bool sameFunctions, string noun)
        {
            string shape = string.Join("-", layers.Select(size => size.ToString(CultureInfo.InvariantCulture))) + noun;
            return sameFunctions ? shape : shape + " with " + Functions(activations, cost);
        }

        /// <summary>"activations ReLU, Softmax and cost LogLikelihood", as NetworkSerializer names them.</summary>
        private static string Functions(IEnumerable<Activation> activations, Cost cost) =>
            "activations " + string.Join(", ", activations) + " and cost " + cost;

        private static int ReadInt32(byte[] bytes, int offset) =>
            bytes[offset] | (bytes[offset + 1] << 8) | (bytes[offset + 2] << 16) | (bytes[offset + 3] << 24);

        private static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

        private static string Hex(byte[] bytes, int count)
        {
            if (count == 0)
            {
                return "nothing (it is empty)";
            }
            var text = new StringBuilder();
            for (int i = 0; i < count; i++)
            {
                text.Append(i == 0 ? "" : " ").Append(bytes[i].ToString("X2", CultureInfo.InvariantCulture));
            }
            return text.ToString();
        }

        private static string DescribeChar(char c) =>
            c < ' ' || c > '~'
                ? string.Format(CultureInfo.InvariantCulture, "the character U+{0:X4}", (int)c)
                : string.Format(CultureInfo.InvariantCulture, "'{0}'", c);
    }
}
