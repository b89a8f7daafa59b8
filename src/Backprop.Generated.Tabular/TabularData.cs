using System;
using System.Buffers;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.IO;
using System.Text;
using nietras.SeparatedValues;

namespace Backprop.Tabular;

/// <summary>
/// A numeric table read from CSV: <see cref="Count"/> rows of features and targets, each stored row-major in one
/// <see cref="float"/> array.
/// </summary>
/// <remarks>
/// <para>
/// The CSV rules: the first line is the header (names are trimmed, must be non-empty and distinct; compared
/// ordinally, so case matters). Every data line has exactly as many fields as the header. Fields may be quoted
/// (<c>"1.5"</c>, <c>"a,b"</c>); quotes are removed and doubled quotes unescaped. A quote must be closed: one left
/// open runs to the end of the file, which is a <see cref="CsvFormatError.RaggedRow"/> (as a file cut short in a quoted
/// value is). Each field of a selected column, trimmed of whitespace, must be a finite number in the invariant culture
/// (<c>1.5</c>, <c>-2e-3</c>; not <c>1,5</c>, <c>NaN</c>, <c>Infinity</c>, or a number followed by NUL characters).
/// Columns that are neither features nor targets are not parsed, so they may hold text. Blank (empty or
/// whitespace-only) lines are skipped only at the end of the file; a blank line with data after it is a
/// <see cref="CsvFormatError.RaggedRow"/>. Line endings may be LF, CRLF or CR; a UTF-8 byte order mark is skipped. A
/// row may be up to 16,777,216 characters long (the CSV parser's limit); a longer one is a
/// <see cref="CsvFormatError.RaggedRow"/> too.
/// </para>
/// <para>
/// Every problem with the file is a <see cref="CsvFormatException"/> whose message names the file, the 1-based line
/// and the column (by header name and 1-based number).
/// </para>
/// </remarks>
public sealed class TabularData
{
    /// <summary>The most rows the first buffers hold.</summary>
    private const int InitialRowCapacity = 256;

    /// <summary>
    /// The most values the first buffers hold (unless one row is wider): a wide table grows with the rows read rather
    /// than reserving <see cref="InitialRowCapacity"/> rows of it up front.
    /// </summary>
    private const int InitialBufferValues = 4096;

    private const int MaxQuotedLength = 40;

    /// <summary>The most header names a message lists.</summary>
    private const int MaxListedColumns = 20;

    /// <summary>
    /// The most characters Sep reads as one row (its RowLengthMax, 2^24): a longer row, or a quote left open more than
    /// this before the end of the file, makes it throw a <see cref="NotSupportedException"/>, which the reader turns
    /// into a <see cref="CsvFormatException"/>.
    /// </summary>
    private const int MaxRowLength = 1 << 24;

    /// <summary>The start of the message of Sep's exception for a row longer than <see cref="MaxRowLength"/>.</summary>
    private const string SepRowLengthMessage = "Buffer or row has reached maximum supported length";

    private TabularData(string source, string[] featureNames, string[] targetNames, int count, float[] features, float[] targets)
    {
        Source = source;
        FeatureNames = Array.AsReadOnly(featureNames);
        TargetNames = Array.AsReadOnly(targetNames);
        Count = count;
        Features = features;
        Targets = targets;
    }

    /// <summary>The full path of the file read, or the name given for a stream.</summary>
    public string Source { get; }

    /// <summary>The names of the feature columns, in the order of <see cref="Features"/>'s columns.</summary>
    public IReadOnlyList<string> FeatureNames { get; }

    /// <summary>The names of the target columns, in the order of <see cref="Targets"/>'s columns.</summary>
    public IReadOnlyList<string> TargetNames { get; }

    /// <summary>The number of data rows (the header not counted).</summary>
    public int Count { get; }

