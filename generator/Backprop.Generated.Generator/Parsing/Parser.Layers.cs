using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Backprop.Generated.Generator.Helpers;
using Backprop.Generated.Generator.Model;
using Backprop.Generated.Generator.Shared;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Backprop.Generated.Generator;

public sealed partial class NetworkGenerator
{
    /// <summary>The metadata names of the attributes that declare a network layer by layer, [Input] first.</summary>
    internal static readonly string[] LayerAttributeNames =
    {
        "Backprop.InputAttribute", "Backprop.DenseAttribute", "Backprop.Conv2DAttribute", "Backprop.Conv1DAttribute",
        "Backprop.MaxPool2DAttribute", "Backprop.AvgPool2DAttribute", "Backprop.MaxPool1DAttribute", "Backprop.AvgPool1DAttribute",
        "Backprop.DropoutAttribute",
    };

    internal static partial class Parser
    {
        /// <summary>A layer attribute as written: its short name (<c>Conv2D</c>), its data, and where it is.</summary>
        private sealed record LayerAttribute(string Name, AttributeData Data, AttributeSyntax? Syntax, LocationInfo? Location)
        {
            /// <summary>The attribute as written, for messages: <c>Conv2D(6, 5, Padding = 2)</c>.</summary>
            public string Text => Syntax?.ToString() ?? Name;

            public int? Argument(int index) =>
                index < Data.ConstructorArguments.Length && Data.ConstructorArguments[index].Value is int value ? value : null;

            public int? Named(string name)
            {
                foreach (KeyValuePair<string, TypedConstant> named in Data.NamedArguments)
                {
                    if (named.Key == name && named.Value.Value is int value)
                    {
                        return value;
                    }
                }
                return null;
            }
        }

        /// <summary>
        /// The type's layer attributes in the order they are written (by their place in the source: the order of
        /// <c>GetAttributes()</c> is not one the language promises); reports those on another partial declaration.
        /// </summary>
        private static List<LayerAttribute> FindLayerAttributes(ParseContext parse)
        {
            var found = new List<LayerAttribute>();
            bool stray = false;
            foreach (AttributeData data in parse.Type.GetAttributes())
            {
                string? name = data.AttributeClass?.ToDisplayString();
                if (name is null || System.Array.IndexOf(LayerAttributeNames, name) < 0)
                {
                    continue;
                }
                var syntax = data.ApplicationSyntaxReference?.GetSyntax(parse.CancellationToken) as AttributeSyntax;
                var attribute = new LayerAttribute(name.Substring("Backprop.".Length, name.Length - "Backprop.".Length - "Attribute".Length),
                    data, syntax, LocationInfo.From(syntax?.GetLocation()));
                if (syntax is not null && (syntax.SyntaxTree != parse.Syntax.SyntaxTree || !parse.Syntax.Span.Contains(syntax.Span)) && !stray)
                {
                    stray = true;
                    parse.Report(DiagnosticDescriptors.LayerAttributesOnTwoDeclarations, attribute.Location ?? parse.TypeLocation, parse.Name);
                }
                found.Add(attribute);
            }
            return found.OrderBy(a => a.Syntax?.SpanStart ?? int.MaxValue).ToList();
        }

