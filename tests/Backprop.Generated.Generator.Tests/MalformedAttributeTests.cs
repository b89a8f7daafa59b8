using System;
using System.Collections.Generic;
using Backprop.Generated.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Backprop.Generated.Generator.Tests;

/// <summary>
/// Broken and unusual inputs, as an editor sees them while the user types: whatever the compiler
/// says about them, the generator must never throw (no CS8784/CS8785, no exception in its result).
/// </summary>
public sealed class MalformedAttributeTests
{
    private static readonly Dictionary<string, string> Cases = new()
    {
        // The attribute's arguments.
        ["no argument list"] = "[Network] public partial class N { }",
        ["empty argument list"] = "[Network()] public partial class N { }",
        ["one size"] = "[Network(784)] public partial class N { }",
        ["unclosed argument list"] = "[Network(] public partial class N { }",
        ["unclosed argument list at end of file"] = "[Network(784, 30",
        ["unclosed attribute list"] = "[Network(784, 30, 10) public partial class N { }",
        ["missing argument between commas"] = "[Network(784, , 10)] public partial class N { }",
        ["trailing comma"] = "[Network(784, 30, 10,)] public partial class N { }",
        ["string size"] = "[Network(784, \"30\", 10)] public partial class N { }",
        ["double size"] = "[Network(784, 30.5, 10)] public partial class N { }",
        ["long size"] = "[Network(784L, 30, 10)] public partial class N { }",
        ["char size"] = "[Network('a', 'b')] public partial class N { }",
        ["null array"] = "[Network(null)] public partial class N { }",
        ["null size"] = "[Network(784, null, 10)] public partial class N { }",
        ["default"] = "[Network(default)] public partial class N { }",
        ["typeof"] = "[Network(typeof(int))] public partial class N { }",
        ["explicit int array"] = "[Network(new[] { 2, 3, 1 })] public partial class N { }",
        ["empty int array"] = "[Network(new int[0])] public partial class N { }",
        ["long array"] = "[Network(new long[] { 2, 3 })] public partial class N { }",
        ["array and more sizes"] = "[Network(new[] { 2, 3 }, 1)] public partial class N { }",
        ["non-constant field"] = "public partial class Holder { static int x = 784; [Network(x, 10)] public partial class N { } }",
        ["unknown identifier"] = "[Network(Missing, 10)] public partial class N { }",
        ["method call"] = "[Network(System.Math.Max(1, 2), 10)] public partial class N { }",
        ["constant overflow"] = "[Network(int.MaxValue + 1, 10)] public partial class N { }",
        ["huge sizes"] = "[Network(int.MaxValue, int.MaxValue, int.MaxValue)] public partial class N { }",
        ["negative sizes"] = "[Network(int.MinValue, -1)] public partial class N { }",
        ["a thousand layers"] = "[Network(" + string.Join(", ", System.Linq.Enumerable.Repeat("1", 1000)) + ")] public partial class N { }",
        ["int as unroll mode"] = "[Network(784, 30, 10, Unroll = 7)] public partial class N { }",
        ["undefined unroll mode"] = "[Network(784, 30, 10, Unroll = (UnrollMode)9)] public partial class N { }",
        ["unroll mode from a string"] = "[Network(784, 30, 10, Unroll = \"Full\")] public partial class N { }",
        ["unroll without value"] = "[Network(784, 30, 10, Unroll = )] public partial class N { }",
        ["unroll twice"] = "[Network(784, 30, 10, Unroll = UnrollMode.Full, Unroll = UnrollMode.Blocked)] public partial class N { }",
        ["unknown named argument"] = "[Network(2, 3, 1, Depth = 3)] public partial class N { }",
        ["named argument for the sizes"] = "[Network(layerSizes: new[] { 2, 3, 1 })] public partial class N { }",
        ["read-only property as named argument"] = "[Network(2, 3, 1, LayerSizes = null)] public partial class N { }",

        // Where the attribute sits.
        ["on a struct"] = "[Network(2, 3, 1)] public partial struct N { }",
        ["on a record"] = "[Network(2, 3, 1)] public partial record N;",
        ["on a record struct"] = "[Network(2, 3, 1)] public partial record struct N;",
        ["on an interface"] = "[Network(2, 3, 1)] public partial interface N { }",
        ["on an enum"] = "[Network(2, 3, 1)] public enum N { A }",
        ["on a delegate"] = "[Network(2, 3, 1)] public delegate void N();",
        ["on a method"] = "public partial class C { [Network(2, 3, 1)] public void N() { } }",
        ["on the assembly"] = "[assembly: Network(2, 3, 1)]",
        ["return target on a class"] = "[return: Network(2, 3, 1)] public partial class N { }",
        ["type target on a class"] = "[type: Network(2, 3, 1)] public partial class N { }",
        ["class in a method body"] = "public partial class C { void M() { [Network(2, 3, 1)] partial class N { } } }",

        // The class around it.
        ["unterminated class"] = "[Network(2, 3, 1)] public partial class N {",
        ["class without a name"] = "[Network(2, 3, 1)] public partial class { }",
        ["class without a body"] = "[Network(2, 3, 1)] public partial class N",
        ["syntax garbage around it"] = "}}} ;; [Network(2, 3, 1)] public partial class N { ))) int } @@@ [",
        ["garbage inside the class"] = "[Network(2, 3, 1)] public partial class N { public void ( { }",
        ["not partial"] = "[Network(2, 3, 1)] public class N { }",
        ["nested in a non-partial class"] = "public class Outer { [Network(2, 3, 1)] public partial class N { } }",
        ["nested in a non-partial generic struct"] = "public struct Outer<T> { [Network(2, 3, 1)] public partial class N { } }",
        ["generic network"] = "[Network(2, 3, 1)] public partial class N<T> where T : N<T> { }",
        ["static abstract class"] = "[Network(2, 3, 1)] public static abstract partial class N { }",
        ["private parameterless constructor"] = "[Network(2, 3, 1)] public partial class N { private N() { } }",
        ["two parameterless constructors"] = "[Network(2, 3, 1)] public partial class N { public N() { } public N() { } }",
        ["primary constructor"] = "[Network(2, 3, 1)] public partial class N(int size) { public int Size => size; }",
        ["partial class declared twice, attribute once"] = "[Network(2, 3, 1)] public partial class N { } public partial class N { public int X; }",
        ["attribute on both partial declarations"] = "[Network(2, 3, 1)] public partial class N { } [Network(2, 3, 1)] public partial class N { }",
        ["duplicate attribute"] = "[Network(2, 3, 1)][Network(4, 5, 6)] public partial class N { }",
        ["duplicate attribute in one list"] = "[Network(2, 3, 1), Network(4, 5, 6)] public partial class N { }",
        ["class declared twice, not partial"] = "[Network(2, 3, 1)] public class N { } [Network(2, 3, 1)] public class N { }",
        ["name clash with the generated members"] = "[Network(2, 3, 1)] public partial class N { public int Forward; public void Parameters() { } }",
        ["type named like a generated member"] = "[Network(2, 3, 1)] public partial class Backprop { }",
        ["keyword names"] = "public partial class @event { [Network(2, 3, 1)] public partial class @class { } }",
        ["look-alike attribute in another namespace"] = "namespace Other { public class NetworkAttribute : System.Attribute { public NetworkAttribute(params int[] sizes) { } } } [Other.Network(2, 3, 1)] public partial class N { }",
        ["disabled by the preprocessor"] = "#if NEVER\n[Network(2, 3, 1)]\n#endif\npublic partial class N { }",
        ["unterminated preprocessor region"] = "#if true\n[Network(2, 3, 1)] public partial class N { }",
    };

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Generator_never_throws(string name)
    {
        GeneratorRun run = Harness.Run("using Backprop;\n" + Cases[name]);

        run.AssertGeneratorDidNotThrow();
    }

