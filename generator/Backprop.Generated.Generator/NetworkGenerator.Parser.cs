using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using Backprop.Generated.Generator.Helpers;
using Backprop.Generated.Generator.Model;
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
    internal static class Parser
    {
        public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            if (context.TargetSymbol is not INamedTypeSymbol type
                || context.TargetNode is not TypeDeclarationSyntax syntax
                || !IsFirstNetworkAttribute(type, syntax, cancellationToken))
            {
                return new ParseResult(null, EquatableArray<DiagnosticInfo>.Empty);
            }

            var diagnostics = new List<DiagnosticInfo>();
            string name = type.Name;
            LocationInfo? typeLocation = LocationInfo.From(syntax.Identifier.GetLocation());
            AttributeData? attribute = context.Attributes.FirstOrDefault();
            LocationInfo? attributeLocation =
                LocationInfo.From(attribute?.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation()) ?? typeLocation;

            void Report(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments) =>
                diagnostics.Add(new DiagnosticInfo(descriptor.Id, location, new EquatableArray<string>(arguments)));

            // The type itself: a partial, non-generic, instantiable class inside partial types.
            if (type.IsRecord)
            {
                Report(DiagnosticDescriptors.NetworkTypeMustNotBeRecord, typeLocation, name);
            }
            if (type.IsFileLocal)
            {
                Report(DiagnosticDescriptors.NetworkTypeMustNotBeFileLocal, typeLocation, name);
            }
            if (syntax.SyntaxTree.Options is CSharpParseOptions { LanguageVersion: < LanguageVersion.CSharp11 } options)
            {
                Report(DiagnosticDescriptors.NetworkNeedsCSharp11, attributeLocation, name, options.LanguageVersion.ToDisplayString());
            }
            if (!syntax.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                Report(DiagnosticDescriptors.NetworkTypeMustBePartial, typeLocation, name);
            }
            if (type.TypeParameters.Length > 0)
            {
                Report(DiagnosticDescriptors.NetworkTypeMustNotBeGeneric, typeLocation, name);
            }
            if (type.IsStatic || type.IsAbstract)
            {
                Report(DiagnosticDescriptors.NetworkTypeMustNotBeStaticOrAbstract, typeLocation, name, type.IsStatic ? "static" : "abstract");
            }
            for (INamedTypeSymbol? container = type.ContainingType; container is not null; container = container.ContainingType)
            {
                if (!IsPartial(container, cancellationToken))
                {
                    Report(DiagnosticDescriptors.ContainingTypeMustBePartial, typeLocation, name, container.Name);
                }
            }

            bool emitConstructor = true;
            foreach (IMethodSymbol constructor in type.InstanceConstructors)
            {
                if (!constructor.IsImplicitlyDeclared && constructor.Parameters.Length == 0)
                {
                    emitConstructor = false;
                    if (constructor.DeclaredAccessibility != Accessibility.Public)
                    {
                        Report(DiagnosticDescriptors.ParameterlessConstructorMustBePublic,
                            LocationInfo.From(constructor.Locations.FirstOrDefault()) ?? typeLocation, name);
                    }
                }
            }
            if (emitConstructor && HasPrimaryConstructor(type, cancellationToken))
            {
                Report(DiagnosticDescriptors.PrimaryConstructorNeedsParameterlessConstructor, typeLocation, name);
            }

            // The attribute: sizes, then options.
            int[]? sizes = attribute is null ? null : ReadSizes(attribute);
            if (sizes is null)
            {
                Report(DiagnosticDescriptors.LayerSizesMustBeConstant, attributeLocation, name);
            }
            else if (sizes.Length < 2)
            {
                Report(DiagnosticDescriptors.NetworkNeedsTwoLayers, attributeLocation, name, sizes.Length.ToString(CultureInfo.InvariantCulture));
            }
            else
            {
                for (int i = 0; i < sizes.Length; i++)
                {
                    if (sizes[i] < 1)
                    {
                        Report(DiagnosticDescriptors.LayerSizeMustBePositive, attributeLocation, name,
                            (i + 1).ToString(CultureInfo.InvariantCulture), sizes[i].ToString(CultureInfo.InvariantCulture));
                    }
                }
                if (sizes.All(size => size >= 1) && TooLarge(sizes) is string reason)
                {
                    Report(DiagnosticDescriptors.NetworkTooLarge, attributeLocation, name, reason,
                        Limits.MaxLayers.ToString("N0", CultureInfo.InvariantCulture),
                        Limits.MaxNeurons.ToString("N0", CultureInfo.InvariantCulture),
                        Limits.MaxParameters.ToString("N0", CultureInfo.InvariantCulture));
                }
                else if (sizes.All(size => size >= 1) && Emitter.IsGeneratedMemberName(name, sizes.Length))
                {
                    Report(DiagnosticDescriptors.NetworkTypeNameCollidesWithMember, typeLocation, name);
                }
            }

            UnrollMode unroll = UnrollMode.Auto;
            WeightsRequest? weights = null;
            int? hidden = null, output = null, cost = null;
            int[]? activations = null;
            if (attribute is not null)
            {
                foreach (KeyValuePair<string, TypedConstant> named in attribute.NamedArguments)
                {
                    if (named.Key == "HiddenActivation" && named.Value.Value is int hiddenValue)
                    {
                        hidden = hiddenValue;
                    }
                    else if (named.Key == "OutputActivation" && named.Value.Value is int outputValue)
                    {
                        output = outputValue;
                    }
                    else if (named.Key == "Cost" && named.Value.Value is int costValue)
                    {
                        cost = costValue;
                    }
                    else if (named.Key == "Activations" && named.Value.Kind == TypedConstantKind.Array && !named.Value.IsNull)
                    {
                        activations = named.Value.Values.Select(value => value.Value is int kind ? kind : 0).ToArray();
                    }
                    else if (named.Key == "Weights" && named.Value.Kind == TypedConstantKind.Primitive && named.Value.Value is string file)
                    {
                        weights = new WeightsRequest(file, attributeLocation);
                    }
                    else if (named.Key == "Unroll" && named.Value.Kind == TypedConstantKind.Enum && named.Value.Value is int value)
                    {
                        if (value is >= (int)UnrollMode.Auto and <= (int)UnrollMode.Blocked)
                        {
                            unroll = (UnrollMode)value;
                        }
                        else
                        {
                            Report(DiagnosticDescriptors.UnknownUnrollMode, attributeLocation, name, value.ToString(CultureInfo.InvariantCulture));
                        }
                    }
                }
            }

            if (weights is not null && sizes is { Length: >= 2 } && Emitter.IsTrainedWeightsMemberName(name))
            {
                Report(DiagnosticDescriptors.NetworkTypeNameCollidesWithMember, typeLocation, name);
            }

            (Activation[]? layerActivations, Cost networkCost) = sizes is { Length: >= 2 }
                ? ReadFunctions(sizes.Length, hidden, output, activations, cost, name, attributeLocation, Report)
                : (null, Cost.CrossEntropy);

            if (layerActivations is not null && layerActivations[layerActivations.Length - 1] == Activation.Softmax && sizes![sizes.Length - 1] == 1)
            {
                Report(DiagnosticDescriptors.SoftmaxOverOneOutput, attributeLocation, name);
            }

            bool hasErrors = diagnostics.Any(d => DiagnosticDescriptors.ById(d.Id).DefaultSeverity == DiagnosticSeverity.Error);
            if (hasErrors || sizes is null || layerActivations is null)
            {
                return new ParseResult(null, new EquatableArray<DiagnosticInfo>(diagnostics));
            }

            CodeShape shape = ChooseShape(sizes, unroll, out long instructions);
            if (unroll == UnrollMode.Full && shape != CodeShape.Unrolled)
            {
                Report(DiagnosticDescriptors.NetworkTooLargeToUnroll, attributeLocation, name,
                    instructions.ToString("N0", CultureInfo.InvariantCulture),
                    Limits.MaxUnrolledInstructions.ToString("N0", CultureInfo.InvariantCulture));
            }

            var spec = new NetworkSpec(
                Target: ReadHierarchy(type),
                Layers: new EquatableArray<int>(sizes),
                Activations: new EquatableArray<Activation>(layerActivations),
                Cost: networkCost,
                Shape: shape,
                EmitConstructor: emitConstructor,
                HintName: HintName(type));
            return new ParseResult(spec, new EquatableArray<DiagnosticInfo>(diagnostics), weights);
        }

        /// <summary>
        /// The activation of every layer 2..L and the cost, from the attribute's HiddenActivation, OutputActivation,
        /// Activations and Cost (null: not given); null activations when they are invalid, each problem reported.
        /// </summary>
        private static (Activation[]? Activations, Cost Cost) ReadFunctions(
            int layers, int? hidden, int? output, int[]? array, int? cost, string name, LocationInfo? location,
            System.Action<DiagnosticDescriptor, LocationInfo?, string[]> report)
        {
            string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
            string knownActivations = string.Join(", ", Enumerable.Range(1, 32).Select(v => (Activation)v).Where(Functions.IsDefined));
            string knownCosts = string.Join(", ", Enumerable.Range(1, 32).Select(v => (Cost)v).Where(Functions.IsDefined));
            bool valid = true;

            // Which layer has which activation: the array, or the shorthand (sigmoid when neither is given).
            var result = new Activation[layers - 1];
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
                    return (null, Cost.CrossEntropy);
                }
                for (int i = 0; i < array.Length; i++)
                {
                    result[i] = (Activation)array[i];
                    origins[i] = $"Activations[{Number(i)}]";
                }
            }
            else
            {
                for (int i = 0; i < result.Length; i++)
                {
                    bool isOutput = i == result.Length - 1;
                    result[i] = (Activation)((isOutput ? output : hidden) ?? (int)Activation.Sigmoid);
                    origins[i] = isOutput ? "OutputActivation" : "HiddenActivation";
                }
            }

            // Every value defined (reported once per property), and softmax only on the output.
            var reported = new HashSet<string>();
            for (int i = 0; i < result.Length; i++)
            {
                if (!Functions.IsDefined(result[i]))
                {
                    if (reported.Add(origins[i]))
                    {
                        report(DiagnosticDescriptors.UnknownActivation, location, new[] { name, Number((int)result[i]), origins[i], knownActivations });
                    }
                    valid = false;
                }
                else if (i < result.Length - 1 && !Functions.Of(result[i]).AllowedInHiddenLayer)
                {
                    report(DiagnosticDescriptors.SoftmaxOnHiddenLayer, location, new[] { name, Number(i + 2) });
                    valid = false;
                }
            }

            // The cost: given, or the output's natural pair; then whether it fits the output.
            Activation last = result[result.Length - 1];
            if (cost is int given && !Functions.IsDefined((Cost)given))
            {
                report(DiagnosticDescriptors.UnknownCost, location, new[] { name, Number(given), knownCosts });
                return (null, Cost.CrossEntropy);
            }
            if (!Functions.IsDefined(last))
            {
                return (null, Cost.CrossEntropy);
            }
            Cost chosen = cost is int value ? (Cost)value : Functions.NaturalCost(last);
            if (!Functions.Of(chosen).Accepts(last))
            {
                string outputName = last.ToString();
                if (chosen == Cost.LogLikelihood)
                {
                    report(DiagnosticDescriptors.LogLikelihoodNeedsSoftmax, location, new[] { name, outputName });
                }
                else
                {
                    string suggestion = last == Activation.Softmax ? "CostKind.LogLikelihood (or CostKind.Quadratic)" : "CostKind.Quadratic";
                    report(DiagnosticDescriptors.CrossEntropyNeedsSigmoid, location, new[] { name, outputName, suggestion });
                }
                valid = false;
            }
            return (valid ? result : null, chosen);
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
            if (sizes.Length > Limits.MaxLayers)
            {
                return string.Format(CultureInfo.InvariantCulture, "it has {0} layers", sizes.Length);
            }

            long neurons = 0, parameters = 0;
            for (int i = 1; i < sizes.Length; i++)
            {
                neurons += sizes[i];
                parameters += (long)sizes[i - 1] * sizes[i] + sizes[i];
            }
            if (neurons > Limits.MaxNeurons)
            {
                return string.Format(CultureInfo.InvariantCulture, "its non-input layers have {0:N0} neurons", neurons);
            }
            if (parameters > Limits.MaxParameters)
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