        /// <summary>A network declared layer by layer: [Network] without sizes, [Input], then one attribute per layer.</summary>
        private static ParseResult ParseLayers(ParseContext parse, bool emitConstructor, List<LayerAttribute> attributes)
        {
            string name = parse.Name;
            NamedArguments options = ReadNamedArguments(parse);
            if (parse.Attribute is not null && ReadSizes(parse.Attribute) is { Length: > 0 })
            {
                parse.Report(DiagnosticDescriptors.LayerAttributesWithSizes, parse.AttributeLocation, name, "layer sizes");
            }
            foreach ((bool given, string property) in new[] { (options.Hidden is not null, "HiddenActivation"), (options.Output is not null, "OutputActivation"), (options.Activations is not null, "Activations") })
            {
                if (given)
                {
                    parse.Report(DiagnosticDescriptors.LayerAttributesWithSizes, parse.AttributeLocation, name, property);
                }
            }

            List<LayerInfo>? layers = ReadLayers(parse, attributes, out TensorShape input);
            if (layers is null || layers.Count == 0)
            {
                if (layers is { Count: 0 })
                {
                    parse.Report(DiagnosticDescriptors.NetworkNeedsTwoLayers, parse.AttributeLocation, name, "1");
                }
                return new ParseResult(null, parse.Diagnostics);
            }

            if (TooLarge(layers) is string reason)
            {
                parse.Report(DiagnosticDescriptors.NetworkTooLarge, parse.AttributeLocation, name, reason,
                    NetworkLimits.MaxLayers.ToString("N0", CultureInfo.InvariantCulture),
                    NetworkLimits.MaxNeurons.ToString("N0", CultureInfo.InvariantCulture),
                    NetworkLimits.MaxParameters.ToString("N0", CultureInfo.InvariantCulture));
            }
            else if (Emitter.IsGeneratedMemberName(name, layers.Count + 1) || (options.Weights is not null && Emitter.IsTrainedWeightsMemberName(name)))
            {
                parse.Report(DiagnosticDescriptors.NetworkTypeNameCollidesWithMember, parse.TypeLocation, name);
            }

            ActivationKind output = layers[layers.Count - 1].Activation;
            CostKind? cost = ReadCost(output, options.Cost, name, parse.AttributeLocation, parse.Report);
            if (output == ActivationKind.Softmax && layers[layers.Count - 1].Output.Size == 1)
            {
                parse.Report(DiagnosticDescriptors.SoftmaxOverOneOutput, parse.AttributeLocation, name);
            }
            if (parse.HasErrors || cost is not CostKind chosen)
            {
                return new ParseResult(null, parse.Diagnostics);
            }

            // Every rule the shared layer model checks has been reported above, each with its own diagnostic.
            NetworkArchitecture architecture = NetworkArchitecture.Create(input, layers, chosen);
            CodeShape shape = CodeShape.Blocked;
            if (architecture.IsDenseChain)
            {
                // The same network as [Network(n1, …, nL)]: the same code, so the same bits.
                int[] sizes = architecture.LayerSizes.ToArray();
                shape = ChooseDenseShape(parse, sizes, options.Unroll);
            }
            else if (options.Unroll == UnrollMode.Full)
            {
                string kinds = string.Join(" and ", layers.Where(layer => layer.Kind != LayerKind.Dense).Select(layer => layer.Kind.ToString()).Distinct());
                parse.Report(DiagnosticDescriptors.OnlyDenseNetworksUnroll, parse.AttributeLocation, name, kinds);
            }

            return new ParseResult(CreateSpec(parse, architecture, shape, emitConstructor), parse.Diagnostics, options.Weights);
        }

        /// <summary>The input shape and the layers, each problem reported; null when they cannot all be read.</summary>
        private static List<LayerInfo>? ReadLayers(ParseContext parse, List<LayerAttribute> attributes, out TensorShape input)
        {
            string name = parse.Name;
            input = default;
            LayerAttribute first = attributes[0];
            if (first.Name != "Input")
            {
                bool any = attributes.Any(a => a.Name == "Input");
                parse.Report(DiagnosticDescriptors.NetworkNeedsInput, first.Location ?? parse.AttributeLocation, name,
                    any ? $"declares its layer [{first.Text}] before its [Input]" : "has no [Input]");
                return null;
            }
            TypedConstant shapeArgument = first.Data.ConstructorArguments.Length == 1 ? first.Data.ConstructorArguments[0] : default;
            int[]? dimensions = shapeArgument.Kind == TypedConstantKind.Array && !shapeArgument.IsNull
                ? shapeArgument.Values.Select(v => v.Value is int d ? d : 0).ToArray()
                : null;
            if (dimensions is null || TensorShape.FromDimensions(dimensions) is not TensorShape shape)
            {
                parse.Report(DiagnosticDescriptors.InputShapeInvalid, first.Location ?? parse.AttributeLocation, name,
                    dimensions is null ? string.Empty : string.Join(", ", dimensions.Select(Number)));
                return null;
            }
            input = shape;

            var layers = new List<LayerInfo>();
            TensorShape current = shape;
            bool afterDense = false;
            for (int i = 1; i < attributes.Count; i++)
            {
                LayerAttribute attribute = attributes[i];
                int number = i + 1;
                LayerInfo? layer;
                try
                {
                    layer = ReadLayer(parse, attribute, number, current, afterDense, isLast: i == attributes.Count - 1);
                }
                catch (System.ArgumentException)
                {
                    // Every other rule is checked above; what the shared model's factories still refuse is a layer with
                    // more weights or values than an array holds.
                    parse.Report(DiagnosticDescriptors.NetworkTooLarge, attribute.Location ?? parse.AttributeLocation, name,
                        $"layer {Number(number)} ([{attribute.Text}]) has more weights or values than an array holds",
                        NetworkLimits.MaxLayers.ToString("N0", CultureInfo.InvariantCulture),
                        NetworkLimits.MaxNeurons.ToString("N0", CultureInfo.InvariantCulture),
                        NetworkLimits.MaxParameters.ToString("N0", CultureInfo.InvariantCulture));
                    return null;
                }
                if (layer is null)
                {
                    return null;
                }
                layers.Add(layer);
                afterDense |= layer.Kind == LayerKind.Dense;
                current = layer.Output;
            }
            return layers;
        }