    private static readonly byte[] Model231 = ModelFiles.Create([2, 3, 1]);

    private static AdditionalText File(string path, byte[] bytes) => ModelFiles.Text(path, bytes);

    private static AdditionalText Text(string path, string? text) => new TestAdditionalText(path, text);

    private static byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        new Random(7).NextBytes(bytes);
        return bytes;
    }

    private static byte[] Edited(Action<byte[]> edit, bool fixCrc = true)
    {
        byte[] copy = (byte[])Model231.Clone();
        edit(copy);
        return fixCrc ? ModelFiles.WithValidCrc(copy) : copy;
    }

    /// <summary>Broken Weights arguments and weights files, each with the AdditionalFiles of the run.</summary>
    private static readonly Dictionary<string, (string Source, AdditionalText[] Files)> WeightsCases = new()
    {
        // The argument.
        ["weights null"] = ("[Network(2, 3, 1, Weights = null)] public partial class N { }", [File("/p/tiny.b64", Model231)]),
        ["weights empty"] = ("[Network(2, 3, 1, Weights = \"\")] public partial class N { }", [File("/p/tiny.b64", Model231)]),
        ["weights whitespace"] = ("[Network(2, 3, 1, Weights = \"  \")] public partial class N { }", [File("/p/  ", Model231)]),
        ["weights only ./"] = ("[Network(2, 3, 1, Weights = \"./\")] public partial class N { }", [File("/p/tiny.b64", Model231)]),
        ["weights a folder"] = ("[Network(2, 3, 1, Weights = \"/p/\")] public partial class N { }", [File("/p/tiny.b64", Model231)]),
        ["weights an int"] = ("[Network(2, 3, 1, Weights = 42)] public partial class N { }", [File("/p/42", Model231)]),
        ["weights without value"] = ("[Network(2, 3, 1, Weights = )] public partial class N { }", [File("/p/tiny.b64", Model231)]),
        ["weights twice"] = ("[Network(2, 3, 1, Weights = \"a.b64\", Weights = \"b.b64\")] public partial class N { }", [File("/p/a.b64", Model231), File("/p/b.b64", Model231)]),
        ["weights from a non-constant"] = ("public partial class H { static string s = \"a.b64\"; [Network(2, 3, 1, Weights = s)] public partial class N { } }", [File("/p/a.b64", Model231)]),
        ["weights with backslashes and dots"] = ("[Network(2, 3, 1, Weights = @\"..\\.\\m\\tiny.b64\")] public partial class N { }", [File("/p/../m/tiny.b64", Model231)]),
        ["weights name with quotes, newlines and comment ends"] = ("[Network(2, 3, 1, Weights = \"a\\\"b*/\\n<c>&.b64\")] public partial class N { }", [File("/p/a\"b*/\n<c>&.b64", Model231)]),
        ["weights on invalid sizes"] = ("[Network(0, Weights = \"tiny.b64\")] public partial class N { }", [File("/p/tiny.b64", Model231)]),
        ["weights on a record"] = ("[Network(2, 3, 1, Weights = \"tiny.b64\")] public partial record N;", [File("/p/tiny.b64", Model231)]),
        ["weights on a non-partial class"] = ("[Network(2, 3, 1, Weights = \"tiny.b64\")] public class N { }", [File("/p/tiny.b64", Model231)]),
        ["two networks share one file"] = ("[Network(2, 3, 1, Weights = \"tiny.b64\")] public partial class N { } [Network(2, 3, 1, Weights = \"TINY.b64\")] public partial class M { }", [File("/p/tiny.b64", Model231)]),
        ["the same file listed twice"] = ("[Network(2, 3, 1, Weights = \"tiny.b64\")] public partial class N { }", [File("/p/tiny.b64", Model231), File("/p/tiny.b64", Model231)]),
        ["unterminated attribute with weights"] = ("[Network(2, 3, 1, Weights = \"tiny.b64", [File("/p/tiny.b64", Model231)]),

        // The file.
        ["null text"] = ("[Network(2, 3, 1, Weights = \"tiny.b64\")] public partial class N { }", [Text("/p/tiny.b64", null)]),
        ["plain text"] = ("[Network(2, 3, 1, Weights = \"tiny.b64\")] public partial class N { }", [Text("/p/tiny.b64", "hello, world\n")]),
        ["unicode garbage"] = ("[Network(2, 3, 1, Weights = \"tiny.b64\")] public partial class N { }", [Text("/p/tiny.b64", "\uFFFD\0\uD800x\u2212")]),
        ["byte order mark"] = ("[Network(2, 3, 1, Weights = \"tiny.b64\")] public partial class N { }", [Text("/p/tiny.b64", "\uFEFF" + ModelFiles.Base64(Model231))]),
        ["padding only"] = ("[Network(2, 3, 1, Weights = \"tiny.b64\")] public partial class N { }", [Text("/p/tiny.b64", "====")]),
        ["random bytes"] = ("[Network(2, 3, 1, Weights = \"tiny.b64\")] public partial class N { }", [File("/p/tiny.b64", RandomBytes(1000))]),
        ["magic only"] = ("[Network(2, 3, 1, Weights = \"tiny.b64\")] public partial class N { }", [File("/p/tiny.b64", Model231[..8])]),
        ["huge layer count"] = ("[Network(2, 3, 1, Weights = \"tiny.b64\")] public partial class N { }", [File("/p/tiny.b64", Edited(m => { m[14] = 0xFF; m[15] = 0xFF; }))]),
        ["negative size"] = ("[Network(2, 3, 1, Weights = \"tiny.b64\")] public partial class N { }", [File("/p/tiny.b64", Edited(m => m[19] = 0x80))]),
        ["negative parameter count"] = ("[Network(2, 3, 1, Weights = \"tiny.b64\")] public partial class N { }", [File("/p/tiny.b64", Edited(m => m[35] = 0x80))]),
        ["huge parameter count"] = ("[Network(2, 3, 1, Weights = \"tiny.b64\")] public partial class N { }", [File("/p/tiny.b64", Edited(m => m[34] = 0x7F))]),
        ["huge sizes"] = ("[Network(2, 3, 1, Weights = \"tiny.b64\")] public partial class N { }", [File("/p/tiny.b64", Edited(m => { m[19] = 0x7F; m[23] = 0x7F; m[27] = 0x7F; }))]),
        ["version 65535"] = ("[Network(2, 3, 1, Weights = \"tiny.b64\")] public partial class N { }", [File("/p/tiny.b64", Edited(m => { m[8] = 0xFF; m[9] = 0xFF; }, fixCrc: false))]),
        ["all zeros"] = ("[Network(2, 3, 1, Weights = \"tiny.b64\")] public partial class N { }", [File("/p/tiny.b64", new byte[92])]),
        ["a binary .bpnet named"] = ("[Network(2, 3, 1, Weights = \"tiny.bpnet\")] public partial class N { }", [new UnreadableAdditionalText("/p/tiny.bpnet")]),
        ["a binary .BPNET next to its text form"] = ("[Network(2, 3, 1, Weights = \"tiny.bpnet.b64\")] public partial class N { }", [new UnreadableAdditionalText("/p/tiny.BPNET"), File("/p/tiny.bpnet.b64", Model231)]),
    };

    public static TheoryData<string> WeightsCaseNames => new(WeightsCases.Keys);

    [Theory]
    [MemberData(nameof(WeightsCaseNames))]
    public void Generator_never_throws_on_bad_weights(string name)
    {
        (string source, AdditionalText[] files) = WeightsCases[name];
        GeneratorRun run = Harness.Run(files, "using Backprop;\n" + source);

        run.AssertGeneratorDidNotThrow();
    }

    [Fact]
    public void Generator_never_throws_on_namespace_and_type_names_that_collide()
    {
        // Invalid C# (CS0101), but a plausible state mid-edit; the hint names must not collide.
        GeneratorRun run = Harness.Run("""
            using Backprop;

            namespace A.B
            {
                [Network(2, 3, 1)]
                public partial class C { }
            }

            namespace A
            {
                public partial class B
                {
                    [Network(2, 3, 1)]
                    public partial class C { }
                }
            }
            """);

        run.AssertGeneratorDidNotThrow();
    }
}