    /// <summary>
    /// The features, row-major: row <c>i</c>'s value of <c>FeatureNames[j]</c> is at
    /// <c>i * FeatureNames.Count + j</c>. Exactly <see cref="Count"/> × <c>FeatureNames.Count</c> long. The array is
    /// this table's own storage (not a copy), so it can be standardised in place.
    /// </summary>
#pragma warning disable CA1819 // Properties should not return arrays: the data is handed over as is, without copies.
    public float[] Features { get; }

    /// <summary>
    /// The targets, row-major: row <c>i</c>'s value of <c>TargetNames[j]</c> is at <c>i * TargetNames.Count + j</c>.
    /// Exactly <see cref="Count"/> × <c>TargetNames.Count</c> long. The array is this table's own storage (not a copy).
    /// </summary>
    public float[] Targets { get; }
#pragma warning restore CA1819

    /// <summary>
    /// Reads the comma-separated file at <paramref name="path"/>: <paramref name="targetColumns"/> are the targets, every
    /// other column is a feature (in file order).
    /// </summary>
    /// <param name="path">The CSV file, with a header line.</param>
    /// <param name="targetColumns">The header names of the target columns (at least one), in the order wanted.</param>
    /// <returns>The table.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty, or <paramref name="targetColumns"/> is empty or names a column twice.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> or <paramref name="targetColumns"/> (or one of its names) is <see langword="null"/>.</exception>
    /// <exception cref="FileNotFoundException">The file (or its directory) does not exist; the message has the full path.</exception>
    /// <exception cref="CsvFormatException">The file cannot be read as a numeric table.</exception>
    public static TabularData ReadCsv(string path, params string[] targetColumns) =>
        ReadCsv(path, targetColumns, featureColumns: null);

    /// <summary>
    /// Reads the CSV file at <paramref name="path"/>, taking <paramref name="targetColumns"/> as the targets and
    /// <paramref name="featureColumns"/> (or, when <see langword="null"/>, every other column in file order) as the
    /// features. Columns in neither list are ignored and not parsed.
    /// </summary>
    /// <param name="path">The CSV file, with a header line.</param>
    /// <param name="targetColumns">The header names of the target columns (at least one), in the order wanted.</param>
    /// <param name="featureColumns">
    /// The header names of the feature columns, in the order wanted; <see langword="null"/> for every non-target column.
    /// </param>
    /// <param name="separator">The field separator, e.g. <c>','</c>, <c>';'</c> or <c>'\t'</c>.</param>
    /// <returns>The table.</returns>
    /// <exception cref="ArgumentException">
    /// <paramref name="path"/> is empty; a column list is empty, names a column twice, or a column is both a target and a
    /// feature; or <paramref name="separator"/> cannot separate fields (a quote, a line break, ...).
    /// </exception>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> or <paramref name="targetColumns"/> (or a name in a list) is <see langword="null"/>.</exception>
    /// <exception cref="FileNotFoundException">The file (or its directory) does not exist; the message has the full path.</exception>
    /// <exception cref="CsvFormatException">The file cannot be read as a numeric table.</exception>
    public static TabularData ReadCsv(string path, IReadOnlyList<string> targetColumns, IReadOnlyList<string>? featureColumns, char separator = ',')
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var (targets, features) = CheckColumns(targetColumns, featureColumns);
        var sep = CheckSeparator(separator);
        var fullPath = Path.GetFullPath(path);

        FileStream stream;
        try
        {
            stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new FileNotFoundException($"The CSV file '{fullPath}' does not exist.", fullPath, e);
        }

