using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using Backprop.Generated.Tests;
using Backprop.Tabular;

namespace Backprop.Generated.Fuzz;

/// <summary>
/// The <c>csv</c> target: the input is a CSV file, read with <see cref="TabularData.ReadCsv(Stream, string, IReadOnlyList{string}, IReadOnlyList{string}?, char)"/>
/// (target column <c>y</c>, every other column a feature, separator <c>,</c>). It must load or throw
/// <see cref="CsvFormatException"/>, exactly as <see cref="CsvModel"/> (tests/Backprop.Generated.Tests/CsvModel.cs,
/// an independent model of the documented format, the oracle of CsvFuzzTests) predicts: the same table bit for bit,
/// or the same reason, line and column. A read may allocate at most <see cref="AllocationLimit"/> and take at most a
/// second, and a stream that hands out a few bytes per read must give the same outcome as a MemoryStream.
/// </summary>
internal static class CsvTarget
{
    private static readonly string[] s_targets = ["y"];

    /// <summary>One CSV input: loaded (true) or refused with <see cref="CsvFormatException"/> (false); anything else throws.</summary>
    public static bool Csv(ReadOnlyMemory<byte> data)
    {
        byte[] bytes = data.ToArray();
        CsvModel.Outcome expected = CsvModel.Predict(bytes, s_targets, null, ',');

        var stopwatch = Stopwatch.StartNew();
        long before = GC.GetAllocatedBytesForCurrentThread();
        (TabularData? table, CsvFormatException? error) = Read(new MemoryStream(bytes, writable: false));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        stopwatch.Stop();

        if (allocated > AllocationLimit(bytes.Length))
        {
            throw Finding(FormattableString.Invariant($"reading {bytes.Length:N0} bytes allocated {allocated:N0} bytes"));
        }
        if (stopwatch.Elapsed > TimeSpan.FromSeconds(1))
        {
            throw Finding(FormattableString.Invariant($"reading {bytes.Length:N0} bytes took {stopwatch.Elapsed.TotalMilliseconds:F0} ms"));
        }
        string outcome = Describe(table, error);
        string predicted = Describe(expected);
        if (outcome != predicted)
        {
            throw Finding($"the reader gave {outcome}, the model {predicted}" + (error is null ? "" : $": {error.Message}"));
        }
        if (table is not null && (!table.Features.All(float.IsFinite) || !table.Targets.All(float.IsFinite)))
        {
            throw Finding("loaded a value that is not finite");
        }

        (TabularData? trickled, CsvFormatException? trickleError) = Read(new TrickleStream(bytes, seed: bytes.Length));
        if (Describe(trickled, trickleError) != outcome)
        {
            throw Finding($"a stream of a few bytes per read gave {Describe(trickled, trickleError)}, a MemoryStream {outcome}");
        }
        return table is not null;
    }

    /// <summary>What reading <paramref name="length"/> bytes may allocate: 1 MB, plus 48 bytes per input byte (as in CsvFuzzTests).</summary>
    private static long AllocationLimit(int length) => (1L << 20) + 48L * length;

    private static (TabularData? Table, CsvFormatException? Error) Read(Stream stream)
    {
        try
        {
            return (TabularData.ReadCsv(stream, "fuzz.csv", s_targets), null);
        }
        catch (CsvFormatException e)
        {
            if (e.FilePath != "fuzz.csv" || !e.Message.StartsWith("The CSV file 'fuzz.csv' ", StringComparison.Ordinal))
            {
                throw Finding($"the exception names '{e.FilePath}': {e.Message}");
            }
            return (null, e);
        }
    }

    /// <summary>An outcome as text, for comparison: the table with its values' bits, or the error's reason, line and column.</summary>
    private static string Describe(TabularData? table, CsvFormatException? error) => table is not null
        ? Table(table.Count, table.FeatureNames, table.TargetNames, table.Features, table.Targets)
        : string.Create(CultureInfo.InvariantCulture, $"{error!.Reason} at line {error.Line?.ToString(CultureInfo.InvariantCulture) ?? "-"}, column '{error.Column}'");

    private static string Describe(CsvModel.Outcome expected) => expected.Reason is CsvFormatError reason
        ? string.Create(CultureInfo.InvariantCulture, $"{reason} at line {expected.Line?.ToString(CultureInfo.InvariantCulture) ?? "-"}, column '{expected.Column}'")
        : Table(expected.Count, expected.FeatureNames, expected.TargetNames, expected.Features, expected.Targets);

    private static string Table(int count, IEnumerable<string> features, IEnumerable<string> targets, float[] x, float[] y) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{count} rows of [{string.Join('|', features)}] -> [{string.Join('|', targets)}], values {Convert.ToHexString(MemoryMarshal.AsBytes(x.AsSpan()))} / {Convert.ToHexString(MemoryMarshal.AsBytes(y.AsSpan()))}");

