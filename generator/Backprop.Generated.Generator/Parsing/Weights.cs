using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using Backprop.Generated.Generator.Helpers;
using Backprop.Generated.Generator.Model;
using Backprop.Generated.Generator.Shared;
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

            byte[]? bytes = ModelText.Decode(text.ToString(), out string? problem);
            if (bytes is null)
            {
                return Fail(file.Path, DiagnosticDescriptors.WeightsFileCorrupt, "it " + problem);
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
            if (model.Input != spec.Input || model.Layers != spec.Layers || model.Cost != spec.Cost)
            {
                // The file's header was checked when it was read: its layers make a network.
                NetworkArchitecture stored = NetworkArchitecture.Create(model.Input, model.Layers, model.Cost);
                NetworkArchitecture wanted = spec.Architecture;
                bool sameFunctions = stored.Functions == wanted.Functions;
                bool byShape = stored.IsDenseChain && wanted.IsDenseChain;
                string Describe(NetworkArchitecture network) => byShape ? network.Shape : "of the layers " + string.Join(", ", network.Layers);
                return Failed(DiagnosticDescriptors.WeightsShapeMismatch,
                    "a " + (byShape ? stored.Shape + " network" : "network " + Describe(stored)) + (sameFunctions ? "" : " with " + stored.Functions),
                    Describe(wanted) + (sameFunctions ? "" : " with " + wanted.Functions));
            }

            var baked = new BakedWeights(fileName, model.Parameters, model.Checksum);
            return new ParseResult(spec with { Weights = baked }, result.Diagnostics, request);
        }

        /// <summary>
        /// Reads a model file (format version 1, 2 or 3) with the runtime's own reader (<see cref="ModelFile"/>, shared): the
        /// same checks in the same order, reported in the same words as NetworkSerializer reports them; a checkpoint's
        /// training state after the model is allowed (and not baked).
        /// </summary>
        private static WeightsFile Parse(string path, byte[] bytes, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (ModelFile.Read(bytes, Crc32.Compute, out ModelHeader? header) is { } problem)
            {
                return problem.Error == ModelFormatError.UnsupportedVersion
                    ? Fail(path, DiagnosticDescriptors.WeightsFormatVersionUnsupported, Count(bytes[8] | (bytes[9] << 8)), VersionHint(bytes[8] | (bytes[9] << 8)))
                    : Fail(path, DiagnosticDescriptors.WeightsFileCorrupt, "it " + TrimPeriod(problem.Message));
            }
            long end = header!.ModelLength;
            if (end < bytes.Length && !ModelFile.IsStateSection(bytes.AsSpan((int)end)))
            {
                return Fail(path, DiagnosticDescriptors.WeightsFileCorrupt, "it " + TrimPeriod(ModelFile.TrailingData(bytes.Length - end, atLeast: false).Message));
            }
            if (header.ParameterCount > NetworkLimits.MaxBakedParameters)
            {
                return Fail(path, DiagnosticDescriptors.WeightsTooLargeToBake, Count(header.ParameterCount), Count(NetworkLimits.MaxBakedParameters));
            }

            var parameters = new byte[4 * header.ParameterCount];
            Array.Copy(bytes, header.Length, parameters, 0, parameters.Length);
            NetworkArchitecture architecture = header.Architecture;
            var model = new WeightsModel(
                architecture.Input,
                new EquatableArray<LayerInfo>(architecture.Layers),
                architecture.Cost,
                new EquatableArray<byte>(parameters),
                (uint)ReadInt32(bytes, (int)end - 4));
            return new WeightsFile(path, model, null);
        }

        /// <summary>What to do about a file of another format version.</summary>
        private static string VersionHint(int version) => version > ModelFile.FormatVersion
            ? " (it was written by a newer Backprop.Generated): update the Backprop.Generated package, or save the model with the version this project uses"
            : ", and no version below 1 exists: the file is damaged; save the model again with NetworkSerializer.SaveBase64";

        private static string TrimPeriod(string message) => message.EndsWith(".", StringComparison.Ordinal) ? message.Substring(0, message.Length - 1) : message;

        private static WeightsFile Fail(string path, DiagnosticDescriptor descriptor, params string[] arguments) =>
            new(path, null, new WeightsProblem(descriptor.Id, new EquatableArray<string>(arguments)));

        private static int ReadInt32(byte[] bytes, int offset) =>
            bytes[offset] | (bytes[offset + 1] << 8) | (bytes[offset + 2] << 16) | (bytes[offset + 3] << 24);

        private static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
    }
}
