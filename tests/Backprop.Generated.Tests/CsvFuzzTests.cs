using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Backprop.Tabular;
using Xunit;
using Xunit.Abstractions;

namespace Backprop.Generated.Tests;

/// <summary>
/// A deterministic mutation fuzzer for <see cref="TabularData.ReadCsv(Stream, string, IReadOnlyList{string}, IReadOnlyList{string}?, char)"/>
/// and its path overloads: tens of thousands of damaged CSV files (bit flips, bytes set and inserted, truncations, NUL
/// padding, ragged rows, stray quotes, huge fields, wide headers, stacked havoc), read under four cultures from memory,
/// from streams that trickle a few bytes per read, and from files. Every input must end in a table or a
/// <see cref="CsvFormatException"/>, never another exception; and <see cref="CsvModel"/>, an independent model of the
/// documented format, predicts the outcome exactly: the table (bit for bit), or the reason, line and column of the
/// error. No case may allocate more than <see cref="FixedAllocationBound"/> plus <see cref="AllocationPerInputByte"/>
/// bytes per input byte, or take a second.
/// </summary>
public sealed class CsvFuzzTests : IDisposable
{
    /// <summary>What any read may allocate whatever its input: the parser's first buffers, the exception, its message.</summary>
    private const long FixedAllocationBound = 1 << 20;

    /// <summary>
    /// What a read may allocate per input byte on top: the parser's character buffer (two bytes a character, grown by
    /// doubling), and per column of a wide header its name, the name set, the column plan and the parser's column
    /// table (about 120 bytes for a column that takes 4 bytes of the file: "a," in the header, "1," in a row).
    /// </summary>
    private const long AllocationPerInputByte = 48;

    /// <summary>The cultures the cases rotate through: decimal commas, a non-breaking group separator, the Turkish i, Arabic.</summary>
    private static readonly CultureInfo[] s_cultures =
        [.. new[] { "de-DE", "fr-FR", "tr-TR", "ar-SA" }.Select(CultureInfo.GetCultureInfo)];

    private readonly TemporaryFolder _folder = new();
    private readonly ITestOutputHelper _output;

    public CsvFuzzTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _folder.Dispose();

    // ---- The fuzzer ----------------------------------------------------------------------------

    [Fact]
    public void Mutated_files_load_what_the_model_reads_or_fail_where_it_predicts()
    {
        Campaign campaign = RunCampaign(Cases);
        Assert.True(campaign.Cases >= 25_000, $"only {campaign.Cases} cases");
        foreach (CsvFormatError reason in Enum.GetValues<CsvFormatError>())
        {
            Assert.True(campaign.Outcomes.GetValueOrDefault(reason.ToString()) > 0, $"no case ended in {reason}");
        }
        Assert.True(campaign.Outcomes.GetValueOrDefault("loaded") > 1_000, "too few cases loaded");
        Assert.True(campaign.MaxMilliseconds < 1_000, $"the slowest case took {campaign.MaxMilliseconds:F0} ms");
    }

    // ---- Regression tests: the issue's findings and every input the fuzzer failed on ---------------------------

    public static TheoryData<byte[], int, string, string> NulCases => new()
    {
        // A number followed by a NUL: float.TryParse ignores trailing NULs, so this loaded one row with feature 1.
        { "a,y\n1\0,2\n"u8.ToArray(), 2, "a", "'1\\0'" },
        // NUL padding at the end of the file, what a crash in the middle of a write can leave: loaded two rows.
        { "a,y\n1,2\n3,4\0\0\0\0"u8.ToArray(), 3, "y", "'4\\0\\0\\0\\0'" },
        { "a,y\r\n1,2\r\n3,4\0\0\0\0\r\n"u8.ToArray(), 3, "y", "'4\\0\\0\\0\\0'" },
        // A NUL and then white space: the space was trimmed and the NUL ignored.
        { "a,y\n1\0 ,2\n"u8.ToArray(), 2, "a", "'1\\0'" },
        // Quoted.
        { "a,y\n\"1\0\",2\n"u8.ToArray(), 2, "a", "'1\\0'" },
    };

