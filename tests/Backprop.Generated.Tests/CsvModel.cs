using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Backprop.Tabular;

namespace Backprop.Generated.Tests;

/// <summary>
/// An independent model of the CSV format <see cref="TabularData"/> documents, written from the documentation and the
/// parser's quoting rules rather than from the reader: what a file must load as, or the reason, line and column of
/// the first problem in it. The oracle of <c>CsvFuzzTests</c> and, compiled into tests/Backprop.Generated.Fuzz,
/// of its <c>csv</c> target.
/// </summary>
/// <remarks>
/// <para>
/// Text: UTF-8 unless a byte order mark says UTF-16 or UTF-32 (as <see cref="StreamReader"/> detects them); invalid
/// bytes become U+FFFD.
/// </para>
/// <para>
/// Rows and fields (Sep's quoting rules): a quote toggles "in quotes" wherever it is in a field; outside quotes the
/// separator ends a field and CR, LF or CRLF end the row; inside quotes they are part of the field. Lines are counted
/// by CR, LF and CRLF in and out of quotes. The text after the last line break, if any, is a last row; a quote still
/// open there is left open.
/// </para>
/// <para>
/// A field's value: spaces (U+0020) trimmed; if it then starts and ends with a quote and holds exactly two, the
/// inside, spaces trimmed again; else if it starts with a quote, what follows the opening quote (spaces after it
/// skipped) with every quote dropped that closes a quoted stretch (the second of a doubled quote kept), and trailing
/// spaces trimmed; else the trimmed text as is. The reader then trims white space (<see cref="char.IsWhiteSpace(char)"/>).
/// </para>
/// <para>
/// The file: in order of the rows, a row with a quote left open is a RaggedRow at its first line (column: the field
/// that opened it, if the header has it); a row of one blank field is blank; blank rows before the header make the
/// header missing (Empty at line 1); blank rows after it are an error (RaggedRow at the first of them) if a row that is
/// not blank follows. The first row that is not blank is the header at line 1: names trimmed, none empty
/// (MissingValue, no column), none repeated (DuplicateColumn, the name); the targets, then the features asked for,
/// must be in it (MissingColumn, the name asked for); with no features asked for, every other column is one, and
/// there must be some (NoFeatures). Every data row has as many fields as the header (RaggedRow); every selected field,
/// in file order, is not empty (MissingValue) and is a number: optional sign, digits with an optional decimal point
/// (at least one digit), an optional exponent (e or E, optional sign, digits), nothing else, and finite as a float
/// (NotANumber). No header: Empty; no data rows: NoRows.
/// </para>
/// </remarks>
internal static class CsvModel
{
    /// <summary>The table a file loads as (<see cref="Reason"/> null), or the first problem in it.</summary>
    internal sealed record Outcome(
        CsvFormatError? Reason, int? Line, string? Column, int Count, string[] FeatureNames, string[] TargetNames, float[] Features, float[] Targets)
    {
        public static Outcome Fail(CsvFormatError reason, int? line = null, string? column = null) => new(reason, line, column, 0, [], [], [], []);
    }

    private sealed record Field(string Raw, int Quotes);

    private sealed record Row(int Line, int EndLine, List<Field> Fields, bool QuoteLeftOpen);

    public static Outcome Predict(byte[] bytes, string[] targets, string[]? features, char separator)
    {
        List<Row> rows = Split(Decode(bytes), separator);
        string[]? header = null;
        bool blankBeforeHeader = false;
        int? blankLine = null;
        int[] featureColumns = [], targetColumns = [], selected = [];
        string[] featureNames = [];
        var featureValues = new List<float>();
        var targetValues = new List<float>();
        int count = 0;

        foreach (Row row in rows)
        {
            bool blank = !row.QuoteLeftOpen && row.Fields.Count == 1 && Value(row.Fields[0]).Trim().Length == 0;
            if (blank)
            {
                if (header is null)
                {
                    blankBeforeHeader = true;
                }
                else
                {
                    blankLine ??= row.Line;
                }
                continue;
            }
            if (header is null && blankBeforeHeader)
            {
                return Outcome.Fail(CsvFormatError.Empty, 1);
            }
            if (header is not null && blankLine is int blankAt)
            {
                return Outcome.Fail(CsvFormatError.RaggedRow, blankAt);
            }
            if (row.QuoteLeftOpen)
            {
                int field = row.Fields.Count - 1;
                return Outcome.Fail(CsvFormatError.RaggedRow, row.Line, header is not null && field < header.Length ? header[field] : null);
            }

            if (header is null)
            {
                header = [.. row.Fields.Select(f => Value(f).Trim())];
                var position = new Dictionary<string, int>(StringComparer.Ordinal);
                for (int i = 0; i < header.Length; i++)
                {
                    if (header[i].Length == 0)
                    {
                        return Outcome.Fail(CsvFormatError.MissingValue, 1);
                    }
                    if (!position.TryAdd(header[i], i))
                    {
                        return Outcome.Fail(CsvFormatError.DuplicateColumn, 1, header[i]);
                    }
                }
                foreach (string name in targets.Concat(features ?? []))
                {
                    if (!position.ContainsKey(name))
                    {
                        return Outcome.Fail(CsvFormatError.MissingColumn, 1, name);
                    }
                }
                targetColumns = [.. targets.Select(t => position[t])];
                featureNames = features ?? [.. header.Where(h => !targets.Contains(h, StringComparer.Ordinal))];
                if (featureNames.Length == 0)
                {
                    return Outcome.Fail(CsvFormatError.NoFeatures);
                }
                featureColumns = [.. featureNames.Select(f => position[f])];
                selected = [.. featureColumns.Concat(targetColumns).Order()];
                continue;
            }

            if (row.Fields.Count != header.Length)
            {
                return Outcome.Fail(CsvFormatError.RaggedRow, row.Line);
            }
            var values = new Dictionary<int, float>();
            foreach (int column in selected)
            {
                string text = Value(row.Fields[column]).Trim();
                if (text.Length == 0)
                {
                    return Outcome.Fail(CsvFormatError.MissingValue, row.Line, header[column]);
                }
                if (!IsNumber(text, out float value))
                {
                    return Outcome.Fail(CsvFormatError.NotANumber, row.Line, header[column]);
                }
                values[column] = value;
            }
            featureValues.AddRange(featureColumns.Select(c => values[c]));
            targetValues.AddRange(targetColumns.Select(c => values[c]));
            count++;
        }

        if (header is null)
        {
            return Outcome.Fail(CsvFormatError.Empty);
        }
        if (count == 0)
        {
            return Outcome.Fail(CsvFormatError.NoRows);
        }
        return new Outcome(null, null, null, count, featureNames, targets, [.. featureValues], [.. targetValues]);
    }

