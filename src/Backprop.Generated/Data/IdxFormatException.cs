using System;
using System.IO;

namespace Backprop;

/// <summary>What is wrong with an IDX file (see <see cref="IdxFormatException"/>).</summary>
public enum IdxFormatError
{
    /// <summary>The file does not start with the magic number of the expected kind of IDX file (images or labels).</summary>
    WrongMagic = 1,

    /// <summary>The file ends before the header or the data it announces.</summary>
    Truncated = 2,

    /// <summary>The images file and the labels file announce different numbers of samples.</summary>
    CountMismatch = 3,

    /// <summary>The header announces zero or absurdly many samples, rows or columns.</summary>
    InvalidDimensions = 4,

    /// <summary>Bytes follow the data the header announces.</summary>
    TrailingData = 5,

    /// <summary>The file starts like gzip (1F 8B) but does not decompress.</summary>
    CorruptCompression = 6,
}

/// <summary>
/// An IDX file (MNIST, Fashion-MNIST) that cannot be read. The message names the file and the
/// problem; <see cref="FilePath"/> and <see cref="Reason"/> say the same for code.
/// </summary>
/// <remarks>
/// An <see cref="IOException"/>: <see cref="InvalidDataException"/>, the natural base, is sealed.
/// </remarks>
public sealed class IdxFormatException : IOException
{
    /// <summary>Creates the exception for <paramref name="filePath"/>.</summary>
    public IdxFormatException(string message, string filePath, IdxFormatError reason, Exception? innerException = null)
        : base(message, innerException)
    {
        FilePath = filePath;
        Reason = reason;
    }

    /// <summary>The path of the file (or, for a stream, the name it was given) the problem is in.</summary>
    public string FilePath { get; }

    /// <summary>What is wrong.</summary>
    public IdxFormatError Reason { get; }
}