    [Theory]
    [MemberData(nameof(NulCases))]
    public void Regression_a_number_followed_by_NUL_characters_is_not_a_number(byte[] bytes, int line, string column, string shown)
    {
        string path = _folder.File("nul.csv");
        File.WriteAllBytes(path, bytes);
        foreach (Func<TabularData> read in new Func<TabularData>[]
        {
            () => TabularData.ReadCsv(path, "y"),
            () => TabularData.ReadCsv(new MemoryStream(bytes), "nul.csv", ["y"]),
        })
        {
            var e = Assert.Throws<CsvFormatException>(read);
            Assert.Equal(CsvFormatError.NotANumber, e.Reason);
            Assert.Equal(line, e.Line);
            Assert.Equal(column, e.Column);
            // The NULs are shown as \0, and named.
            Assert.Contains($"line {line}, column '{column}' (column {(column == "a" ? 1 : 2)}) is {shown}.", e.Message, StringComparison.Ordinal);
            Assert.Contains("NUL characters", e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain('\0', e.Message);
        }
        Assert.Equal(CsvModel.Predict(bytes, ["y"], null, ',').Reason, CsvFormatError.NotANumber);
    }

    [Fact]
    public void Regression_a_row_longer_than_the_parser_reads_is_a_CsvFormatException()
    {
        // One stray quote early in a 17 MB file: the quoted value runs on past the parser's row limit of 2^24
        // characters, and Sep's NotSupportedException escaped ("Buffer or row has reached maximum supported length").
        string rows = string.Concat(Enumerable.Repeat("7,8,9\n", 17_000_000 / 6));
        byte[] stray = Encoding.ASCII.GetBytes("a,b,y\n1,2,3\n4,\"5,6\n" + rows);
        string path = _folder.File("stray.csv");
        File.WriteAllBytes(path, stray);
        foreach ((Func<TabularData> read, string name) in new (Func<TabularData>, string)[]
        {
            (() => TabularData.ReadCsv(path, "y"), path),
            (() => TabularData.ReadCsv(new MemoryStream(stray), "stray.csv", ["y"]), "stray.csv"),
        })
        {
            var e = Assert.Throws<CsvFormatException>(read);
            Assert.Equal(CsvFormatError.RaggedRow, e.Reason);
            Assert.Equal(3, e.Line);
            Assert.Null(e.Column);
            Assert.Equal(name, e.FilePath);
            Assert.Contains($"The CSV file '{name}' has a row too long to read: line 3 starts a row of more than 16,777,216 characters", e.Message, StringComparison.Ordinal);
            Assert.Contains("Is a quote left open?", e.Message, StringComparison.Ordinal);
            Assert.IsType<NotSupportedException>(e.InnerException);
        }

        // The same file at 16 MB fits: the quote is left open to the end of the file.
        byte[] shorter = Encoding.ASCII.GetBytes("a,b,y\n1,2,3\n4,\"5,6\n" + rows[..(16_000_000 - 20)]);
        var open = Assert.Throws<CsvFormatException>(() => TabularData.ReadCsv(new MemoryStream(shorter), "stray.csv", ["y"]));
        Assert.Equal(CsvFormatError.RaggedRow, open.Reason);
        Assert.Equal(3, open.Line);
        Assert.Equal("b", open.Column);
        Assert.Contains("has a quote left open: line 3, column 'b' (column 2) has a quote that is never closed", open.Message, StringComparison.Ordinal);

        // A valid file with one 17-million-character number.
        byte[] number = Encoding.ASCII.GetBytes("a,y\n1,2\n0." + new string('0', 17_000_000) + "1,3\n");
        var e2 = Assert.Throws<CsvFormatException>(() => TabularData.ReadCsv(new MemoryStream(number), "number.csv", ["y"]));
        Assert.Equal((CsvFormatError.RaggedRow, 3), (e2.Reason, e2.Line));
        // ... and with a 17-million-character header.
        byte[] header = Encoding.ASCII.GetBytes(new string('x', 17_000_000) + ",y\n1,2\n");
        var e3 = Assert.Throws<CsvFormatException>(() => TabularData.ReadCsv(new MemoryStream(header), "header.csv", ["y"]));
        Assert.Equal((CsvFormatError.RaggedRow, 1), (e3.Reason, e3.Line));
        Assert.Contains("line 1 starts a row of more than 16,777,216 characters", e3.Message, StringComparison.Ordinal);

        // Blank lines before the long row decide first, as before any row: a blank line in the data, a blank first line.
        byte[] blank = Encoding.ASCII.GetBytes("a,y\n1,2\n\n\"" + new string('x', 17_000_000));
        var e4 = Assert.Throws<CsvFormatException>(() => TabularData.ReadCsv(new MemoryStream(blank), "blank.csv", ["y"]));
        Assert.Equal((CsvFormatError.RaggedRow, 3), (e4.Reason, e4.Line));
        Assert.Contains("blank line in its data", e4.Message, StringComparison.Ordinal);
        byte[] first = Encoding.ASCII.GetBytes("\n" + new string('x', 17_000_000) + ",y\n1,2\n");
        var e5 = Assert.Throws<CsvFormatException>(() => TabularData.ReadCsv(new MemoryStream(first), "first.csv", ["y"]));
        Assert.Equal((CsvFormatError.Empty, 1), (e5.Reason, e5.Line));
    }

    [Fact]
    public void Regression_a_million_columns_allocate_in_proportion_to_the_file()
    {
        // 1,000,000 columns and one row, 9.9 MB: room for 256 rows of them was reserved before the first row was read,
        // 1.16 GiB; now the buffers grow with the rows read.
        const int columns = 1_000_000;
        var text = new StringBuilder(10_000_000);
        for (int i = 0; i < columns - 1; i++)
        {
            text.Append('c').Append(i).Append(',');
        }
        text.Append("y\n");
        for (int i = 0; i < columns; i++)
        {
            text.Append(i % 10).Append(i == columns - 1 ? '\n' : ',');
        }
        byte[] bytes = Encoding.ASCII.GetBytes(text.ToString());

        var stopwatch = Stopwatch.StartNew();
        long before = GC.GetAllocatedBytesForCurrentThread();
        TabularData data = TabularData.ReadCsv(new MemoryStream(bytes), "wide.csv", ["y"]);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        stopwatch.Stop();

        _output.WriteLine($"{columns:N0} columns, {bytes.Length:N0} bytes: {allocated:N0} bytes allocated ({(double)allocated / bytes.Length:F1} per input byte), {stopwatch.ElapsedMilliseconds} ms");
        Assert.Equal(1, data.Count);
        Assert.Equal(columns - 1, data.FeatureNames.Count);
        Assert.Equal(columns - 1, data.Features.Length);
        Assert.Equal(8f, data.Features[^1]);
        Assert.Equal([9f], data.Targets);
        Assert.True(allocated < FixedAllocationBound + AllocationPerInputByte * bytes.Length, $"allocated {allocated:N0} bytes for {bytes.Length:N0}");
        Assert.True(allocated < 256L << 20, $"allocated {allocated:N0} bytes");
    }

    [Theory]
    // Cut short in a quoted value: "4.75" would have loaded as 4.
    [InlineData("a,y\n1,2\n3,\"4.", 3, "y")]
    // An unclosed quote swallows the rest of the file into one value.
    [InlineData("a,y\n1,\"2\n3,4\n", 2, "y")]
    // A lone quote on the last line is the start of a value, not a blank line.
    [InlineData("a,y\n1,2\n\"", 3, "a")]
    [InlineData("a,y\n1,2\n\"   \n  ", 3, "a")]
    // More fields than the header: the field that opens the quote is not a column.
    [InlineData("a,y\n1,2\n3,4,\"5", 3, null)]
    // In the header.
    [InlineData("a,\"y\n1,2\n", 1, null)]
    public void Regression_a_quote_left_open_at_the_end_of_the_file_is_a_RaggedRow(string text, int line, string? column)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        var e = Assert.Throws<CsvFormatException>(() => TabularData.ReadCsv(new MemoryStream(bytes), "open.csv", ["y"]));
        Assert.Equal(CsvFormatError.RaggedRow, e.Reason);
        Assert.Equal(line, e.Line);
        Assert.Equal(column, e.Column);
        Assert.Contains($"has a quote left open: line {line}, ", e.Message, StringComparison.Ordinal);
        CsvModel.Outcome expected = CsvModel.Predict(bytes, ["y"], null, ',');
        Assert.Equal((CsvFormatError.RaggedRow, line, column), (expected.Reason!.Value, expected.Line!.Value, expected.Column));
    }

