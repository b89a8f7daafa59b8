using System;
using System.IO;

namespace Backprop.Tabular;

/// <summary>What is wrong with a CSV file (see <see cref="CsvFormatException"/>).</summary>
public enum CsvFormatError
{
    /// <summary>The file has no header line: it is empty, holds only blank lines, or its first line is blank.</summary>
    Empty = 1,

    /// <summary>A requested target or feature column is not in the header.</summary>
    MissingColumn = 2,

    /// <summary>Two header columns have the same name (after trimming; names are compared ordinally, case-sensitive).</summary>
    DuplicateColumn = 3,

    /// <summary>
    /// A data line has more or fewer fields than the header, or is blank with data lines after it; or a row cannot be
    /// split into fields: a quote is left open (its value runs to the end of the file), or the row is longer than the
    /// CSV parser reads (16,777,216 characters).
    /// </summary>
    RaggedRow = 4,

    /// <summary>A field is empty (or only whitespace), or a header column has no name.</summary>
    MissingValue = 5,

    /// <summary>
    /// A field is not a finite number in the invariant culture (NaN and infinities are refused too, and so are numbers
    /// followed by NUL characters).
    /// </summary>
    NotANumber = 6,

    /// <summary>The file has a header but no data rows.</summary>
    NoRows = 7,

    /// <summary>Every column of the file is a target, so there is nothing to learn from.</summary>
    NoFeatures = 8,
}

/// <summary>
/// A CSV file that cannot be read as a numeric table. The message names the file, the 1-based line and the column
/// (by header name and 1-based number); <see cref="FilePath"/>, <see cref="Line"/>, <see cref="Column"/> and
/// <see cref="Reason"/> say the same for code.
/// </summary>
/// <remarks>
/// An <see cref="IOException"/>, so code that handles I/O failures handles this too
/// (<see cref="InvalidDataException"/>, the natural base, is sealed).
/// </remarks>
public sealed class CsvFormatException : IOException
{
    /// <summary>Creates the exception for <paramref name="filePath"/>.</summary>
    /// <param name="message">The whole message, naming the file, line and column.</param>
    /// <param name="filePath">The file's full path, or the name given for a stream.</param>
    /// <param name="reason">What is wrong.</param>
    /// <param name="line">The 1-based line the problem is on, or <see langword="null"/>.</param>
    /// <param name="column">The header name of the column the problem is in, or <see langword="null"/>.</param>
    /// <param name="innerException">The exception that caused this one, if any.</param>
    public CsvFormatException(
        string message,
        string filePath,
        CsvFormatError reason,
        int? line = null,
        string? column = null,
        Exception? innerException = null)
        : base(message, innerException)
    {
        FilePath = filePath;
        Reason = reason;
        Line = line;
        Column = column;
    }

    /// <summary>The full path of the file (or, for a stream, the name it was given) the problem is in.</summary>
    public string FilePath { get; }

    /// <summary>The 1-based line in the file the problem is on; <see langword="null"/> when it is not about one line.</summary>
    public int? Line { get; }

    /// <summary>
    /// The header name of the column the problem is in (for <see cref="CsvFormatError.MissingColumn"/>, the name that
    /// was asked for); <see langword="null"/> when it is not about one column.
    /// </summary>
    public string? Column { get; }

    /// <summary>What is wrong.</summary>
    public CsvFormatError Reason { get; }
}