    private static InvalidOperationException Finding(string what) => new("csv: " + what);

    /// <summary>Writes the seed corpus: valid files the model loads, and a few it refuses.</summary>
    public static void WriteCorpus(string folder)
    {
        string csv = Directory.CreateDirectory(Path.Combine(folder, "csv")).FullName;
        (string Name, string Text)[] seeds =
        [
            ("plain", "a,b,y\n1,2,3\n-4.5,5e-1,6\n7,8,-9.25\n"),
            ("crlf-diabetes", "age,sex,bmi,bp,y\r\n59,2,32.1,101.0,151\r\n48,1,21.6,87,75\r\n72,2,30.5,93,141\r\n"),
            ("quoted-text-column", "id,\"x,1\",\"say \"\"hi\"\"\",y\nfirst,\"1.5\",2,\" 3 \"\n\"se,\"\"cond\"\"\",4,\"-5e2\",6\n"),
            ("bom-cr-blank-end", "\uFEFF a ,b,y\r1,2,3\r4,5,6\r  \r\n\n"),
            ("multiline-name", "\"first\nname\",y\n1,2\n3,4"),
            ("numbers", "a,b,c,y\n+.5,5.,1E+05,0\n-0,1e-50,3.4028235e38,00001\n"),
            ("nul-padded", "a,y\n1,2\n3,4\0\0\0\0"),
            ("quote-left-open", "a,y\n1,2\n3,\"4."),
            ("ragged-blank-line", "a,b,y\n1,2,3\n\n4,5\n"),
            ("semicolons", "a;b;y\n1;2;3\n"),
            ("wide-64", string.Join(',', Enumerable.Range(0, 63).Select(i => "c" + i.ToString(CultureInfo.InvariantCulture))) + ",y\n" +
                string.Join(',', Enumerable.Range(0, 64).Select(i => (i % 10).ToString(CultureInfo.InvariantCulture))) + "\n"),
        ];
        foreach ((string name, string text) in seeds)
        {
            File.WriteAllBytes(Path.Combine(csv, name + ".csv"), Encoding.UTF8.GetBytes(text));
        }
    }

    /// <summary>
    /// <paramref name="count"/> text-aware mutations of the seeds, from a fixed seed: one to four of bits flipped,
    /// bytes set to CSV's special characters, chunks inserted (quotes, separators, line breaks, NULs, NaN, huge
    /// exponents, non-breaking spaces, a byte order mark), stretches deleted or duplicated, lines duplicated, NUL
    /// padding, truncation.
    /// </summary>
    public static IEnumerable<(string File, byte[] Data)> Mutations((string File, byte[] Data)[] seeds, int count)
    {
        var random = new Random(20_260_323);
        byte[] special = [(byte)',', (byte)';', (byte)'\t', (byte)'"', (byte)'\n', (byte)'\r', (byte)' ', 0, (byte)'.', (byte)'-', (byte)'e', 0xFF, 0xC3];
        byte[][] chunks =
        [
            .. new[] { "\"", "\"\"", ",", "\r\n", "\r", "\n", "\0", "\0\0\0\0", " ", "NaN", "-Infinity", "1e39", "1e-50", "+", ".", "E+5",
                "\u00A0", "\u2003", "\uFEFF", "\u00E9", "12345678901234567890", "\"a,b\"", ",,", "y" }.Select(Encoding.UTF8.GetBytes),
        ];
        for (int i = 0; i < count && seeds.Length > 0; i++)
        {
            (string file, byte[] seed) = seeds[random.Next(seeds.Length)];
            var data = new List<byte>(seed);
            int edits = 1 + random.Next(4);
            for (int e = 0; e < edits; e++)
            {
                int at = random.Next(data.Count + 1);
                switch (random.Next(8))
                {
                    case 0 when at < data.Count:
                        data[at] ^= (byte)(1 << random.Next(8));
                        break;
                    case 1 when at < data.Count:
                        data[at] = special[random.Next(special.Length)];
                        break;
                    case 2:
                    case 3:
                        data.InsertRange(at, chunks[random.Next(chunks.Length)]);
                        break;
                    case 4 when at < data.Count:
                        data.RemoveRange(at, Math.Min(data.Count - at, 1 + random.Next(8)));
                        break;
                    case 5 when at < data.Count:
                        data.InsertRange(at, data.GetRange(at, Math.Min(data.Count - at, 1 + random.Next(32))));
                        break;
                    case 6:
                        data.AddRange(new byte[1 + random.Next(16)]);
                        break;
                    default:
                        data.RemoveRange(at, data.Count - at);
                        break;
                }
            }
            yield return ($"{file}#{i}", data.ToArray());
        }
    }
}