    [Fact]
    public void Regression_a_header_of_one_quoted_field_is_read_once()
    {
        // ` "y"y` unescapes (in place, in the parser's buffer) to "yy"; a second read of the same field gave " y", so the
        // header was taken to be blank-free "yy" and then read as "y": NoFeatures instead of a missing column 'y'.
        byte[] bytes = " \"y\"y\n1\n"u8.ToArray();
        var e = Assert.Throws<CsvFormatException>(() => TabularData.ReadCsv(new MemoryStream(bytes), "one.csv", ["y"]));
        Assert.Equal(CsvFormatError.MissingColumn, e.Reason);
        Assert.Contains("line 1 has the columns 'yy'", e.Message, StringComparison.Ordinal);
        Assert.Equal(CsvFormatError.MissingColumn, CsvModel.Predict(bytes, ["y"], null, ',').Reason);
    }

    [Fact]
    public void Regression_a_stream_of_a_few_bytes_per_read_reads_as_from_memory()
    {
        // Found by the csv target of tests/Backprop.Generated.Fuzz (replaying mutations through a stream of 1 to 7
        // bytes per read). A carriage return followed by another at the end of a read: Sep set the second aside for its
        // next read but read on, so it landed further on, and the blank line (line 3) moved: this loaded two rows.
        byte[] crcr = "a,y\r1,2\r\r\n3,4\r\n"u8.ToArray();
        // After a first read of one byte, StreamReader took the U+FEFF that follows for a byte order mark and dropped it:
        // the first column was 'a', not 'a\uFEFF'.
        byte[] feff = "a\uFEFF,b,y\n1,2,3\n"u8.ToArray();
        foreach (byte[] bytes in new[] { crcr, feff })
        {
            string expected = Outcome(() => TabularData.ReadCsv(new MemoryStream(bytes), "s.csv", ["y"]));
            Assert.Equal(Describe(CsvModel.Predict(bytes, ["y"], null, ',')), expected);
            foreach (Func<int, int> sizes in new Func<int, int>[] { _ => 1, read => read == 0 ? 1 : 4096, read => 1 + read % 3 })
            {
                Assert.Equal(expected, Outcome(() => TabularData.ReadCsv(new TrickleStream(bytes, sizes), "s.csv", ["y"])));
            }
        }
        Assert.Equal("RaggedRow at line 3", Outcome(() => TabularData.ReadCsv(new MemoryStream(crcr), "s.csv", ["y"])));
        Assert.Equal("loaded a\uFEFF|b", Outcome(() => TabularData.ReadCsv(new MemoryStream(feff), "s.csv", ["y"])));

        static string Outcome(Func<TabularData> read)
        {
            try
            {
                return "loaded " + string.Join('|', read().FeatureNames);
            }
            catch (CsvFormatException e)
            {
                return $"{e.Reason} at line {e.Line}";
            }
        }

        static string Describe(CsvModel.Outcome o) => o.Reason is null ? "loaded " + string.Join('|', o.FeatureNames) : $"{o.Reason} at line {o.Line}";
    }