        /// <summary>One layer over <paramref name="input"/>, each problem reported; null when it has one.</summary>
        private static LayerInfo? ReadLayer(ParseContext parse, LayerAttribute attribute, int number, TensorShape input, bool afterDense, bool isLast)
        {
            string name = parse.Name;
            LocationInfo? location = attribute.Location ?? parse.AttributeLocation;
            bool ok = true;

            int Require(int? value, string property, int minimum)
            {
                int actual = value ?? 0;
                if (actual < minimum)
                {
                    parse.Report(DiagnosticDescriptors.LayerArgumentOutOfRange, location, name, Number(number), attribute.Text, property, Number(actual), Number(minimum));
                    ok = false;
                }
                return actual;
            }

            ActivationKind Activation()
            {
                int value = attribute.Named("Activation") ?? (int)ActivationKind.Identity;
                var kind = (ActivationKind)value;
                if (!FunctionRules.IsDefined(kind))
                {
                    string known = string.Join(", ", Enumerable.Range(1, 32).Select(v => (ActivationKind)v).Where(FunctionRules.IsDefined));
                    parse.Report(DiagnosticDescriptors.UnknownActivation, location, name, Number(value), $"layer {Number(number)}'s Activation", known);
                    ok = false;
                }
                else if (!isLast && !FunctionRules.AllowedInHiddenLayer(kind))
                {
                    parse.Report(DiagnosticDescriptors.SoftmaxOnHiddenLayer, location, name, Number(number));
                    ok = false;
                }
                return kind;
            }

            bool Takes(int rank)
            {
                if (input.Rank == rank)
                {
                    return true;
                }
                string takes = rank == 3 ? "an image (channels × height × width)" : "a signal (channels × length)";
                string gets = afterDense
                    ? $"it follows a dense layer, which gives a vector of {Number(input.Size)} values"
                    : input.Rank == 1 ? $"the input is a vector of {Number(input.Size)} values" : $"the layer before gives {(input.Rank == 3 ? "an image" : "a signal")} of {input}";
                string fix = afterDense
                    ? "put convolution and pooling layers before the dense layers, which flatten what they take"
                    : rank == 3 ? "declare [Input(channels, height, width)], or use the 1-D layers (Conv1D, MaxPool1D, AvgPool1D) for a signal"
                    : "declare [Input(channels, length)], or use the 2-D layers (Conv2D, MaxPool2D, AvgPool2D) for an image";
                parse.Report(DiagnosticDescriptors.LayerTakesOtherShape, location, name, Number(number), attribute.Text, takes, gets, fix);
                return false;
            }

            bool Fits(int extent, int window, int stride, int padding, bool padded = true)
            {
                switch (LayerInfo.Slide(extent, window, stride, padding, out _))
                {
                    case WindowProblem.LargerThanInput:
                        parse.Report(DiagnosticDescriptors.WindowLargerThanInput, location, name, Number(number), attribute.Text, Number(window), Number(extent), Number(padding));
                        return false;
                    case WindowProblem.NotWhole:
                        parse.Report(DiagnosticDescriptors.OutputSizeNotWhole, location, name, Number(number), attribute.Text,
                            Number(window), Number(extent), Number(padding), Number(stride), padded ? Suggestion(extent, window, stride, padding) : "Stride = 1");
                        return false;
                    default:
                        return true;
                }
            }

            switch (attribute.Name)
            {
                case "Dense":
                {
                    int units = Require(attribute.Argument(0), "units", 1);
                    ActivationKind activation = Activation();
                    return ok ? LayerInfo.Dense(input.Size, units, activation) : null;
                }
                case "Conv2D":
                case "Conv1D":
                {
                    bool image = attribute.Name == "Conv2D";
                    int filters = Require(attribute.Argument(0), "filters", 1);
                    int size = Require(attribute.Argument(1), "kernelSize", 1);
                    int height = image ? Require(attribute.Named("KernelHeight") is int h and not 0 ? h : size, "KernelHeight", 1) : 1;
                    int width = image ? Require(attribute.Named("KernelWidth") is int kw and not 0 ? kw : size, "KernelWidth", 1) : size;
                    int stride = Require(attribute.Named("Stride") ?? 1, "Stride", 1);
                    int padding = Require(attribute.Named("Padding") ?? 0, "Padding", 0);
                    ActivationKind activation = Activation();
                    if (!ok || !Takes(image ? 3 : 2)
                        || (image && !Fits(input.Height, height, stride, padding)) || !Fits(input.Width, width, stride, padding))
                    {
                        return null;
                    }
                    return image
                        ? LayerInfo.Conv2D(input, filters, height, width, stride, padding, activation)
                        : LayerInfo.Conv1D(input, filters, width, stride, padding, activation);
                }
                case "Input":
                    parse.Report(DiagnosticDescriptors.NetworkNeedsInput, location, name, "declares [Input] after its first layer");
                    return null;
                case "Dropout":
                {
                    double rate = attribute.Data.ConstructorArguments.Length == 1 && attribute.Data.ConstructorArguments[0].Value is double value ? value : double.NaN;
                    if (!(rate >= 0 && rate < 1))
                    {
                        parse.Report(DiagnosticDescriptors.DropoutRateOutOfRange, location, name, Number(number), attribute.Text, rate.ToString("R", CultureInfo.InvariantCulture));
                        return null;
                    }
                    return LayerInfo.Dropout(input, rate);
                }
                default:
                {
                    LayerKind kind = attribute.Name switch
                    {
                        "MaxPool2D" => LayerKind.MaxPool2D,
                        "AvgPool2D" => LayerKind.AvgPool2D,
                        "MaxPool1D" => LayerKind.MaxPool1D,
                        _ => LayerKind.AvgPool1D,
                    };
                    bool image = kind is LayerKind.MaxPool2D or LayerKind.AvgPool2D;
                    int size = Require(attribute.Argument(0), "size", 1);
                    int stride = attribute.Named("Stride") is int s and not 0 ? Require(s, "Stride", 1) : size;
                    if (!ok || !Takes(image ? 3 : 2) || (image && !Fits(input.Height, size, stride, 0, padded: false)) || !Fits(input.Width, size, stride, 0, padded: false))
                    {
                        return null;
                    }
                    return LayerInfo.Pool(kind, input, size, stride);
                }
            }
        }

