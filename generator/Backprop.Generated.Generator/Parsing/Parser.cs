using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using Backprop.Generated.Generator.Helpers;
using Backprop.Generated.Generator.Model;
using Backprop.Generated.Generator.Shared;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Backprop.Generated.Generator;

public sealed partial class NetworkGenerator
{
    /// <summary>
    /// Reads one attributed class into a <see cref="NetworkSpec"/> and its diagnostics. Never throws
    /// on malformed code: anything it cannot read becomes a diagnostic.
    /// </summary>
    internal static partial class Parser
    {
        public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            if (context.TargetSymbol is not INamedTypeSymbol type
                || context.TargetNode is not TypeDeclarationSyntax syntax
                || !IsFirstNetworkAttribute(type, syntax, cancellationToken))
            {
                return new ParseResult(null, EquatableArray<DiagnosticInfo>.Empty);
            }

            var parse = new ParseContext(type, syntax, context.Attributes.FirstOrDefault(), cancellationToken);
            CheckTypeDeclaration(parse);
            bool emitConstructor = CheckConstructors(parse);
            List<LayerAttribute> layerAttributes = FindLayerAttributes(parse);
            if (layerAttributes.Count > 0)
            {
                return ParseLayers(parse, emitConstructor, layerAttributes);
            }
            int[]? sizes = ReadLayerSizes(parse);
            NamedArguments options = ReadNamedArguments(parse);
            if (options.Weights is not null && sizes is { Length: >= 2 } && Emitter.IsTrainedWeightsMemberName(parse.Name))
            {
                parse.Report(DiagnosticDescriptors.NetworkTypeNameCollidesWithMember, parse.TypeLocation, parse.Name);
            }
            (ActivationKind[]? activations, CostKind cost) = sizes is { Length: >= 2 }
                ? ReadFunctions(sizes.Length, options, parse.Name, parse.AttributeLocation, parse.Report)
                : (null, CostKind.CrossEntropy);
            if (activations is not null && activations[activations.Length - 1] == ActivationKind.Softmax && sizes![sizes.Length - 1] == 1)
            {
                parse.Report(DiagnosticDescriptors.SoftmaxOverOneOutput, parse.AttributeLocation, parse.Name);
            }

            if (parse.HasErrors || sizes is null || activations is null)
            {
                return new ParseResult(null, parse.Diagnostics);
            }

            CodeShape shape = ChooseDenseShape(parse, sizes, options.Unroll);

            // Every rule the shared layer model checks has been reported above, each with its own diagnostic.
            NetworkArchitecture architecture = NetworkArchitecture.Dense(sizes, activations, cost);
            return new ParseResult(CreateSpec(parse, architecture, shape, emitConstructor), parse.Diagnostics, options.Weights);
        }

        /// <summary>The code shape of a chain of dense layers; BPG010 when UnrollMode.Full asks for one too large to unroll.</summary>
        private static CodeShape ChooseDenseShape(ParseContext parse, int[] sizes, UnrollMode unroll)
        {
            CodeShape shape = ChooseShape(sizes, unroll, out long instructions);
            if (unroll == UnrollMode.Full && shape != CodeShape.Unrolled)
            {
                parse.Report(DiagnosticDescriptors.NetworkTooLargeToUnroll, parse.AttributeLocation, parse.Name,
                    instructions.ToString("N0", CultureInfo.InvariantCulture),
                    Limits.MaxUnrolledInstructions.ToString("N0", CultureInfo.InvariantCulture));
            }
            return shape;
        }

        /// <summary>What the emitter needs of a network that parsed: where it lives, its layers and cost, its shape.</summary>
        private static NetworkSpec CreateSpec(ParseContext parse, NetworkArchitecture architecture, CodeShape shape, bool emitConstructor) => new(
            Target: ReadHierarchy(parse.Type),
            Input: architecture.Input,
            Layers: new EquatableArray<LayerInfo>(architecture.Layers),
            Cost: architecture.Cost,
            Shape: shape,
            EmitConstructor: emitConstructor,
            HintName: HintName(parse.Type));