    // ---- Case generation -----------------------------------------------------------------------

    /// <summary>A CSV input and how it is read: the target and feature columns asked for, and the separator.</summary>
    private sealed record CsvCase(string Description, byte[] Bytes, string[] Targets, string[]? Features = null, char Separator = ',');

    /// <summary>The valid files the mutations start from.</summary>
    private static IEnumerable<CsvCase> Bases()
    {
        yield return new("plain", Ascii("a,b,y\n1,2,3\n-4.5,5e-1,6\n7,8,-9.25\n"), ["y"]);
        yield return new("crlf", Ascii("age,sex,bmi,bp,target\r\n0.038,0.05,0.0617,0.0219,151\r\n-0.0019,-0.0446,-0.0515,-0.0263,75\r\n.0853,+0.0507,4.45E-2,-5.7e-03,141.\r\n"), ["target"]);
        yield return new("quoted", Ascii("id,\"x,1\",\"say \"\"hi\"\"\",y1,y2\nfirst,\"1.5\",2,\" 3 \",4\n\"se,\"\"cond\"\"\",4,\"-5e2\",6,7\n"), ["y2", "y1"], ["say \"hi\"", "x,1"]);
        yield return new("semicolon", Ascii("a;\"b;c\";y\r\n1.25;2;3\r\n4;\"5\";6\r\n"), ["y"], Separator: ';');
        yield return new("tab", Ascii("a\tb\ty\n 1 \t2\t3\n4\t5\t6\n\n\n"), ["y"], Separator: '\t');
        yield return new("cr-bom-blank", [0xEF, 0xBB, 0xBF, .. Ascii(" a ,b,y\r1,2,3\r4,5,6\r  \r")], ["y"]);
        yield return new("multiline-name", Ascii("\"first\nname\",y\n1,2\n3,4"), ["y"]);
        yield return new("pipe-text", Ascii("name|x|y\n\"Ann, \"\"A.\"\"\"|0.5|1\nBob|-1e-3|0\n"), ["y"], ["x"], '|');
    }

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    /// <summary>Bytes that mean something to CSV, numbers or UTF-8.</summary>
    private static readonly byte[] s_interesting = [(byte)',', (byte)';', (byte)'\t', (byte)'"', (byte)'\n', (byte)'\r', (byte)' ', 0, (byte)'.', (byte)'-', (byte)'e', (byte)'x', (byte)'0', 0xFF, 0xC3];

