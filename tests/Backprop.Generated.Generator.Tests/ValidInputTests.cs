using System.Collections.Generic;
using System.Linq;
using Backprop.Generated.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;

namespace Backprop.Generated.Generator.Tests;

/// <summary>
/// The generator's promise for code the compiler accepts: every class carrying [Network] either
/// gets an error diagnostic from the generator, or ends up implementing <c>INetwork</c> of itself,
/// with no error anywhere. Never broken generated code, never silence.
/// </summary>
public sealed class ValidInputTests
{
    private static readonly Dictionary<string, string> Cases = new()
    {
        ["network nested in a network"] = """
            [Network(2, 3, 1)]
            public partial class Outer
            {
                [Network(4, 8, 2)]
                public partial class Inner { }
            }
            """,
        ["containers: interface, record struct, ref struct"] = """
            public partial interface IHolder
            {
                public partial record struct Record
                {
                    public ref partial struct Ref
                    {
                        [Network(2, 3, 1)]
                        public partial class N { }
                    }
                }
            }
            """,
        ["base class, other interfaces, static constructor"] = """
            public abstract class Base
            {
                protected Base(int seed) => Seed = seed;
                public int Seed { get; }
            }

            [Network(20, 10, 2)]
            public sealed partial class N : Base, System.IDisposable
            {
                private static readonly int s_count;
                static N() => s_count = 1;
                public N() : base(s_count) { }
                public void Dispose() { }
            }
            """,
        ["same name in two namespaces, and the same nested name under two types"] = """
            namespace One { [Network(2, 3, 1)] public partial class N { } }
            namespace Two { [Network(2, 3, 1)] public partial class N { } }
            public partial class Left { [Network(2, 3, 1)] public partial class N { } }
            public partial class Right { [Network(2, 3, 1)] public partial class N { } }
            public partial class Generic<T> { [Network(2, 3, 1)] public partial class N { } }
            public partial class Generic<T1, T2> { [Network(2, 3, 1)] public partial class N { } }
            """,
        ["spellings of the attribute"] = """
            [Backprop.NetworkAttribute(2, 3, 1)]
            public partial class Qualified { }

            [type: Network(2, 3, 1)]
            public partial class Targeted { }

            [global::Backprop.Network(layerSizes: new[] { 2, 3, 1 }, Unroll = global::Backprop.UnrollMode.Blocked)]
            public partial class Named { }
            """,
        ["aliased attribute"] = """
            namespace Aliased
            {
                using Net = Backprop.NetworkAttribute;

                [Net(2, 3, 1)]
                public partial class N { }
            }
            """,
        ["partial across declarations, attribute on the second"] = """
            public partial class Split { public int Before; }
            [Network(2, 3, 1)]
            public partial class Split { public int After; }
            """,
        ["non-ASCII names"] = """
            namespace Сети
            {
                [Network(2, 3, 1)]
                public partial class Сеть { }

                [Network(2, 3, 1)]
                public partial class N\u0041 { }
            }
            """,
        ["keyword type name"] = """
            [Network(2, 3, 1)]
            public partial class @class { }
            """,
        ["keyword namespace and container names"] = """
            namespace @namespace.@int
            {
                public static partial class @static
                {
                    [Network(2, 3, 1)]
                    public partial class Net { }
                }
            }
            """,
        ["primary constructor"] = """
            [Network(2, 3, 1)]
            public partial class WithPrimaryConstructor(int label)
            {
                public int Label => label;
            }
            """,
        ["type named like a generated member"] = """
            namespace Models
            {
                [Network(2, 3, 1)]
                public partial class Backprop { }
            }
            """,
        ["file-local class"] = """
            [Network(2, 3, 1)]
            file partial class Local { }
            """,
        ["record class"] = """
            [Network(2, 3, 1)]
            public partial record Recorded;
            """,
        ["generic container and a look-alike name"] = """
            public partial class Outer_1 { [Network(2, 3, 1)] public partial class N { } }
            public partial class Outer<T> { [Network(2, 3, 1)] public partial class N { } }
            """,
    };

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Every_network_in_valid_code_is_generated_or_reported(string name)
    {
        GeneratorRun run = Harness.Run("using Backprop;\n\n" + Cases[name]);
        Diagnostic[] inputErrors = run.Input.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        Assert.True(inputErrors.Length == 0, "The case itself must be valid C#: " + GeneratorRun.Describe(inputErrors));

        run.AssertGeneratorDidNotThrow();
        if (run.Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error))
        {
            return; // Reported: the user is told what to change.
        }

        IReadOnlyList<Diagnostic> problems = run.CompilationWarningsAndErrors().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(problems.Count == 0, "Generated code does not compile:\n" + GeneratorRun.Describe(problems.Take(5)));
        INamedTypeSymbol[] networks = AttributedClasses(run.Output).ToArray();
        Assert.NotEmpty(networks);
        Assert.All(networks, network => Assert.True(
            network.AllInterfaces.Any(i => i.OriginalDefinition.ToDisplayString() == "Backprop.INetwork<TSelf>"
                && SymbolEqualityComparer.Default.Equals(i.TypeArguments[0], network)),
            $"{network.ToDisplayString()} carries [Network] but neither implements INetwork<{network.Name}> nor got a diagnostic."));
    }

    /// <summary>Every type declared with an attribute that binds to Backprop.NetworkAttribute.</summary>
    private static IEnumerable<INamedTypeSymbol> AttributedClasses(Compilation compilation)
    {
        foreach (SyntaxTree tree in compilation.SyntaxTrees)
        {
            SemanticModel model = compilation.GetSemanticModel(tree);
            foreach (TypeDeclarationSyntax declaration in tree.GetRoot().DescendantNodes().OfType<TypeDeclarationSyntax>())
            {
                if (model.GetDeclaredSymbol(declaration) is INamedTypeSymbol type
                    && declaration.AttributeLists.SelectMany(list => list.Attributes).Any(attribute =>
                        model.GetSymbolInfo(attribute).Symbol?.ContainingType?.ToDisplayString() == "Backprop.NetworkAttribute"))
                {
                    yield return type;
                }
            }
        }
    }
}
