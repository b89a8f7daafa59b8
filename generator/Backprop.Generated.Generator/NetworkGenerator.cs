using System;
using System.Collections.Immutable;
using System.Linq;
using Backprop.Generated.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Backprop.Generated.Generator;

/// <summary>
/// Turns every <c>[Backprop.Network(...)]</c> partial class into a network specialised to its
/// layer sizes. Parse (symbols to an equatable <see cref="NetworkSpec"/>) and emit (spec to text)
/// live in the other parts of this class; this part is only the pipeline.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class NetworkGenerator : IIncrementalGenerator
{
    /// <summary>The attribute's metadata name. The generator never references the runtime assembly.</summary>
    internal const string NetworkAttributeName = "Backprop.NetworkAttribute";

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // 1. Find classes (and records, to report them) carrying [Network] and reduce each to a ParseResult of plain values;
        //    nothing downstream holds a symbol, syntax node or compilation.
        IncrementalValuesProvider<ParseResult> results = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                NetworkAttributeName,
                predicate: static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                transform: static (context, cancellationToken) => Parser.Parse(context, cancellationToken))
            .WithTrackingName(TrackingNames.Parse);

        // 1a. Baked weights. The names networks give in Weights = "...", as one small equatable value: an edit
        //     that leaves them equal runs nothing below.
        IncrementalValueProvider<Helpers.EquatableArray<string>> weightsFileNames = results
            .Select(static (result, _) => result.Weights?.FileName)
            .Collect()
            .Select(static (names, _) => new Helpers.EquatableArray<string>(
                names.OfType<string>().Distinct(StringComparer.Ordinal).OrderBy(name => name, StringComparer.Ordinal)))
            .WithTrackingName(TrackingNames.WeightsFileNames);

        // 1b. Read and check only the AdditionalFiles those names match, one step per file. Picking the files
        //     yields the same AdditionalText objects while they are unedited, so a file is read again only
        //     when its own text changes (and never a .bpnet: see Weights for why the model is base64 text).
        IncrementalValuesProvider<WeightsFile> weightsFiles = weightsFileNames
            .Combine(context.AdditionalTextsProvider.Collect())
            .SelectMany(static (pair, _) => pair.Right.Where(file => pair.Left.Any(name => Weights.Matches(file.Path, name))))
            .Select(static (file, cancellationToken) => Weights.Read(file, cancellationToken))
            .WithTrackingName(TrackingNames.WeightsFiles);

        // 1c. Attach each network's weights to its spec, or replace the spec by a diagnostic on the attribute.
        //     A network without Weights passes through as it came.
        IncrementalValuesProvider<ParseResult> bound = results
            .Combine(weightsFiles.Collect())
            .Select(static (pair, _) => Weights.Bind(pair.Left, pair.Right))
            .WithTrackingName(TrackingNames.BindWeights);

        // 2. The specs that parsed: an unrelated edit leaves them equal, so emission is skipped.
        IncrementalValuesProvider<NetworkSpec> specs = bound
            .Select(static (result, _) => result.Spec!)
            .Where(static spec => spec is not null)
            .WithTrackingName(TrackingNames.Specs);

        // 3. Emit one file per network.
        context.RegisterSourceOutput(specs, static (context, spec) =>
            context.AddSource(spec.HintName, Emitter.Emit(spec)));

        // 4. Report diagnostics separately, so that a spec's output stays cached when only a
        //    diagnostic's location moves.
        IncrementalValuesProvider<Helpers.EquatableArray<DiagnosticInfo>> diagnostics = bound
            .Select(static (result, _) => result.Diagnostics)
            .WithTrackingName(TrackingNames.Diagnostics);

        context.RegisterSourceOutput(diagnostics, static (context, diagnostics) =>
        {
            foreach (DiagnosticInfo info in diagnostics)
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.ById(info.Id),
                    info.Location?.ToLocation() ?? Location.None,
                    ToArguments(info)));
            }
        });

        // 5. Layer attributes on a type without [Network]: one diagnostic, on the first of them.
        foreach (string name in LayerAttributeNames)
        {
            IncrementalValuesProvider<DiagnosticInfo?> orphans = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    name,
                    predicate: static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                    transform: static (context, cancellationToken) => Parser.OrphanLayerAttribute(context, cancellationToken))
                .Where(static info => info is not null);
            context.RegisterSourceOutput(orphans, static (context, info) =>
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.ById(info!.Id),
                    info.Location?.ToLocation() ?? Location.None,
                    ToArguments(info))));
        }
    }

    private static object[] ToArguments(DiagnosticInfo info)
    {
        var arguments = ImmutableArray.CreateBuilder<object>(info.Arguments.Count);
        foreach (string argument in info.Arguments)
        {
            arguments.Add(argument);
        }
        return arguments.ToArray();
    }
}