    private static IEnumerable<CsvCase> Cases()
    {
        var random = new Random(20_260_323);
        CsvCase[] bases = [.. Bases()];
        foreach (CsvCase b in bases)
        {
            byte[] bytes = b.Bytes;
            yield return b with { Description = $"{b.Description} valid" };

            // Every bit flipped.
            for (int bit = 0; bit < bytes.Length * 8; bit++)
            {
                byte[] m = (byte[])bytes.Clone();
                m[bit / 8] ^= (byte)(1 << (bit % 8));
                yield return b with { Description = $"{b.Description} bit {bit} flipped", Bytes = m };
            }

            // Every byte set to each interesting value, and each interesting value inserted before every byte.
            for (int at = 0; at < bytes.Length; at++)
            {
                foreach (byte value in s_interesting)
                {
                    if (bytes[at] != value)
                    {
                        byte[] m = (byte[])bytes.Clone();
                        m[at] = value;
                        yield return b with { Description = $"{b.Description} byte {at} = 0x{value:X2}", Bytes = m };
                    }
                }
                foreach (byte value in s_interesting.Take(8))
                {
                    yield return b with { Description = $"{b.Description} 0x{value:X2} inserted at {at}", Bytes = [.. bytes[..at], value, .. bytes[at..]] };
                }
            }

            // Truncation at every length, and every single byte deleted.
            for (int length = 0; length < bytes.Length; length++)
            {
                yield return b with { Description = $"{b.Description} truncated to {length} bytes", Bytes = bytes[..length] };
                yield return b with { Description = $"{b.Description} byte {length} deleted", Bytes = [.. bytes[..length], .. bytes[(length + 1)..]] };
            }

            // NUL padding, directly after the last value or after a line break, and NULs instead of the last bytes.
            foreach (int n in new[] { 1, 2, 3, 4, 16, 512 })
            {
                byte[] trimmed = bytes.AsSpan().TrimEnd("\r\n "u8).ToArray();
                yield return b with { Description = $"{b.Description} + {n} NULs", Bytes = [.. trimmed, .. new byte[n]] };
                yield return b with { Description = $"{b.Description} + newline + {n} NULs", Bytes = [.. trimmed, (byte)'\n', .. new byte[n]] };
                yield return b with { Description = $"{b.Description} + {n} NULs + newline", Bytes = [.. trimmed, .. new byte[n], (byte)'\n'] };
                if (n < trimmed.Length)
                {
                    yield return b with { Description = $"{b.Description} last {n} bytes NUL", Bytes = [.. trimmed[..^n], .. new byte[n]] };
                }
            }

            // Ragged rows: a line without its last field, with a field more, without a separator; a blank line inside.
            byte[][] lines = Lines(bytes);
            for (int l = 0; l < lines.Length; l++)
            {
                string line = Encoding.UTF8.GetString(lines[l]);
                string eol = line.EndsWith("\r\n", StringComparison.Ordinal) ? "\r\n" : line.EndsWith('\n') || line.EndsWith('\r') ? line[^1..] : "";
                string body = line[..^eol.Length];
                int lastSeparator = body.LastIndexOf(b.Separator);
                var variants = new List<(string, string)>
                {
                    ("a field more", body + b.Separator + "9" + eol),
                    ("a blank line after it", line + (eol.Length == 0 ? "\n" : eol) + "\n"),
                    ("twice", line + (eol.Length == 0 ? "\n" : "") + line),
                };
                if (lastSeparator >= 0)
                {
                    variants.Add(("without its last field", body[..lastSeparator] + eol));
                    variants.Add(("without a separator", body.Remove(lastSeparator, 1) + eol));
                    variants.Add(("with a quote opened before its last field", body.Insert(lastSeparator + 1, "\"") + eol));
                }
                foreach ((string what, string replacement) in variants)
                {
                    byte[] m = [.. lines.Take(l).SelectMany(x => x), .. Encoding.UTF8.GetBytes(replacement), .. lines.Skip(l + 1).SelectMany(x => x)];
                    yield return b with { Description = $"{b.Description} line {l + 1} {what}", Bytes = m };
                }
            }

            // Huge fields in the first data row's last column: a long valid number, one that overflows, padding, text.
            if (lines.Length > 1)
            {
                string row = Encoding.UTF8.GetString(lines[1]);
                int cut = row.TrimEnd('\r', '\n').LastIndexOf(b.Separator) + 1;
                string eol = row[row.TrimEnd('\r', '\n').Length..];
                foreach ((string what, string value) in new[]
                {
                    ("a 100,000-digit fraction", "0." + new string('0', 100_000) + "1"),
                    ("a 100,000-digit number", "1" + new string('0', 100_000)),
                    ("100,000 leading zeros", new string('0', 100_000) + "7.5"),
                    ("100,000 spaces around it", new string(' ', 50_000) + "2" + new string(' ', 50_000)),
                    ("a quoted 100,000-character text", "\"" + new string('x', 100_000) + "\""),
                    ("a quoted value of 10,000 line breaks", "\"1" + string.Concat(Enumerable.Repeat("\r\n", 10_000)) + "\""),
                })
                {
                    string changed = row[..cut] + value + eol;
                    yield return b with { Description = $"{b.Description} {what}", Bytes = [.. lines[0], .. Encoding.UTF8.GetBytes(changed), .. lines.Skip(2).SelectMany(x => x)] };
                }
            }
        }

        // Another separator than the file's: the header is one column.
        yield return bases[3] with { Description = "semicolon file read with ','", Separator = ',' };
        yield return bases[0] with { Description = "comma file read with ';'", Separator = ';' };
        yield return bases[4] with { Description = "tab file read with ','", Separator = ',' };

        // Wide headers: 1,000 to 100,000 columns, valid, and with the damage at the far end.
        foreach (int columns in new[] { 1_000, 10_000, 100_000 })
        {
            string names = string.Join(',', Enumerable.Range(0, columns - 1).Select(i => "c" + i.ToString(CultureInfo.InvariantCulture))) + ",y\n";
            string values = string.Join(',', Enumerable.Range(0, columns).Select(i => (i % 10).ToString(CultureInfo.InvariantCulture))) + "\n";
            yield return new($"{columns} columns", Ascii(names + values + values), ["y"]);
            yield return new($"{columns} columns, the target missing", Ascii(names.Replace(",y\n", ",z\n", StringComparison.Ordinal) + values), ["y"]);
            yield return new($"{columns} columns, the last name repeating the first", Ascii(names.Replace(",y\n", ",c0\n", StringComparison.Ordinal) + values), ["c1"]);
            yield return new($"{columns} columns, the last value empty", Ascii(names + values + values[..^2] + "\n"), ["y"]);
            yield return new($"{columns} columns, a field short", Ascii(names + values + values[..^3] + "\n"), ["y"]);
            yield return new($"{columns} columns, no rows", Ascii(names), ["y"]);
        }

        // The widest header per byte: two-character names over 62 letters and digits, one-character values.
        const string alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        string shortNames = string.Join(',', alphabet.SelectMany(c1 => alphabet.Select(c2 => string.Concat(c1, c2))));
        yield return new("3,844 two-character names", Ascii(shortNames + "\n" + string.Join(',', Enumerable.Repeat("1", 62 * 62)) + "\n"), ["zz"]);

        // Havoc: stacked mutations at random.
        for (int i = 0; i < 16_000; i++)
        {
            CsvCase b = bases[i % bases.Length];
            yield return b with { Description = $"{b.Description} havoc {i}", Bytes = Havoc(b.Bytes, bases[random.Next(bases.Length)].Bytes, random) };
        }
    }