        /// <summary>One attributed class being parsed: where to report, and what has been reported.</summary>
        private sealed class ParseContext
        {
            private readonly List<DiagnosticInfo> _diagnostics = new();

            public ParseContext(INamedTypeSymbol type, TypeDeclarationSyntax syntax, AttributeData? attribute, CancellationToken cancellationToken)
            {
                Type = type;
                Syntax = syntax;
                Attribute = attribute;
                CancellationToken = cancellationToken;
                TypeLocation = LocationInfo.From(syntax.Identifier.GetLocation());
                AttributeLocation = LocationInfo.From(attribute?.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation()) ?? TypeLocation;
            }

            public INamedTypeSymbol Type { get; }

            public TypeDeclarationSyntax Syntax { get; }

            public AttributeData? Attribute { get; }

            public CancellationToken CancellationToken { get; }

            public string Name => Type.Name;

            /// <summary>The class name: where problems with the type itself are reported.</summary>
            public LocationInfo? TypeLocation { get; }

            /// <summary>The [Network] attribute: where problems with its arguments are reported.</summary>
            public LocationInfo? AttributeLocation { get; }

            public EquatableArray<DiagnosticInfo> Diagnostics => new(_diagnostics);

            public bool HasErrors => _diagnostics.Any(d => DiagnosticDescriptors.ById(d.Id).DefaultSeverity == DiagnosticSeverity.Error);

            public void Report(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments) =>
                _diagnostics.Add(new DiagnosticInfo(descriptor.Id, location, new EquatableArray<string>(arguments)));
        }

        /// <summary>The attribute's named arguments that the parser reads (null: not given).</summary>
        private sealed class NamedArguments
        {
            public int? Hidden { get; set; }

            public int? Output { get; set; }

            public int? Cost { get; set; }

            public int[]? Activations { get; set; }

            public WeightsRequest? Weights { get; set; }

            public UnrollMode Unroll { get; set; } = UnrollMode.Auto;
        }

        /// <summary>The type itself: a partial, non-generic, instantiable class (not a record, not file-local) inside partial types, in C# 11 or later.</summary>
        private static void CheckTypeDeclaration(ParseContext parse)
        {
            INamedTypeSymbol type = parse.Type;
            string name = parse.Name;
            if (type.IsRecord)
            {
                parse.Report(DiagnosticDescriptors.NetworkTypeMustNotBeRecord, parse.TypeLocation, name);
            }
            if (type.IsFileLocal)
            {
                parse.Report(DiagnosticDescriptors.NetworkTypeMustNotBeFileLocal, parse.TypeLocation, name);
            }
            if (parse.Syntax.SyntaxTree.Options is CSharpParseOptions { LanguageVersion: < LanguageVersion.CSharp11 } options)
            {
                parse.Report(DiagnosticDescriptors.NetworkNeedsCSharp11, parse.AttributeLocation, name, options.LanguageVersion.ToDisplayString());
            }
            if (!parse.Syntax.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                parse.Report(DiagnosticDescriptors.NetworkTypeMustBePartial, parse.TypeLocation, name);
            }
            if (type.TypeParameters.Length > 0)
            {
                parse.Report(DiagnosticDescriptors.NetworkTypeMustNotBeGeneric, parse.TypeLocation, name);
            }
            if (type.IsStatic || type.IsAbstract)
            {
                parse.Report(DiagnosticDescriptors.NetworkTypeMustNotBeStaticOrAbstract, parse.TypeLocation, name, type.IsStatic ? "static" : "abstract");
            }
            for (INamedTypeSymbol? container = type.ContainingType; container is not null; container = container.ContainingType)
            {
                if (!IsPartial(container, parse.CancellationToken))
                {
                    parse.Report(DiagnosticDescriptors.ContainingTypeMustBePartial, parse.TypeLocation, name, container.Name);
                }
            }
        }