    /// <summary>The text of <paramref name="bytes"/>: the encoding of its byte order mark (which is dropped), else UTF-8.</summary>
    private static string Decode(byte[] bytes)
    {
        ReadOnlySpan<byte> b = bytes;
        return b switch
        {
            [0xFE, 0xFF, ..] => Encoding.BigEndianUnicode.GetString(b[2..]),
            [0xFF, 0xFE, 0, 0, ..] => Encoding.UTF32.GetString(b[4..]),
            [0xFF, 0xFE, ..] => Encoding.Unicode.GetString(b[2..]),
            [0xEF, 0xBB, 0xBF, ..] => Encoding.UTF8.GetString(b[3..]),
            [0, 0, 0xFE, 0xFF, ..] => new UTF32Encoding(bigEndian: true, byteOrderMark: false).GetString(b[4..]),
            _ => Encoding.UTF8.GetString(b),
        };
    }

    private static List<Row> Split(string text, char separator)
    {
        var rows = new List<Row>();
        var fields = new List<Field>();
        var field = new StringBuilder();
        int quotes = 0, line = 1, rowLine = 1;
        bool inRow = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            inRow = true;
            bool crlf = c == '\r' && i + 1 < text.Length && text[i + 1] == '\n';
            if (quotes % 2 == 1)
            {
                // In quotes: everything is part of the field; a line break still counts as a line (CRLF once).
                quotes += c == '"' ? 1 : 0;
                line += c == '\n' || (c == '\r' && !crlf) ? 1 : 0;
                field.Append(c);
            }
            else if (c == separator)
            {
                fields.Add(new(field.ToString(), quotes));
                field.Clear();
                quotes = 0;
            }
            else if (c is '\r' or '\n')
            {
                fields.Add(new(field.ToString(), quotes));
                i += crlf ? 1 : 0;
                line++;
                rows.Add(new(rowLine, line, fields, QuoteLeftOpen: false));
                fields = [];
                field.Clear();
                quotes = 0;
                rowLine = line;
                inRow = false;
            }
            else
            {
                quotes += c == '"' ? 1 : 0;
                field.Append(c);
            }
        }
        if (inRow)
        {
            fields.Add(new(field.ToString(), quotes));
            rows.Add(new(rowLine, line + 1, fields, QuoteLeftOpen: quotes % 2 == 1));
        }
        return rows;
    }

    /// <summary>A field's value, quotes removed as the parser removes them (see the remarks).</summary>
    private static string Value(Field field)
    {
        string t = field.Raw.Trim(' ');
        if (field.Quotes == 2 && t.Length >= 2 && t[0] == '"' && t[^1] == '"')
        {
            return t[1..^1].Trim(' ');
        }
        if (t.Length == 0 || t[0] != '"')
        {
            return t;
        }
        var value = new StringBuilder();
        int i = 1, quotes = 1;
        while (i < t.Length && t[i] == ' ')
        {
            i++;
        }
        for (; i < t.Length; i++)
        {
            if (t[i] == '"')
            {
                quotes++;
                if (quotes % 2 == 0)
                {
                    continue;
                }
            }
            value.Append(t[i]);
        }
        return value.ToString().TrimEnd(' ');
    }

    /// <summary>Whether <paramref name="text"/> is a number of the grammar in the remarks, finite as a float.</summary>
    private static bool IsNumber(string text, out float value)
    {
        value = 0;
        int i = 0;
        if (i < text.Length && text[i] is '+' or '-')
        {
            i++;
        }
        int digits = 0;
        for (; i < text.Length && char.IsAsciiDigit(text[i]); i++)
        {
            digits++;
        }
        if (i < text.Length && text[i] == '.')
        {
            for (i++; i < text.Length && char.IsAsciiDigit(text[i]); i++)
            {
                digits++;
            }
        }
        if (digits == 0)
        {
            return false;
        }
        if (i < text.Length && text[i] is 'e' or 'E')
        {
            i++;
            if (i < text.Length && text[i] is '+' or '-')
            {
                i++;
            }
            int exponentDigits = 0;
            for (; i < text.Length && char.IsAsciiDigit(text[i]); i++)
            {
                exponentDigits++;
            }
            if (exponentDigits == 0)
            {
                return false;
            }
        }
        if (i != text.Length)
        {
            return false;
        }
        // The grammar decides; the value (and whether it overflows a float) is the correctly rounded one.
        value = float.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        return float.IsFinite(value);
    }
}