        /// <summary>
        /// BPG032 for a type with layer attributes and no [Network], on its first layer attribute (reported once: by the
        /// pipeline of that attribute, for the declaration that carries it); null otherwise.
        /// </summary>
        public static DiagnosticInfo? OrphanLayerAttribute(GeneratorAttributeSyntaxContext context, System.Threading.CancellationToken cancellationToken)
        {
            if (context.TargetSymbol is not INamedTypeSymbol type || context.Attributes.Length == 0)
            {
                return null;
            }
            AttributeData? first = null;
            AttributeSyntax? firstSyntax = null;
            foreach (AttributeData data in type.GetAttributes())
            {
                string? name = data.AttributeClass?.ToDisplayString();
                if (name == NetworkAttributeName)
                {
                    return null;
                }
                if (name is null || System.Array.IndexOf(LayerAttributeNames, name) < 0)
                {
                    continue;
                }
                var syntax = data.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
                if (first is null || (syntax is not null && firstSyntax is not null && Before(syntax, firstSyntax)))
                {
                    first = data;
                    firstSyntax = syntax;
                }
            }
            if (first is null || firstSyntax is null || !SymbolEqualityComparer.Default.Equals(first.AttributeClass, context.Attributes[0].AttributeClass)
                || firstSyntax.SyntaxTree != context.TargetNode.SyntaxTree || !context.TargetNode.Span.Contains(firstSyntax.Span))
            {
                return null;
            }
            string shortName = first.AttributeClass!.Name.Substring(0, first.AttributeClass.Name.Length - "Attribute".Length);
            return new DiagnosticInfo(DiagnosticDescriptors.LayerAttributeWithoutNetwork.Id, LocationInfo.From(firstSyntax.GetLocation()),
                new EquatableArray<string>(new[] { type.Name, shortName }));
        }

        /// <summary>Whether <paramref name="a"/> comes before <paramref name="b"/> in the source (by file path, then position).</summary>
        private static bool Before(AttributeSyntax a, AttributeSyntax b)
        {
            int files = string.CompareOrdinal(a.SyntaxTree.FilePath, b.SyntaxTree.FilePath);
            return files < 0 || (files == 0 && a.SpanStart < b.SpanStart);
        }

        /// <summary>A change that makes a window fit: more padding if some fits below the window, else stride 1.</summary>
        private static string Suggestion(int extent, int window, int stride, int padding)
        {
            for (int more = padding + 1; more < window; more++)
            {
                if (LayerInfo.Slide(extent, window, stride, more, out _) == WindowProblem.None)
                {
                    return "Padding = " + Number(more);
                }
            }
            return "Stride = 1";
        }

        /// <summary>Why a network of these layers is too large to generate, or null when it is not.</summary>
        private static string? TooLarge(List<LayerInfo> layers)
        {
            if (layers.Count + 1 > NetworkLimits.MaxLayers)
            {
                return string.Format(CultureInfo.InvariantCulture, "it has {0} layers", layers.Count + 1);
            }
            long neurons = layers.Sum(layer => (long)layer.Output.Size);
            long parameters = layers.Sum(layer => (long)layer.ParameterCount);
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

        private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
    }
}