        /// <summary>
        /// A parameterless constructor the user wrote must be public; a primary constructor needs one. Returns whether to
        /// emit the public parameterless constructor (not when the user wrote one).
        /// </summary>
        private static bool CheckConstructors(ParseContext parse)
        {
            bool emitConstructor = true;
            foreach (IMethodSymbol constructor in parse.Type.InstanceConstructors)
            {
                if (!constructor.IsImplicitlyDeclared && constructor.Parameters.Length == 0)
                {
                    emitConstructor = false;
                    if (constructor.DeclaredAccessibility != Accessibility.Public)
                    {
                        parse.Report(DiagnosticDescriptors.ParameterlessConstructorMustBePublic,
                            LocationInfo.From(constructor.Locations.FirstOrDefault()) ?? parse.TypeLocation, parse.Name);
                    }
                }
            }
            if (emitConstructor && HasPrimaryConstructor(parse.Type, parse.CancellationToken))
            {
                parse.Report(DiagnosticDescriptors.PrimaryConstructorNeedsParameterlessConstructor, parse.TypeLocation, parse.Name);
            }
            return emitConstructor;
        }

        /// <summary>
        /// The layer sizes: int constants, at least two, each at least 1, within the limits, and a class name that is not
        /// one of the members the generator adds. Null when they cannot be read.
        /// </summary>
        private static int[]? ReadLayerSizes(ParseContext parse)
        {
            string name = parse.Name;
            int[]? sizes = parse.Attribute is null ? null : ReadSizes(parse.Attribute);
            if (sizes is null)
            {
                parse.Report(DiagnosticDescriptors.LayerSizesMustBeConstant, parse.AttributeLocation, name);
                return null;
            }
            if (sizes.Length < NetworkLimits.MinLayers)
            {
                parse.Report(DiagnosticDescriptors.NetworkNeedsTwoLayers, parse.AttributeLocation, name, sizes.Length.ToString(CultureInfo.InvariantCulture));
                return sizes;
            }
            for (int i = 0; i < sizes.Length; i++)
            {
                if (sizes[i] < 1)
                {
                    parse.Report(DiagnosticDescriptors.LayerSizeMustBePositive, parse.AttributeLocation, name,
                        (i + 1).ToString(CultureInfo.InvariantCulture), sizes[i].ToString(CultureInfo.InvariantCulture));
                }
            }
            if (sizes.All(size => size >= 1) && TooLarge(sizes) is string reason)
            {
                parse.Report(DiagnosticDescriptors.NetworkTooLarge, parse.AttributeLocation, name, reason,
                    NetworkLimits.MaxLayers.ToString("N0", CultureInfo.InvariantCulture),
                    NetworkLimits.MaxNeurons.ToString("N0", CultureInfo.InvariantCulture),
                    NetworkLimits.MaxParameters.ToString("N0", CultureInfo.InvariantCulture));
            }
            else if (sizes.All(size => size >= 1) && Emitter.IsGeneratedMemberName(name, sizes.Length))
            {
                parse.Report(DiagnosticDescriptors.NetworkTypeNameCollidesWithMember, parse.TypeLocation, name);
            }
            return sizes;
        }

        /// <summary>The named arguments: activations, cost, baked weights and code shape (an undefined UnrollMode is reported).</summary>
        private static NamedArguments ReadNamedArguments(ParseContext parse)
        {
            var options = new NamedArguments();
            if (parse.Attribute is null)
            {
                return options;
            }
            foreach (KeyValuePair<string, TypedConstant> named in parse.Attribute.NamedArguments)
            {
                if (named.Key == "HiddenActivation" && named.Value.Value is int hiddenValue)
                {
                    options.Hidden = hiddenValue;
                }
                else if (named.Key == "OutputActivation" && named.Value.Value is int outputValue)
                {
                    options.Output = outputValue;
                }
                else if (named.Key == "Cost" && named.Value.Value is int costValue)
                {
                    options.Cost = costValue;
                }
                else if (named.Key == "Activations" && named.Value.Kind == TypedConstantKind.Array && !named.Value.IsNull)
                {
                    options.Activations = named.Value.Values.Select(value => value.Value is int kind ? kind : 0).ToArray();
                }
                else if (named.Key == "Weights" && named.Value.Kind == TypedConstantKind.Primitive && named.Value.Value is string file)
                {
                    options.Weights = new WeightsRequest(file, parse.AttributeLocation);
                }
                else if (named.Key == "Unroll" && named.Value.Kind == TypedConstantKind.Enum && named.Value.Value is int value)
                {
                    if (value is >= (int)UnrollMode.Auto and <= (int)UnrollMode.Blocked)
                    {
                        options.Unroll = (UnrollMode)value;
                    }
                    else
                    {
                        parse.Report(DiagnosticDescriptors.UnknownUnrollMode, parse.AttributeLocation, parse.Name, value.ToString(CultureInfo.InvariantCulture));
                    }
                }
            }
            return options;
        }