        using (stream)
        {
            return Read(stream, fullPath, targets, features, sep);
        }
    }

    /// <summary>
    /// Reads CSV text from <paramref name="stream"/> (UTF-8 unless a byte order mark says otherwise), taking
    /// <paramref name="targetColumns"/> as the targets and <paramref name="featureColumns"/> (or, when
    /// <see langword="null"/>, every other column in file order) as the features. The stream is read to its end and
    /// left open.
    /// </summary>
    /// <param name="stream">The CSV text, with a header line.</param>
    /// <param name="name">The name that <see cref="Source"/> and error messages give the data, e.g. a file name.</param>
    /// <param name="targetColumns">The header names of the target columns (at least one), in the order wanted.</param>
    /// <param name="featureColumns">
    /// The header names of the feature columns, in the order wanted; <see langword="null"/> for every non-target column.
    /// </param>
    /// <param name="separator">The field separator, e.g. <c>','</c>, <c>';'</c> or <c>'\t'</c>.</param>
    /// <returns>The table.</returns>
    /// <exception cref="ArgumentException">
    /// A column list is empty, names a column twice, or a column is both a target and a feature; or
    /// <paramref name="separator"/> cannot separate fields.
    /// </exception>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/>, <paramref name="name"/> or <paramref name="targetColumns"/> (or a name in a list) is <see langword="null"/>.</exception>
    /// <exception cref="CsvFormatException">The data cannot be read as a numeric table.</exception>
    public static TabularData ReadCsv(Stream stream, string name, IReadOnlyList<string> targetColumns, IReadOnlyList<string>? featureColumns = null, char separator = ',')
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        var (targets, features) = CheckColumns(targetColumns, featureColumns);
        var sep = CheckSeparator(separator);
        return Read(stream, name, targets, features, sep);
    }

    private static (string[] Targets, string[]? Features) CheckColumns(IReadOnlyList<string> targetColumns, IReadOnlyList<string>? featureColumns)
    {
        ArgumentNullException.ThrowIfNull(targetColumns);
        if (targetColumns.Count == 0)
        {
            throw new ArgumentException("At least one target column is needed.", nameof(targetColumns));
        }

        var targets = CopyNames(targetColumns, nameof(targetColumns));
        if (featureColumns is null)
        {
            return (targets, null);
        }

        if (featureColumns.Count == 0)
        {
            throw new ArgumentException(
                "The feature column list is empty; pass null to use every non-target column.", nameof(featureColumns));
        }

        var features = CopyNames(featureColumns, nameof(featureColumns));
        foreach (var feature in features)
        {
            if (Array.IndexOf(targets, feature) >= 0)
            {
                throw new ArgumentException($"The column '{feature}' is both a target and a feature.", nameof(featureColumns));
            }
        }

        return (targets, features);
    }

    private static string[] CopyNames(IReadOnlyList<string> names, string parameterName)
    {
        var copy = new string[names.Count];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < copy.Length; i++)
        {
            var name = names[i] ?? throw new ArgumentNullException(parameterName, $"The column name at index {i} is null.");
            if (!seen.Add(name))
            {
                throw new ArgumentException($"The column '{name}' is named twice.", parameterName);
            }

            copy[i] = name;
        }

        return copy;
    }

    private static Sep CheckSeparator(char separator)
    {
        try
        {
            return new Sep(separator);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"'{separator}' (U+{(int)separator:X4}) cannot separate CSV fields.", nameof(separator), e);
        }
    }

    private static TabularData Read(Stream stream, string source, string[] targetNames, string[]? requestedFeatures, Sep sep)
    {
        // The header is read as an ordinary row (HasHeader = false) and the field count checked here, so that every
        // problem becomes a CsvFormatException with the line and the column rather than an exception from Sep.
        var options = new SepReaderOptions(sep)
        {
            HasHeader = false,
            DisableColCountCheck = true,
            Unescape = true,
            Trim = SepTrim.All,
            CultureInfo = CultureInfo.InvariantCulture,
        };

        SepReader reader;
        try
        {
            // Read in full reads, so that what a stream of a few bytes per read holds reads as from a file.
            reader = options.From(new FullReadStream(stream), leaveOpen: true);
        }
        catch (NotSupportedException e) when (IsRowTooLong(e))
        {
            // Sep parses the first row as it opens the reader: that row is the one too long.
            throw RowTooLong(source, line: 1, e);
        }

        string[]? header = null;
        string[] featureNames = [];
        Column[] plan = [];
        var width = 0;
        var blankBeforeHeader = false;
        int? blankLine = null;
        var count = 0;
        var rowCapacity = 0;
        float[] features = [];
        float[] targets = [];
        var featureWidth = 0;
        var targetWidth = targetNames.Length;

        // The line the next row starts on. Not row.LineNumberFrom: Sep 0.17.1 reports the first row of a reader without
        // a header as starting where it ends (line 2 for a one-line header); its LineNumberToExcl is right.
        var line = 1;

        using (reader)
        {
            try
            {
                foreach (var row in reader)
                {
                    var rowLine = line;
                    line = row.LineNumberToExcl;

                    // Counted before any field is read (Sep unescapes fields in place): an odd number of quotes is a
                    // quote that was opened and never closed, and the row ran to the end of the file. Its last field
                    // may hold half a value, as a file cut short in a quoted value does.
                    if ((row.Span.Count('"') & 1) != 0)
                    {
                        ThrowIfBlankBefore(source, header, blankBeforeHeader, blankLine, width);
                        throw QuoteLeftOpen(source, rowLine, row.LineNumberToExcl - 1, row.ColCount - 1, header);
                    }

                    // A row of one field is blank if that field is; read once (a field unescaped in place by a first
                    // read can read differently the second time).
                    var first = row.ColCount == 1 ? row[0].Span.Trim() : default;
                    if (row.ColCount == 1 && first.IsEmpty)
                    {
                        if (header is null)
                        {
                            blankBeforeHeader = true;
                        }
                        else
                        {
                            blankLine ??= rowLine;
                        }

                        continue;
                    }

                    ThrowIfBlankBefore(source, header, blankBeforeHeader, blankLine, width);
                    if (header is null)
                    {
                        header = ReadHeader(row, first, source);
                        width = header.Length;
                        (featureNames, plan) = Resolve(header, targetNames, requestedFeatures, source, sep.Separator);
                        featureWidth = featureNames.Length;
                        continue;
                    }

                    if (row.ColCount != width)
                    {
                        throw new CsvFormatException(
                            $"The CSV file '{source}' has a row with the wrong number of fields: line {rowLine} has " +
                            $"{row.ColCount} field{(row.ColCount == 1 ? "" : "s")} but the header has {width}" +
                            (row.LineNumberToExcl - rowLine > 1
                                ? $" (the row runs to line {row.LineNumberToExcl - 1}: is a quote left open?)."
                                : "."),
                            source, CsvFormatError.RaggedRow, line: rowLine);
                    }

                    if (count == rowCapacity)
                    {
                        rowCapacity = Grow(ref features, ref targets, count, rowCapacity, featureWidth, targetWidth, source);
                    }

                    var featureRow = features.AsSpan(count * featureWidth, featureWidth);
                    var targetRow = targets.AsSpan(count * targetWidth, targetWidth);
                    foreach (var column in plan)
                    {
                        var value = ParseField(row[column.Index].Span, rowLine, column.Index, header[column.Index], source);
                        if (column.IsTarget)
                        {
                            targetRow[column.Slot] = value;
                        }
                        else
                        {
                            featureRow[column.Slot] = value;
                        }
                    }

                    count++;
                }

                if (header is null)
                {
                    throw new CsvFormatException(
                        $"The CSV file '{source}' is empty: it needs a header line and at least one data row.",
                        source, CsvFormatError.Empty);
                }

                if (count == 0)
                {
                    throw new CsvFormatException(
                        $"The CSV file '{source}' has a header but no data rows.", source, CsvFormatError.NoRows);
                }

                // The one copy: from the growing buffers to arrays of exactly Count × width.
                var exactFeatures = features.AsSpan(0, count * featureWidth).ToArray();
                var exactTargets = targets.AsSpan(0, count * targetWidth).ToArray();
                return new TabularData(source, featureNames, targetNames, count, exactFeatures, exactTargets);
            }
            catch (NotSupportedException e) when (IsRowTooLong(e))
            {
                // Thrown while Sep looked for the end of the row after the last one read: that row starts on `line`.
                // The rows before it decide first, as they would for any row (a blank line before it is the error).
                ThrowIfBlankBefore(source, header, blankBeforeHeader, blankLine, width);
                throw RowTooLong(source, line, e);
            }
            finally
            {
                Return(features);
                Return(targets);
            }
        }
    }

    /// <summary>
    /// The errors that blank lines already read make of any further row that is not blank: a blank first line (no
    /// header), or a blank line among the data.
    /// </summary>
    private static void ThrowIfBlankBefore(string source, string[]? header, bool blankBeforeHeader, int? blankLine, int width)
    {
        if (header is null && blankBeforeHeader)
        {
            throw new CsvFormatException(
                $"The CSV file '{source}' has no header: line 1 is blank, and the header must be the first line.",
                source, CsvFormatError.Empty, line: 1);
        }

        if (header is not null && blankLine is int blank)
        {
            throw new CsvFormatException(
                $"The CSV file '{source}' has a blank line in its data: line {blank} has no fields but the header has {width}. " +
                "Blank lines are allowed only at the end of the file.",
                source, CsvFormatError.RaggedRow, line: blank);
        }
    }

    private static bool IsRowTooLong(NotSupportedException e) =>
        e.Message.StartsWith(SepRowLengthMessage, StringComparison.Ordinal);

    private static CsvFormatException RowTooLong(string source, int line, NotSupportedException e) =>
        new($"The CSV file '{source}' has a row too long to read: line {line} starts a row of more than " +
            $"{MaxRowLength.ToString("N0", CultureInfo.InvariantCulture)} characters, the most the CSV parser reads as one " +
            "row. Is a quote left open? After a quote, separators and line breaks belong to the value up to the next quote.",
            source, CsvFormatError.RaggedRow, line: line, innerException: e);

    private static CsvFormatException QuoteLeftOpen(string source, int line, int lastLine, int field, string[]? header)
    {
        var where = header is null
            ? $"line {line}, column {field + 1} of the header"
            : field < header.Length
                ? $"line {line}, column '{header[field]}' (column {field + 1})"
                : $"line {line}, field {field + 1} (the header has {header.Length} columns)";
        return new CsvFormatException(
            $"The CSV file '{source}' has a quote left open: {where} has a quote that is never closed, so the value runs " +
            $"to the end of the file{(lastLine > line ? $" (line {lastLine})" : "")}. Close the quote; a quote inside a " +
            "quoted value is written twice (\"\").",
            source, CsvFormatError.RaggedRow, line: line,
            column: header is not null && field < header.Length ? header[field] : null);
    }

    private static string[] ReadHeader(SepReader.Row row, ReadOnlySpan<char> first, string source)
    {
        // The header is always line 1 (a blank line before it is an error).
        const int line = 1;
        var header = new string[row.ColCount];
        var names = new HashSet<string>(header.Length, StringComparer.Ordinal);
        for (var i = 0; i < header.Length; i++)
        {
            // A header of one field: its name was read (and trimmed) already.
            var name = (header.Length == 1 ? first : row[i].Span.Trim()).ToString();
            if (name.Length == 0)
            {
                throw new CsvFormatException(
                    $"The CSV file '{source}' has a column without a name: line {line}, column {i + 1} of the header is empty.",
                    source, CsvFormatError.MissingValue, line: line);
            }

            if (!names.Add(name))
            {
                throw new CsvFormatException(
                    $"The CSV file '{source}' has a duplicate column name: line {line}, column '{name}' (column {i + 1}) " +
                    $"repeats column {Array.IndexOf(header, name, 0, i) + 1}.",
                    source, CsvFormatError.DuplicateColumn, line: line, column: name);
            }

            header[i] = name;
        }

        return header;
    }

    private static (string[] FeatureNames, Column[] Plan) Resolve(string[] header, string[] targetNames, string[]? requestedFeatures, string source, char separator)
    {
        var targetIndices = new int[targetNames.Length];
        for (var i = 0; i < targetNames.Length; i++)
        {
            targetIndices[i] = IndexOf(header, targetNames[i], "target", source, separator);
        }

        string[] featureNames;
        int[] featureIndices;
        if (requestedFeatures is null)
        {
            // Every column that is not a target, in file order (targets are distinct, so there are exactly this many).
            featureIndices = new int[header.Length - targetIndices.Length];
            featureNames = new string[featureIndices.Length];
            for (int i = 0, slot = 0; i < header.Length; i++)
            {
                if (Array.IndexOf(targetIndices, i) < 0)
                {
                    featureIndices[slot] = i;
                    featureNames[slot++] = header[i];
                }
            }

            if (featureNames.Length == 0)
            {
                throw new CsvFormatException(
                    $"The CSV file '{source}' has no feature columns: every column is a target ({Quote(targetNames)}).",
                    source, CsvFormatError.NoFeatures);
            }
        }
        else
        {
            featureNames = requestedFeatures;
            featureIndices = new int[featureNames.Length];
            for (var i = 0; i < featureNames.Length; i++)
            {
                featureIndices[i] = IndexOf(header, featureNames[i], "feature", source, separator);
            }
        }

        // Fields are parsed in file order, so the first bad field of a row is the one reported.
        var plan = new Column[targetIndices.Length + featureIndices.Length];
        for (var i = 0; i < featureIndices.Length; i++)
        {
            plan[i] = new Column(featureIndices[i], IsTarget: false, Slot: i);
        }

        for (var i = 0; i < targetIndices.Length; i++)
        {
            plan[featureIndices.Length + i] = new Column(targetIndices[i], IsTarget: true, Slot: i);
        }

        Array.Sort(plan, static (a, b) => a.Index.CompareTo(b.Index));
        return (featureNames, plan);
    }

    private static int IndexOf(string[] header, string name, string role, string source, char separator)
    {
        var index = Array.IndexOf(header, name);
        if (index < 0)
        {
            throw new CsvFormatException(
                $"The CSV file '{source}' has no column '{name}' (asked for as a {role}): line 1 has the columns {Quote(header)}." +
                SeparatorHint(header, name, separator),
                source, CsvFormatError.MissingColumn, line: 1, column: name);
        }

        return index;
    }

    /// <summary>
    /// For a column not found: a sentence suggesting the <c>separator</c> argument when the header looks separated by
    /// another character (one of its names, split at that character, holds the column asked for; or the whole header is
    /// one name holding it), or else nothing.
    /// </summary>
    private static string SeparatorHint(string[] header, string name, char separator)
    {
        ReadOnlySpan<char> candidates = [';', '\t', '|', ','];
        char? likely = null;
        foreach (var candidate in candidates)
        {
            if (candidate != separator && Array.Exists(header, h => h.Contains(candidate, StringComparison.Ordinal) &&
                    Array.Exists(h.Split(candidate), part => part.AsSpan().Trim().SequenceEqual(name))))
            {
                likely = candidate;
                break;
            }
        }

        if (likely is null && header.Length == 1)
        {
            foreach (var candidate in candidates)
            {
                if (candidate != separator && header[0].Contains(candidate, StringComparison.Ordinal))
                {
                    likely = candidate;
                    break;
                }
            }
        }

        return likely is char c
            ? $" The header looks separated by {Show(c)}, not {Show(separator)}: pass separator: {Show(c)} to TabularData.ReadCsv."
            : "";

        static string Show(char c) => c == '\t' ? "'\\t' (tab)" : $"'{c}'";
    }

    private static float ParseField(ReadOnlySpan<char> field, int line, int index, string name, string source)
    {
        var text = field.Trim();
        if (text.IsEmpty)
        {
            throw new CsvFormatException(
                $"The CSV file '{source}' has an empty value: line {line}, column '{name}' (column {index + 1}) is empty.",
                source, CsvFormatError.MissingValue, line: line, column: name);
        }

        // float.TryParse ignores trailing NUL characters ("1\0" reads as 1), which a file cut short by a crash in the
        // middle of a write can end in; a NUL anywhere else it refuses itself.
        if (text[^1] == '\0' ||
            !float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !float.IsFinite(value))
        {
            throw new CsvFormatException(
                $"The CSV file '{source}' has a value that is not a number: line {line}, column '{name}' (column {index + 1}) " +
                $"is '{Truncate(text)}'. Values must be finite numbers written in the invariant culture, e.g. 1.5 or -2e-3." +
                (text.Contains('\0') ? " NUL characters (\\0) are not part of a number: was the file cut short while it was written?" : ""),
                source, CsvFormatError.NotANumber, line: line, column: name);
        }

        return value;
    }

    private static int Grow(ref float[] features, ref float[] targets, int count, int rowCapacity, int featureWidth, int targetWidth, string source)
    {
        var widest = Math.Max(featureWidth, targetWidth);
        var newCapacity = rowCapacity == 0 ? Math.Clamp(InitialBufferValues / widest, 1, InitialRowCapacity) : (long)rowCapacity * 2;
        var maxRows = Array.MaxLength / widest;
        if (newCapacity > maxRows)
        {
            if (count >= maxRows)
            {
                throw new InvalidDataException(
                    $"The CSV file '{source}' has more rows than fit in an array ({maxRows} rows of {widest} values).");
            }

            newCapacity = maxRows;
        }

        var capacity = (int)newCapacity;
        features = Regrow(features, count * featureWidth, capacity * featureWidth);
        targets = Regrow(targets, count * targetWidth, capacity * targetWidth);
        return capacity;
    }

    private static float[] Regrow(float[] old, int used, int length)
    {
        var grown = ArrayPool<float>.Shared.Rent(length);
        old.AsSpan(0, used).CopyTo(grown);
        Return(old);
        return grown;
    }

    private static void Return(float[] array)
    {
        if (array.Length > 0)
        {
            ArrayPool<float>.Shared.Return(array);
        }
    }

    /// <summary>
    /// <paramref name="text"/> for a message: at most <paramref name="length"/> characters (then "..."), control
    /// characters written as escapes (<c>\0</c>, <c>\n</c>, <c>\u001B</c>) so that the message stays one readable line.
    /// </summary>
    private static string Truncate(ReadOnlySpan<char> text, int length = MaxQuotedLength)
    {
        var shown = text.Length <= length ? text : text[..length];
        if (!shown.ContainsAnyInRange('\0', '\u001F') && !shown.ContainsAnyInRange('\u007F', '\u009F'))
        {
            return text.Length <= length ? shown.ToString() : string.Concat(shown, "...");
        }

        var builder = new StringBuilder(shown.Length + 8);
        foreach (var c in shown)
        {
            _ = c switch
            {
                '\0' => builder.Append("\\0"),
                '\t' => builder.Append("\\t"),
                '\n' => builder.Append("\\n"),
                '\r' => builder.Append("\\r"),
                _ when char.IsControl(c) => builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}"),
                _ => builder.Append(c),
            };
        }

        return text.Length <= length ? builder.ToString() : builder.Append("...").ToString();
    }

    /// <summary>The names quoted and listed, the first <see cref="MaxListedColumns"/> of them if there are more.</summary>
    private static string Quote(string[] names)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < names.Length && i < MaxListedColumns; i++)
        {
            builder.Append(i == 0 ? "'" : ", '").Append(Truncate(names[i], 2 * MaxQuotedLength)).Append('\'');
        }

        if (names.Length > MaxListedColumns)
        {
            builder.Append(CultureInfo.InvariantCulture, $", ... ({names.Length:N0} in all)");
        }

        return builder.ToString();
    }

    private readonly record struct Column(int Index, bool IsTarget, int Slot);
}