    /// <summary>The lines of <paramref name="bytes"/>, each with its line break (CR, LF or CRLF).</summary>
    private static byte[][] Lines(byte[] bytes)
    {
        var lines = new List<byte[]>();
        int start = 0;
        for (int i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == '\n' || (bytes[i] == '\r' && (i + 1 == bytes.Length || bytes[i + 1] != '\n')))
            {
                lines.Add(bytes[start..(i + 1)]);
                start = i + 1;
            }
        }
        if (start < bytes.Length)
        {
            lines.Add(bytes[start..]);
        }
        return [.. lines];
    }

    private static readonly string[] s_chunks =
        ["\"", "\"\"", ",", ";", "\t", "\r\n", "\r", "\n", "\0", "\0\0\0\0", " ", "NaN", "-Infinity", "1e39", "1e-50", "+", "-", ".", "e", "E+5",
         "\u00A0", "\u2003", "\uFEFF", "\u00E9", "\uFFFD", "x", "0", "12345678901234567890", "\"a,b\"", ",,"];

    /// <summary>One to four mutations stacked: bytes flipped, set, inserted, deleted, duplicated; chunks and lines.</summary>
    private static byte[] Havoc(byte[] original, byte[] other, Random random)
    {
        var bytes = new List<byte>(original);
        int edits = 1 + random.Next(4);
        for (int e = 0; e < edits; e++)
        {
            int at = random.Next(bytes.Count + 1);
            switch (random.Next(10))
            {
                case 0 when at < bytes.Count:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when at < bytes.Count:
                    bytes[at] = s_interesting[random.Next(s_interesting.Length)];
                    break;
                case 2 when at < bytes.Count:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 3:
                case 4:
                    bytes.InsertRange(at, Encoding.UTF8.GetBytes(s_chunks[random.Next(s_chunks.Length)]));
                    break;
                case 5 when at < bytes.Count:
                    bytes.RemoveRange(at, Math.Min(bytes.Count - at, 1 + random.Next(8)));
                    break;
                case 6 when at < bytes.Count:
                    bytes.InsertRange(at, bytes.GetRange(at, Math.Min(bytes.Count - at, 1 + random.Next(16))));
                    break;
                case 7:
                    // A line of another base, spliced in at a line start.
                    byte[][] lines = Lines(other);
                    int lineStart = at == 0 ? 0 : bytes.FindLastIndex(at - 1, c => c == '\n') + 1;
                    bytes.InsertRange(lineStart, lines[random.Next(lines.Length)]);
                    break;
                case 8:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                default:
                    // Two lines swapped.
                    byte[][] own = Lines([.. bytes]);
                    if (own.Length > 1)
                    {
                        int i = random.Next(own.Length), j = random.Next(own.Length);
                        (own[i], own[j]) = (own[j], own[i]);
                        bytes = [.. own.SelectMany(x => x)];
                    }
                    break;
            }
        }
        return [.. bytes];
    }

    // ---- Running and checking ------------------------------------------------------------------

    private sealed class Campaign
    {
        public int Cases { get; set; }

        public SortedDictionary<string, int> Outcomes { get; } = new(StringComparer.Ordinal);

        public List<string> Failures { get; } = [];

        public double MaxBytesPerInputByte { get; set; }

        public string MaxAllocatedCase { get; set; } = "";

        public long MaxAllocated { get; set; }

        public double MaxMilliseconds { get; set; }

        public string SlowestCase { get; set; } = "";

        public double[] EntryMilliseconds { get; } = new double[3];

        public int[] EntryCases { get; } = new int[3];
    }

    private Campaign RunCampaign(Func<IEnumerable<CsvCase>> cases)
    {
        var campaign = new Campaign();
        var stopwatch = Stopwatch.StartNew();
        // On a worker thread, so that a hang fails the test instead of stalling the run, and so that its culture can be
        // changed without touching other tests'.
        Task run = Task.Run(() =>
        {
            CultureInfo culture = CultureInfo.CurrentCulture, uiCulture = CultureInfo.CurrentUICulture;
            try
            {
                foreach (CsvCase fuzzCase in cases())
                {
                    RunCase(campaign, fuzzCase);
                }
            }
            finally
            {
                CultureInfo.CurrentCulture = culture;
                CultureInfo.CurrentUICulture = uiCulture;
            }
        });
        Assert.True(run.Wait(TimeSpan.FromSeconds(120)), $"the campaign did not finish within 120 s (a hang?) after {campaign.Cases} cases");
        stopwatch.Stop();

        _output.WriteLine($"{campaign.Cases:N0} cases in {stopwatch.Elapsed.TotalSeconds:F2} s; slowest case {campaign.MaxMilliseconds:F1} ms ({campaign.SlowestCase}); " +
            $"most allocated {campaign.MaxAllocated:N0} bytes; most per input byte {campaign.MaxBytesPerInputByte:F1} ({campaign.MaxAllocatedCase})");
        _output.WriteLine($"  reading: memory {campaign.EntryCases[2]:N0} cases in {campaign.EntryMilliseconds[2]:F0} ms, trickle {campaign.EntryCases[1]:N0} in {campaign.EntryMilliseconds[1]:F0} ms, " +
            $"path {campaign.EntryCases[0]:N0} in {campaign.EntryMilliseconds[0]:F0} ms");
        foreach ((string outcome, int n) in campaign.Outcomes)
        {
            _output.WriteLine($"  {outcome,-20} {n,8:N0}");
        }
        foreach (string failure in campaign.Failures.Take(40))
        {
            _output.WriteLine(failure);
        }
        Assert.True(campaign.Failures.Count == 0,
            $"{campaign.Failures.Count} of {campaign.Cases} cases broke an invariant; the first:\n{string.Join("\n", campaign.Failures.Take(10))}");
        return campaign;
    }

    private void RunCase(Campaign campaign, CsvCase c)
    {
        int index = campaign.Cases++;
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = s_cultures[index % s_cultures.Length];
        CsvModel.Outcome expected = CsvModel.Predict(c.Bytes, c.Targets, c.Features, c.Separator);

        // A MemoryStream, or one case in 256 a file (writing files is slow on a busy machine): allocation and time
        // measured.
        string source = "fuzz.csv";
        Func<TabularData> read = () => TabularData.ReadCsv(new MemoryStream(c.Bytes, writable: false), source, c.Targets, c.Features, c.Separator);
        int entry = index % 256 == 0 ? 0 : 2;
        if (entry == 0)
        {
            source = _folder.File("fuzz.csv");
            File.WriteAllBytes(source, c.Bytes);
            read = c.Separator == ',' && c.Features is null
                ? () => TabularData.ReadCsv(source, c.Targets)
                : () => TabularData.ReadCsv(source, c.Targets, c.Features, c.Separator);
        }
        (TabularData? data, Exception? error, long allocated, double milliseconds) = Attempt(read);

        campaign.EntryMilliseconds[entry] += milliseconds;
        campaign.EntryCases[entry]++;
        if (milliseconds > campaign.MaxMilliseconds)
        {
            campaign.MaxMilliseconds = milliseconds;
            campaign.SlowestCase = string.Create(CultureInfo.InvariantCulture, $"{c.Description}, {c.Bytes.Length:N0} bytes");
        }
        campaign.MaxAllocated = Math.Max(campaign.MaxAllocated, allocated);
        double perByte = (double)allocated / Math.Max(1, c.Bytes.Length);
        if (c.Bytes.Length >= 4096 && perByte > campaign.MaxBytesPerInputByte)
        {
            campaign.MaxBytesPerInputByte = perByte;
            campaign.MaxAllocatedCase = string.Create(CultureInfo.InvariantCulture, $"{c.Description}, {c.Bytes.Length:N0} bytes");
        }

        string outcome = data is not null ? "loaded" : error is CsvFormatException f ? f.Reason.ToString() : "ESCAPED " + error!.GetType().Name;
        campaign.Outcomes[outcome] = campaign.Outcomes.GetValueOrDefault(outcome) + 1;

        string? problem = Check(expected, data, error, source);
        if (problem is null && allocated > FixedAllocationBound + AllocationPerInputByte * c.Bytes.Length)
        {
            problem = string.Create(CultureInfo.InvariantCulture, $"allocated {allocated:N0} bytes for {c.Bytes.Length:N0} bytes of input");
        }
        if (problem is null && milliseconds > 1_000)
        {
            problem = $"took {milliseconds:F0} ms";
        }

        // Every input under 64 KB again through a forward-only stream of one to seven bytes per read: the same outcome.
        if (problem is null && c.Bytes.Length < 64 << 10)
        {
            entry = 1;
            (data, error, _, milliseconds) = Attempt(() => TabularData.ReadCsv(new TrickleStream(c.Bytes, index), "fuzz.csv", c.Targets, c.Features, c.Separator));
            campaign.EntryMilliseconds[entry] += milliseconds;
            campaign.EntryCases[entry]++;
            problem = Check(expected, data, error, "fuzz.csv");
        }
        if (problem is not null)
        {
            string hex = Convert.ToHexString(c.Bytes.AsSpan(0, Math.Min(c.Bytes.Length, 160)));
            campaign.Failures.Add($"{c.Description} (targets {string.Join('|', c.Targets)}, separator U+{(int)c.Separator:X4}, culture {CultureInfo.CurrentCulture.Name}, {(entry == 0 ? "file" : entry == 1 ? "trickle" : "memory")}): {problem}\n  input: {hex}{(c.Bytes.Length > 160 ? "..." : "")}");
        }
    }

    /// <summary>Runs one read: its table or exception, the bytes it allocated and the time it took.</summary>
    private static (TabularData? Data, Exception? Error, long Allocated, double Milliseconds) Attempt(Func<TabularData> read)
    {
        TabularData? data = null;
        Exception? error = null;
        long start = Stopwatch.GetTimestamp();
        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            data = read();
        }