        /// <summary>
        /// The activation of every layer 2..L and the cost, from the attribute's HiddenActivation, OutputActivation,
        /// Activations and Cost (null: not given); null activations when they are invalid, each problem reported.
        /// </summary>
        private static (ActivationKind[]? Activations, CostKind Cost) ReadFunctions(
            int layers, NamedArguments options, string name, LocationInfo? location,
            System.Action<DiagnosticDescriptor, LocationInfo?, string[]> report)
        {
            int? hidden = options.Hidden, output = options.Output, cost = options.Cost;
            int[]? array = options.Activations;
            string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
            string knownActivations = string.Join(", ", Enumerable.Range(1, 32).Select(v => (ActivationKind)v).Where(FunctionRules.IsDefined));
            bool valid = true;

            // Which layer has which activation: the array, or the shorthand (sigmoid when neither is given).
            var result = new ActivationKind[layers - 1];
            var origins = new string[layers - 1];
            if (array is not null)
            {
                foreach (string? shorthand in new[] { hidden is null ? null : "HiddenActivation", output is null ? null : "OutputActivation" })
                {
                    if (shorthand is not null)
                    {
                        report(DiagnosticDescriptors.ActivationsWithShorthand, location, new[] { name, shorthand });
                        valid = false;
                    }
                }
                if (array.Length != layers - 1)
                {
                    report(DiagnosticDescriptors.ActivationsWrongLength, location, new[] { name, Number(layers), Number(layers - 1), Number(array.Length) });
                    return (null, CostKind.CrossEntropy);
                }
                for (int i = 0; i < array.Length; i++)
                {
                    result[i] = (ActivationKind)array[i];
                    origins[i] = $"Activations[{Number(i)}]";
                }
            }
            else
            {
                for (int i = 0; i < result.Length; i++)
                {
                    bool isOutput = i == result.Length - 1;
                    result[i] = (ActivationKind)((isOutput ? output : hidden) ?? (int)ActivationKind.Sigmoid);
                    origins[i] = isOutput ? "OutputActivation" : "HiddenActivation";
                }
            }

            // Every value defined (reported once per property), and softmax only on the output.
            var reported = new HashSet<string>();
            for (int i = 0; i < result.Length; i++)
            {
                if (!FunctionRules.IsDefined(result[i]))
                {
                    if (reported.Add(origins[i]))
                    {
                        report(DiagnosticDescriptors.UnknownActivation, location, new[] { name, Number((int)result[i]), origins[i], knownActivations });
                    }
                    valid = false;
                }
                else if (i < result.Length - 1 && !FunctionRules.AllowedInHiddenLayer(result[i]))
                {
                    report(DiagnosticDescriptors.SoftmaxOnHiddenLayer, location, new[] { name, Number(i + 2) });
                    valid = false;
                }
            }

            // The cost: given, or the output's natural pair; then whether it fits the output.
            if (ReadCost(result[result.Length - 1], cost, name, location, report) is not CostKind chosen)
            {
                return (null, CostKind.CrossEntropy);
            }
            return (valid && Functions.Of(chosen).Accepts(result[result.Length - 1]) ? result : null, chosen);
        }

