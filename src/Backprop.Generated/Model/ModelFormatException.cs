using System;
using System.IO;

namespace Backprop;

/// <summary>
/// A saved model that cannot be loaded. The message names the file and the problem;
/// <see cref="FilePath"/> and <see cref="Reason"/> say the same for code. When this is thrown,
/// the network being loaded into is unchanged.
/// </summary>
/// <remarks>
/// An <see cref="IOException"/>: <see cref="InvalidDataException"/>, the natural base, is sealed.
/// </remarks>
public sealed class ModelFormatException : IOException
{
    /// <summary>Creates the exception for <paramref name="filePath"/>.</summary>
    public ModelFormatException(string message, string filePath, ModelFormatError reason, Exception? innerException = null)
        : base(message, innerException)
    {
        FilePath = filePath;
        Reason = reason;
    }

    /// <summary>The path of the model file (or, for a stream, the name it was given).</summary>
    public string FilePath { get; }

    /// <summary>What is wrong.</summary>
    public ModelFormatError Reason { get; }
}