#pragma warning disable CA1031 // Any exception is an outcome to check.
        catch (Exception e)
#pragma warning restore CA1031
        {
            error = e;
        }
        return (data, error, GC.GetAllocatedBytesForCurrentThread() - before, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
    }

    private static string? Check(CsvModel.Outcome expected, TabularData? data, Exception? error, string source)
    {
        if (error is not null and not CsvFormatException)
        {
            return $"escaped with {error.GetType().FullName}: {error.Message}";
        }
        if (error is CsvFormatException e)
        {
            if (!Enum.IsDefined(e.Reason))
            {
                return $"undefined reason {(int)e.Reason}";
            }
            if (e.FilePath != source || !e.Message.StartsWith($"The CSV file '{source}' ", StringComparison.Ordinal))
            {
                return $"names '{e.FilePath}', not '{source}': {e.Message}";
            }
            if (expected.Reason is null)
            {
                return $"rejected an input the model reads: {e.Reason} at line {e.Line}: {e.Message}";
            }
            if (e.Reason != expected.Reason || e.Line != expected.Line || e.Column != expected.Column)
            {
                return $"expected {expected.Reason} at line {expected.Line?.ToString(CultureInfo.InvariantCulture) ?? "-"}, column '{expected.Column}'; " +
                    $"got {e.Reason} at line {e.Line?.ToString(CultureInfo.InvariantCulture) ?? "-"}, column '{e.Column}': {e.Message}";
            }
            if (e.Line is int line && !e.Message.Contains($"line {line.ToString(CultureInfo.InvariantCulture)}", StringComparison.Ordinal))
            {
                return $"the message does not name line {line}: {e.Message}";
            }
            if (e.Column is string column && !e.Message.Contains($"'{column}'", StringComparison.Ordinal))
            {
                return $"the message does not name column '{column}': {e.Message}";
            }
            return null;
        }

        if (expected.Reason is not null)
        {
            return $"loaded an input the model rejects with {expected.Reason} at line {expected.Line}, column '{expected.Column}'";
        }
        if (data!.Source != source || data.Count != expected.Count ||
            !data.FeatureNames.SequenceEqual(expected.FeatureNames) || !data.TargetNames.SequenceEqual(expected.TargetNames))
        {
            return $"loaded {data.Count} rows of [{string.Join('|', data.FeatureNames)}] -> [{string.Join('|', data.TargetNames)}], " +
                $"expected {expected.Count} of [{string.Join('|', expected.FeatureNames)}] -> [{string.Join('|', expected.TargetNames)}]";
        }
        if (!SameBits(data.Features, expected.Features) || !SameBits(data.Targets, expected.Targets))
        {
            return $"loaded other values: features [{string.Join(' ', data.Features.Take(8))}], expected [{string.Join(' ', expected.Features.Take(8))}]; " +
                $"targets [{string.Join(' ', data.Targets.Take(8))}], expected [{string.Join(' ', expected.Targets.Take(8))}]";
        }
        if (!data.Features.All(float.IsFinite) || !data.Targets.All(float.IsFinite))
        {
            return "loaded a value that is not finite";
        }
        return null;
    }

    private static bool SameBits(float[] actual, float[] expected) =>
        actual.Length == expected.Length && actual.Select(BitConverter.SingleToInt32Bits).SequenceEqual(expected.Select(BitConverter.SingleToInt32Bits));
}