        /// <summary>
        /// The cost: <paramref name="cost"/> when given, else the natural pair of the output activation <paramref name="last"/>;
        /// reports a cost that is not a CostKind (then null) and one that does not fit the output (then the cost, which
        /// <see cref="CostFunction.Accepts"/> refuses).
        /// </summary>
        private static CostKind? ReadCost(ActivationKind last, int? cost, string name, LocationInfo? location,
            System.Action<DiagnosticDescriptor, LocationInfo?, string[]> report)
        {
            string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
            if (cost is int given && !FunctionRules.IsDefined((CostKind)given))
            {
                string knownCosts = string.Join(", ", Enumerable.Range(1, 32).Select(v => (CostKind)v).Where(FunctionRules.IsDefined));
                report(DiagnosticDescriptors.UnknownCost, location, new[] { name, Number(given), knownCosts });
                return null;
            }
            if (!FunctionRules.IsDefined(last))
            {
                return null;
            }
            CostKind chosen = cost is int value ? (CostKind)value : FunctionRules.NaturalCost(last);
            if (!Functions.Of(chosen).Accepts(last))
            {
                string outputName = last.ToString();
                if (chosen == CostKind.LogLikelihood)
                {
                    report(DiagnosticDescriptors.LogLikelihoodNeedsSoftmax, location, new[] { name, outputName });
                }
                else
                {
                    string suggestion = last == ActivationKind.Softmax ? "CostKind.LogLikelihood (or CostKind.Quadratic)" : "CostKind.Quadratic";
                    report(DiagnosticDescriptors.CrossEntropyNeedsSigmoid, location, new[] { name, outputName, suggestion });
                }
            }
            return chosen;
        }

        /// <summary>The constructor's sizes, or null when they are not all int constants.</summary>
        private static int[]? ReadSizes(AttributeData attribute)
        {
            if (attribute.AttributeConstructor is null || attribute.ConstructorArguments.Length != 1)
            {
                return null;
            }

            TypedConstant argument = attribute.ConstructorArguments[0];
            if (argument.Kind != TypedConstantKind.Array)
            {
                return null;
            }
            if (argument.IsNull)
            {
                return new int[0];
            }

            ImmutableArray<TypedConstant> values = argument.Values;
            var sizes = new int[values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                if (values[i].Kind != TypedConstantKind.Primitive || values[i].Value is not int size)
                {
                    return null;
                }
                sizes[i] = size;
            }
            return sizes;
        }

        /// <summary>Why the network is too large to generate, or null when it is not.</summary>
        private static string? TooLarge(int[] sizes)
        {
            if (sizes.Length > NetworkLimits.MaxLayers)
            {
                return string.Format(CultureInfo.InvariantCulture, "it has {0} layers", sizes.Length);
            }

            long neurons = 0, parameters = 0;
            for (int i = 1; i < sizes.Length; i++)
            {
                neurons += sizes[i];
                parameters += (long)sizes[i - 1] * sizes[i] + sizes[i];
            }
            if (neurons > NetworkLimits.MaxNeurons)
            {
                return string.Format(CultureInfo.InvariantCulture, "its non-input layers have {0:N0} neurons", neurons);
            }
            if (parameters > NetworkLimits.MaxParameters)
            {
                return string.Format(CultureInfo.InvariantCulture, "it has {0:N0} parameters", parameters);
            }
            return null;
        }

        private static CodeShape ChooseShape(int[] sizes, UnrollMode unroll, out long instructions)
        {
            instructions = Limits.EstimateUnrolledInstructions(sizes);
            bool fits = instructions <= Limits.MaxUnrolledInstructions;
            return unroll switch
            {
                UnrollMode.Full => fits ? CodeShape.Unrolled : CodeShape.Blocked,
                UnrollMode.Blocked => CodeShape.Blocked,
                _ => fits && sizes.All(size => size < Limits.AutoUnrollMaxLayerSize) ? CodeShape.Unrolled : CodeShape.Blocked,
            };
        }

