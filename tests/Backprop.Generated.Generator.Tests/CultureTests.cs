using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Backprop.Generated.Generator.Tests.Infrastructure;
using Xunit;

namespace Backprop.Generated.Generator.Tests;

/// <summary>
/// The generator runs inside the user's compiler process, under the user's culture: its output
/// (code and diagnostic messages) must not depend on it.
/// </summary>
public sealed class CultureTests
{
    private const string Source = """
        using Backprop;

        namespace Samples
        {
            [Network(784, 30, 10)]
            public partial class DigitNet { }

            [Network(2, 3, 1)]
            public partial class Tiny { }

            [Network(9, 17, 33, 12, 5)]
            public partial class FiveLayer { }

            [Network(4096, 2048, 10)]
            public partial class BigNet { }

            [Network(6, 9, 5, Unroll = UnrollMode.Full)]
            public partial class Unrolled { }

            [Network(784, 100, 10, Unroll = UnrollMode.Full)]
            public partial class WarnedAbout { }

            [Network(-5, 3)]
            public partial class Negative { }

            [Network(20000, 16384, 1)]
            public partial class TooLarge { }

            [Network(1, 2, Unroll = (UnrollMode)(-1))]
            public partial class StrangeMode { }
        }
        """;

    [Fact]
    public void Output_is_byte_identical_under_a_culture_with_odd_number_formatting()
    {
        CultureInfo odd = OddCulture();
        Assert.Equal("\u22125", (-5).ToString(odd));        // the culture really is odd
        Assert.Equal("23 820", 23820.ToString("N0", odd).Replace('\u202F', ' '));
        Assert.Equal("0,5", 0.5f.ToString(odd));

        IReadOnlyList<(string Name, byte[] Bytes)> expected = Generate(CultureInfo.InvariantCulture);
        IReadOnlyList<(string Name, byte[] Bytes)> actual = Generate(odd);

        Assert.Equal(expected.Select(e => e.Name), actual.Select(a => a.Name));
        Assert.Equal(10, expected.Count); // 6 files, 4 diagnostics
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.True(
                expected[i].Bytes.AsSpan().SequenceEqual(actual[i].Bytes),
                $"{expected[i].Name} differs under '{odd.DisplayName}':\n{FirstDifference(expected[i].Bytes, actual[i].Bytes)}");
        }
    }

    /// <summary>
    /// A copy of the invariant culture with a U+2212 minus, a narrow no-break space between
    /// thousands and a decimal comma (the invariant culture is the one that exists in every globalization mode).
    /// </summary>
    private static CultureInfo OddCulture()
    {
        var culture = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        NumberFormatInfo numbers = culture.NumberFormat;
        numbers.NegativeSign = "\u2212";
        numbers.NumberGroupSeparator = "\u202F";
        numbers.NumberDecimalSeparator = ",";
        numbers.NumberGroupSizes = new[] { 3 };
        numbers.PositiveSign = "\u002B\u200E";
        return culture;
    }

    /// <summary>Every generated file and every diagnostic message, as UTF-8, generated under <paramref name="culture"/>.</summary>
    private static IReadOnlyList<(string Name, byte[] Bytes)> Generate(CultureInfo culture)
    {
        CultureInfo culture0 = CultureInfo.CurrentCulture, uiCulture0 = CultureInfo.CurrentUICulture;
        try
        {
            CultureInfo.CurrentCulture = culture;
            CultureInfo.CurrentUICulture = culture;
            GeneratorRun run = Harness.Run(Source);
            run.AssertGeneratorDidNotThrow();
            var files = run.Generator.GeneratedSources
                .Select(s => (s.HintName, Encoding.UTF8.GetBytes(s.SourceText.ToString())));
            var messages = run.Diagnostics
                .Select(d => ($"{d.Id} {d.Location.SourceSpan}", Encoding.UTF8.GetBytes(d.GetMessage(CultureInfo.InvariantCulture))));
            return files.Concat(messages).OrderBy(x => x.Item1, StringComparer.Ordinal).ToArray();
        }
        finally
        {
            CultureInfo.CurrentCulture = culture0;
            CultureInfo.CurrentUICulture = uiCulture0;
        }
    }

    private static string FirstDifference(byte[] expected, byte[] actual)
    {
        string[] e = Encoding.UTF8.GetString(expected).Split('\n'), a = Encoding.UTF8.GetString(actual).Split('\n');
        int line = 0;
        while (line < e.Length && line < a.Length && e[line] == a[line])
        {
            line++;
        }
        return $"line {line + 1}:\n  invariant: {(line < e.Length ? e[line] : "<end>")}\n  odd:       {(line < a.Length ? a[line] : "<end>")}";
    }
}
