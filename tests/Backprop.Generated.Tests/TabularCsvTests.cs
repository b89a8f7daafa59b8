using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Backprop.Tabular;
using Xunit;

namespace Backprop.Generated.Tests;

public sealed class TabularCsvTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string Write(string text, string name = "data.csv")
    {
        var path = _folder.File(name);
        File.WriteAllText(path, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        return path;
    }

    private CsvFormatException Fails(string text, CsvFormatError reason, params string[] targets)
    {
        var path = Write(text);
        var e = Assert.Throws<CsvFormatException>(() => TabularData.ReadCsv(path, targets));
        Assert.Equal(reason, e.Reason);
        Assert.Equal(path, e.FilePath);
        Assert.StartsWith($"The CSV file '{path}' ", e.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<IOException>(e);
        return e;
    }

    // ---- Reading ----

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    [InlineData("\r")]
    public void Reads_features_and_targets_with_any_line_ending(string eol)
    {
        var path = Write(string.Join(eol, "a,b,y", "1,2,3", "-4.5,5e-1,6", "7,8,-9.25") + eol);

        var data = TabularData.ReadCsv(path, "y");

        Assert.Equal(path, data.Source);
        Assert.Equal(["a", "b"], data.FeatureNames);
        Assert.Equal(["y"], data.TargetNames);
        Assert.Equal(3, data.Count);
        Assert.Equal([1f, 2f, -4.5f, 0.5f, 7f, 8f], data.Features);
        Assert.Equal([3f, 6f, -9.25f], data.Targets);
    }

    [Fact]
    public void Last_line_without_newline_and_blank_lines_at_the_end_are_fine()
    {
        Assert.Equal(2, TabularData.ReadCsv(Write("a,y\n1,2\n3,4"), "y").Count);
        Assert.Equal(2, TabularData.ReadCsv(Write("a,y\r\n1,2\r\n3,4\r\n\r\n\r\n"), "y").Count);
        Assert.Equal(2, TabularData.ReadCsv(Write("a,y\n1,2\n3,4\n   \n\n"), "y").Count);
    }

    [Fact]
    public void Header_names_and_values_are_trimmed()
    {
        var data = TabularData.ReadCsv(Write(" a ,\tb\t,  y  \n 1 ,\t2\t, 3 \n"), "y");

        Assert.Equal(["a", "b"], data.FeatureNames);
        Assert.Equal(["y"], data.TargetNames);
        Assert.Equal([1f, 2f], data.Features);
        Assert.Equal([3f], data.Targets);
    }

    [Fact]
    public void Quoted_names_and_numbers_are_unescaped()
    {
        var path = Write("\"x,1\",\"say \"\"hi\"\"\",\"y\"\n\"1.5\",2,\" 3 \"\n4,\"-5e2\",6\n");

        var data = TabularData.ReadCsv(path, "y");

        Assert.Equal(["x,1", "say \"hi\""], data.FeatureNames);
        Assert.Equal([1.5f, 2f, 4f, -500f], data.Features);
        Assert.Equal([3f, 6f], data.Targets);
        Assert.Equal([4f], TabularData.ReadCsv(path, ["y"], ["x,1"]).Features.Skip(1));
    }

    [Fact]
    public void Semicolon_separator()
    {
        var path = Write("a;\"b;c\";y\r\n1.25;2;3\r\n4;\"5\";6\r\n");

        var data = TabularData.ReadCsv(path, ["y"], null, ';');

        Assert.Equal(["a", "b;c"], data.FeatureNames);
        Assert.Equal([1.25f, 2f, 4f, 5f], data.Features);
        Assert.Equal([3f, 6f], data.Targets);

        // A decimal comma is not invariant culture: the value is refused, not misread.
        var comma = Assert.Throws<CsvFormatException>(() => TabularData.ReadCsv(Write("a;y\n1,5;2\n"), ["y"], null, ';'));
        Assert.Equal(CsvFormatError.NotANumber, comma.Reason);
        Assert.Contains("'1,5'", comma.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Diabetes_sized_file_reads_bit_exact()
    {
        string[] names = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6", "target"];
        var random = new Random(442);
        var text = new StringBuilder();
        text.AppendJoin(',', names).Append("\r\n");
        var cells = new string[442, 11];
        for (var row = 0; row < 442; row++)
        {
            for (var col = 0; col < 11; col++)
            {
                var value = (float)((random.NextDouble() * 2 - 1) * Math.Pow(10, random.Next(-6, 4)));
                cells[row, col] = ((row + col) % 4) switch
                {
                    0 => value.ToString("R", CultureInfo.InvariantCulture),
                    1 => value.ToString("E3", CultureInfo.InvariantCulture),
                    2 => ((double)value).ToString("R", CultureInfo.InvariantCulture),
                    _ => value.ToString("F5", CultureInfo.InvariantCulture),
                };
            }

            text.AppendJoin(',', Enumerable.Range(0, 11).Select(col => cells[row, col])).Append("\r\n");
        }

        var data = TabularData.ReadCsv(Write(text.ToString()), "target");

        Assert.Equal(names[..10], data.FeatureNames);
        Assert.Equal(["target"], data.TargetNames);
        Assert.Equal(442, data.Count);
        Assert.Equal(442 * 10, data.Features.Length);
        Assert.Equal(442, data.Targets.Length);
        for (var row = 0; row < 442; row++)
        {
            for (var col = 0; col < 10; col++)
            {
                var expected = float.Parse(cells[row, col], CultureInfo.InvariantCulture);
                Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(data.Features[(row * 10) + col]));
            }

            var target = float.Parse(cells[row, 10], CultureInfo.InvariantCulture);
            Assert.Equal(BitConverter.SingleToInt32Bits(target), BitConverter.SingleToInt32Bits(data.Targets[row]));
        }
    }

    [Fact]
    public void Arrays_are_exactly_count_times_width_past_the_growth_steps()
    {
        // 1000 rows: more than the first buffers hold, and not a power of two.
        var text = new StringBuilder("x,y,t1,t2\n");
        for (var i = 0; i < 1000; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{i},{-i},{i * 0.5},{i + 1}\n");
        }

        var data = TabularData.ReadCsv(Write(text.ToString()), "t2", "t1");

        Assert.Equal(1000, data.Count);
        Assert.Equal(2000, data.Features.Length);
        Assert.Equal(2000, data.Targets.Length);
        Assert.Equal(["t2", "t1"], data.TargetNames);
        Assert.Equal([999f, -999f], data.Features[1998..]);
        Assert.Equal([1000f, 499.5f], data.Targets[1998..]);
    }

    [Fact]
    public void Stream_overload_names_the_source_and_leaves_the_stream_open()
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("y,a\n1,2\n3,4\n")).ToArray();
        using var stream = new MemoryStream(bytes);

        var data = TabularData.ReadCsv(stream, "diabetes.csv", ["y"]);

        Assert.Equal("diabetes.csv", data.Source);
        Assert.Equal(["a"], data.FeatureNames);
        Assert.Equal([2f, 4f], data.Features);
        Assert.Equal([1f, 3f], data.Targets);
        Assert.True(stream.CanRead);

        using var bad = new MemoryStream(Encoding.UTF8.GetBytes("y,a\n1,x\n"));
        var e = Assert.Throws<CsvFormatException>(() => TabularData.ReadCsv(bad, "upload", ["y"], null, ','));
        Assert.Equal("upload", e.FilePath);
        Assert.StartsWith("The CSV file 'upload' ", e.Message, StringComparison.Ordinal);
        Assert.Equal(2, e.Line);
        Assert.Equal("a", e.Column);
    }

    [Fact]
    public void Features_come_in_the_order_given_and_other_columns_are_not_parsed()
    {
        var path = Write("id,a,y1,b,c,y2\nfirst,1,10,2,3,20\nsecond,4,40,5,6,50\n");

        var data = TabularData.ReadCsv(path, ["y2", "y1"], ["c", "a"]);

        Assert.Equal(["c", "a"], data.FeatureNames);
        Assert.Equal(["y2", "y1"], data.TargetNames);
        Assert.Equal([3f, 1f, 6f, 4f], data.Features);
        Assert.Equal([20f, 10f, 50f, 40f], data.Targets);
        Assert.Equal(data.Count * data.FeatureNames.Count, data.Features.Length);
        Assert.Equal(data.Count * data.TargetNames.Count, data.Targets.Length);
    }

    [Fact]
    public void Default_features_are_every_other_column_in_file_order()
    {
        var data = TabularData.ReadCsv(Write("c,y,a,b\n1,2,3,4\n"), "y");

        Assert.Equal(["c", "a", "b"], data.FeatureNames);
        Assert.Equal([1f, 3f, 4f], data.Features);
        Assert.Equal([2f], data.Targets);
    }

    [Fact]
    public void Names_are_read_only()
    {
        var data = TabularData.ReadCsv(Write("a,y\n1,2\n"), "y");
        Assert.False(data.FeatureNames is string[]);
        Assert.False(data.TargetNames is string[]);
    }

    // ---- Errors ----

    [Theory]
    [InlineData("")]
    [InlineData("\n\n")]
    [InlineData("  \r\n")]
    public void Empty_file(string text)
    {
        var e = Fails(text, CsvFormatError.Empty, "y");
        Assert.Null(e.Line);
        Assert.Null(e.Column);
        Assert.Contains("is empty", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Blank_first_line_is_no_header()
    {
        var e = Fails("\na,y\n1,2\n", CsvFormatError.Empty, "y");
        Assert.Equal(1, e.Line);
        Assert.Contains("line 1 is blank", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a,y\n")]
    [InlineData("a,y")]
    [InlineData("a,y\r\n\r\n\r\n")]
    public void Header_only(string text)
    {
        var e = Fails(text, CsvFormatError.NoRows, "y");
        Assert.Null(e.Line);
        Assert.Contains("no data rows", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_target_column_lists_the_columns()
    {
        var e = Fails("a,b,y\n1,2,3\n", CsvFormatError.MissingColumn, "target");
        Assert.Equal("target", e.Column);
        Assert.Equal(1, e.Line);
        Assert.Contains("no column 'target' (asked for as a target)", e.Message, StringComparison.Ordinal);
        Assert.Contains("'a', 'b', 'y'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a;b;c;d;y\n1;2;3;4;5\n", ',', "';'", ';')]
    [InlineData("a\tb\ty\n1\t2\t3\n", ',', "'\\t' (tab)", '\t')]
    [InlineData("a|b|y\n1|2|3\n", ',', "'|'", '|')]
    [InlineData("a,b,y\n1,2,3\n", ';', "','", ',')]
    // The name asked for is not in the header at all, but the header is one name holding another separator.
    [InlineData("a;b;c;d;target\n1;2;3;4;5\n", ',', "';'", null)]
    public void Missing_column_of_a_header_with_another_separator_suggests_the_separator_argument(string text, char used, string shown, char? right)
    {
        var path = Write(text);
        var e = Assert.Throws<CsvFormatException>(() => TabularData.ReadCsv(path, ["y"], null, used));
        Assert.Equal(CsvFormatError.MissingColumn, e.Reason);
        Assert.Equal("y", e.Column);
        var usedShown = used == ',' ? "','" : "';'";
        Assert.EndsWith($"The header looks separated by {shown}, not {usedShown}: pass separator: {shown} to TabularData.ReadCsv.", e.Message, StringComparison.Ordinal);
        if (right is char separator)
        {
            // ... which is right.
            Assert.Equal(1, TabularData.ReadCsv(path, ["y"], null, separator).Count);
        }
    }

    [Fact]
    public void Missing_column_of_a_header_without_another_separator_suggests_nothing()
    {
        var e = Fails("a,b,y\n1,2,3\n", CsvFormatError.MissingColumn, "target");
        Assert.DoesNotContain("separator", e.Message, StringComparison.Ordinal);
        Assert.EndsWith("line 1 has the columns 'a', 'b', 'y'.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_column_of_a_wide_header_lists_the_first_names()
    {
        var names = Enumerable.Range(0, 100).Select(i => "c" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        var e = Fails(string.Join(',', names) + "\n" + string.Join(',', Enumerable.Repeat("1", 100)) + "\n", CsvFormatError.MissingColumn, "y");
        Assert.Contains("'c0', 'c1', ", e.Message, StringComparison.Ordinal);
        Assert.Contains("'c19', ... (100 in all).", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("'c20'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_feature_column()
    {
        var path = Write("a,b,y\n1,2,3\n");
        var e = Assert.Throws<CsvFormatException>(() => TabularData.ReadCsv(path, ["y"], ["a", "B"]));
        Assert.Equal(CsvFormatError.MissingColumn, e.Reason);
        Assert.Equal("B", e.Column);
        Assert.Contains("no column 'B' (asked for as a feature)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_column_names_after_trimming()
    {
        var e = Fails("a,b, a ,y\n1,2,3,4\n", CsvFormatError.DuplicateColumn, "y");
        Assert.Equal(1, e.Line);
        Assert.Equal("a", e.Column);
        Assert.Contains("line 1, column 'a' (column 3) repeats column 1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Header_column_without_a_name()
    {
        var e = Fails("a,,y\n1,2,3\n", CsvFormatError.MissingValue, "y");
        Assert.Equal(1, e.Line);
        Assert.Null(e.Column);
        Assert.Contains("line 1, column 2", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a,b,y\n1,2,3\n4,5\n", 3, "line 3 has 2 fields but the header has 3")]
    [InlineData("a,b,y\r\n1,2,3\r\n4,5,6\r\n7,8,9,10\r\n", 4, "line 4 has 4 fields but the header has 3")]
    [InlineData("a,b,y\n1,2,3\n\n4,5,6\n", 3, "line 3 has no fields but the header has 3")]
    [InlineData("a,b,y\n1,2,3\n7\n", 3, "line 3 has 1 field but the header has 3")]
    [InlineData("a,b,y\n1,2,3\n\"4,5,6\n7\",8,9,10\n", 3, "line 3 has 4 fields but the header has 3 (the row runs to line 4: is a quote left open?)")]
    public void Ragged_rows(string text, int line, string detail)
    {
        var e = Fails(text, CsvFormatError.RaggedRow, "y");
        Assert.Equal(line, e.Line);
        Assert.Null(e.Column);
        Assert.Contains(detail, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a,b,y\n1,2,3\n4,,6\n", 3, "b", 2)]
    [InlineData("a,b,y\n1,2,3\n4,5,  \n", 3, "y", 3)]
    [InlineData("a,b,y\r\n\"\",2,3\r\n", 2, "a", 1)]
    public void Missing_values(string text, int line, string column, int number)
    {
        var e = Fails(text, CsvFormatError.MissingValue, "y");
        Assert.Equal(line, e.Line);
        Assert.Equal(column, e.Column);
        Assert.Contains($"line {line}, column '{column}' (column {number}) is empty", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("abc", "abc")]
    [InlineData("NaN", "NaN")]
    [InlineData("-Infinity", "-Infinity")]
    [InlineData("1e39", "1e39")]
    [InlineData("0x10", "0x10")]
    [InlineData("1,5", "1,5")]
    [InlineData("12 34", "12 34")]
    public void Not_a_number(string field, string quoted)
    {
        var e = Fails($"a,b,y\n1,2,3\n4,\"{field}\",6\n", CsvFormatError.NotANumber, "y");
        Assert.Equal(3, e.Line);
        Assert.Equal("b", e.Column);
        Assert.Contains($"line 3, column 'b' (column 2) is '{quoted}'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Long_bad_text_is_truncated_in_the_message()
    {
        var longText = new string('x', 100);
        var e = Fails($"a,y\n{longText},1\n", CsvFormatError.NotANumber, "y");
        Assert.Contains($"is '{new string('x', 40)}...'", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(new string('x', 41), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_first_bad_field_in_file_order_is_reported()
    {
        // Column 1 is the target and column 3 a feature: both are bad, the leftmost is named.
        var e = Fails("y,a,b\n1,2,3\nbad,5,worse\n", CsvFormatError.NotANumber, "y");
        Assert.Equal("y", e.Column);
        Assert.Contains("(column 1)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Line_numbers_count_the_lines_of_quoted_names_and_values()
    {
        // A name with a line break in quotes: the header takes lines 1-2; the data rows are lines 3, 4 and 5-6.
        var path = Write("\"first\nname\",y\n1,2\n3,4\n\"5\n\",x\n");
        var e = Assert.Throws<CsvFormatException>(() => TabularData.ReadCsv(path, "y"));
        Assert.Equal(CsvFormatError.NotANumber, e.Reason);
        Assert.Equal(5, e.Line);
        Assert.Equal("y", e.Column);

        var data = TabularData.ReadCsv(Write("\"first\nname\",y\n1,2\n"), "y");
        Assert.Equal(["first\nname"], data.FeatureNames);
    }

    [Fact]
    public void Every_column_a_target_is_no_features()
    {
        var e = Fails("y1,y2\n1,2\n", CsvFormatError.NoFeatures, "y1", "y2");
        Assert.Null(e.Column);
        Assert.Contains("no feature columns", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_file_is_file_not_found_with_the_full_path()
    {
        var missing = _folder.File("nope.csv");
        var e = Assert.Throws<FileNotFoundException>(() => TabularData.ReadCsv(missing, "y"));
        Assert.Equal(missing, e.FileName);
        Assert.Contains(missing, e.Message, StringComparison.Ordinal);

        var inMissingFolder = Path.Combine(_folder.Path, "no-such-folder", "data.csv");
        e = Assert.Throws<FileNotFoundException>(() => TabularData.ReadCsv(inMissingFolder, "y"));
        Assert.Equal(inMissingFolder, e.FileName);

        var relative = Path.GetRelativePath(Environment.CurrentDirectory, missing);
        e = Assert.Throws<FileNotFoundException>(() => TabularData.ReadCsv(relative, "y"));
        Assert.Equal(missing, e.FileName);
        Assert.Contains(missing, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Argument_errors()
    {
        var path = Write("a,b,y\n1,2,3\n");
        Assert.Throws<ArgumentException>(() => TabularData.ReadCsv(path));
        Assert.Throws<ArgumentException>(() => TabularData.ReadCsv(path, ["y"], ["a", "y"]));
        Assert.Throws<ArgumentException>(() => TabularData.ReadCsv(path, ["y"], []));
        Assert.Throws<ArgumentException>(() => TabularData.ReadCsv(path, "y", "y"));
        Assert.Throws<ArgumentException>(() => TabularData.ReadCsv(path, ["y"], null, '"'));
        Assert.Throws<ArgumentException>(() => TabularData.ReadCsv("", "y"));
        Assert.Throws<ArgumentNullException>(() => TabularData.ReadCsv((string)null!, "y"));
        Assert.Throws<ArgumentNullException>(() => TabularData.ReadCsv((Stream)null!, "x", ["y"]));
    }
}