        /// <summary>
        /// Whether <paramref name="syntax"/> carries the type's first [Network] attribute. A type with the
        /// attribute on two partial declarations (already a compiler error) is parsed once, so that it
        /// cannot produce two files of the same name.
        /// </summary>
        private static bool IsFirstNetworkAttribute(INamedTypeSymbol type, TypeDeclarationSyntax syntax, CancellationToken cancellationToken)
        {
            foreach (AttributeData attribute in type.GetAttributes())
            {
                if (attribute.AttributeClass?.ToDisplayString() == NetworkAttributeName)
                {
                    SyntaxReference? reference = attribute.ApplicationSyntaxReference;
                    return reference is null
                        || (reference.SyntaxTree == syntax.SyntaxTree && syntax.Span.Contains(reference.GetSyntax(cancellationToken).Span));
                }
            }
            return true;
        }

        private static bool HasPrimaryConstructor(INamedTypeSymbol type, CancellationToken cancellationToken)
        {
            foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(cancellationToken) is TypeDeclarationSyntax { ParameterList: not null })
                {
                    return true;
                }
            }
            return false;
        }

        private static bool IsPartial(INamedTypeSymbol type, CancellationToken cancellationToken)
        {
            foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(cancellationToken) is TypeDeclarationSyntax declaration
                    && declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    return true;
                }
            }
            return false;
        }

        private static TypeHierarchy ReadHierarchy(INamedTypeSymbol type)
        {
            var containers = new List<ContainingType>();
            for (INamedTypeSymbol? container = type.ContainingType; container is not null; container = container.ContainingType)
            {
                containers.Insert(0, new ContainingType(Declaration(container), NameWithTypeParameters(container)));
            }

            var namespaces = new List<string>();
            for (INamespaceSymbol? ns = type.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
            {
                namespaces.Insert(0, Identifier(ns.Name));
            }
            return new TypeHierarchy(
                namespaces.Count == 0 ? null : string.Join(".", namespaces),
                new EquatableArray<ContainingType>(containers),
                Identifier(type.Name),
                type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat));
        }

        /// <summary>The keywords that re-open <paramref name="type"/> as a partial declaration.</summary>
        private static string Declaration(INamedTypeSymbol type)
        {
            string modifiers = type.IsStatic ? "static " : string.Empty;
            if (type.TypeKind == TypeKind.Struct)
            {
                modifiers = (type.IsReadOnly ? "readonly " : string.Empty) + (type.IsRefLikeType ? "ref " : string.Empty);
            }

            string kind = type.TypeKind switch
            {
                TypeKind.Interface => "interface",
                TypeKind.Struct => type.IsRecord ? "record struct" : "struct",
                _ => type.IsRecord ? "record" : "class",
            };
            return modifiers + "partial " + kind;
        }

        private static string NameWithTypeParameters(INamedTypeSymbol type) =>
            type.TypeParameters.Length == 0
                ? Identifier(type.Name)
                : Identifier(type.Name) + "<" + string.Join(", ", type.TypeParameters.Select(p => Identifier(p.Name))) + ">";

        /// <summary>
        /// A name as C# source: keywords get an @ (<c>@class</c>), and so do contextual ones and every other all-lowercase
        /// name (<c>@file</c>, <c>@var</c>, <c>@value</c>): unescaped, <c>partial class file</c> does not parse, and
        /// <c>partial class var</c> warns CS8981 in the generated file although the user's <c>@var</c> does not.
        /// </summary>
        private static string Identifier(string name) =>
            SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None
            || SyntaxFacts.GetContextualKeywordKind(name) != SyntaxKind.None
            || (name.Length > 0 && name.All(c => c is >= 'a' and <= 'z'))
                ? "@" + name
                : name;

        /// <summary>
        /// A unique file name from metadata names: namespaces joined by '.', nested types by '+', generic
        /// arity kept (<c>A.B.Outer`1+Net.Network.g.cs</c>), so no two networks can collide.
        /// </summary>
        private static string HintName(INamedTypeSymbol type)
        {
            string name = type.MetadataName;
            for (INamedTypeSymbol? container = type.ContainingType; container is not null; container = container.ContainingType)
            {
                name = container.MetadataName + "+" + name;
            }
            for (INamespaceSymbol? ns = type.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
            {
                name = ns.MetadataName + "." + name;
            }
            return name + ".Network.g.cs";
        }
    }
}
