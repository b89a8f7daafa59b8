using System;
using System.IO;

namespace Backprop;

/// <summary>Why a saved model cannot be loaded (see <see cref="ModelFormatException"/>).</summary>
public enum ModelFormatError
{
    /// <summary>The file does not start with the magic bytes <c>BPGNET\r\n</c>: it is not a saved model.</summary>
    WrongMagic = 1,

    /// <summary>The format version is not one this library reads (1 and 2): a newer library wrote it, or the file is damaged.</summary>
    UnsupportedVersion = 2,

    /// <summary>The parameters are stored in an element type this library does not know.</summary>
    UnsupportedElementType = 3,

    /// <summary>An activation is not a known <see cref="ActivationKind"/>; the message names the value, its layer and the known values.</summary>
    UnknownActivation = 4,

    /// <summary>The cost is not a known <see cref="CostKind"/>; the message names the value and the known values.</summary>
    UnknownCost = 5,

    /// <summary>
    /// The header contradicts itself: a layer count outside 2..32, a layer size below 1, layer sizes that imply more
    /// parameters than a network can hold (<see cref="int.MaxValue"/>), a parameter count the sizes do not imply, a
    /// reserved or padding byte that is not zero, or activations and a cost no network can have (softmax on a hidden
    /// layer, cross-entropy without a sigmoid output, log-likelihood without a softmax output).
    /// </summary>
    InvalidHeader = 6,

    /// <summary>The file holds a network of other layer sizes than the one it is loaded into.</summary>
    ShapeMismatch = 7,

    /// <summary>The file's activations differ from those of the network it is loaded into; the message names both networks' activations and costs.</summary>
    ActivationMismatch = 8,

    /// <summary>The file's cost differs from that of the network it is loaded into (its activations are the same); the message names both.</summary>
    CostMismatch = 9,

    /// <summary>The file ends before the data its header announces.</summary>
    Truncated = 10,

    /// <summary>Bytes follow the checksum, and they are not a training-state section (see <see cref="TrainingSession{TNet}.SaveCheckpoint"/>).</summary>
    TrailingData = 11,

    /// <summary>The stored CRC-32 does not match the content: the file is corrupted.</summary>
    ChecksumMismatch = 12,

    /// <summary>
    /// The training-state section of a checkpoint (after the model's checksum) is damaged: truncated, of an unknown
    /// version, failing its own CRC-32, or holding values no training session can have.
    /// </summary>
    InvalidTrainingState = 13,

    /// <summary>
    /// A checkpoint's training state does not fit the session it is loaded into: another optimizer, or a training set
    /// of another size. The message names both sides.
    /// </summary>
    TrainingStateMismatch = 14,
}

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
