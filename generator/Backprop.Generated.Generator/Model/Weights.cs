using Backprop.Generated.Generator.Helpers;
using Backprop.Generated.Generator.Shared;

namespace Backprop.Generated.Generator.Model;

/// <summary>A network's <c>Weights = "..."</c>: the AdditionalFiles item to bake in, and where to report problems with it.</summary>
/// <param name="FileName">The attribute's value as written: a file name or a path suffix.</param>
/// <param name="Location">The attribute, where every weights diagnostic points.</param>
internal sealed record WeightsRequest(string FileName, LocationInfo? Location);

/// <summary>
/// One AdditionalFiles item that some network names in <c>Weights</c>, read and checked once per edit of
/// the file: either <see cref="Model"/> or <see cref="Problem"/> is set.
/// </summary>
/// <param name="Path">The item's path, as the compiler gives it.</param>
/// <param name="Model">The model it holds, when it is a valid model file.</param>
/// <param name="Problem">Why it cannot be baked in, when it is not.</param>
internal sealed record WeightsFile(string Path, WeightsModel? Model, WeightsProblem? Problem);

/// <summary>A valid model file (format version 1 or 2), reduced to what binding and emission need.</summary>
/// <param name="Input">The shape of the input.</param>
/// <param name="Layers">The layers, as the shared model-file reader describes them.</param>
/// <param name="Cost">The cost function the model was trained for.</param>
/// <param name="Parameters">The parameters as stored: float32 little-endian, in the <c>Parameters</c> layout.</param>
/// <param name="Checksum">The file's CRC-32, quoted in the generated code so that a reader can tell which file it holds.</param>
internal sealed record WeightsModel(
    TensorShape Input,
    EquatableArray<LayerInfo> Layers,
    CostKind Cost,
    EquatableArray<byte> Parameters,
    uint Checksum);

/// <summary>Why a weights file cannot be baked in: the diagnostic to report and its arguments after the network and file names.</summary>
internal sealed record WeightsProblem(string DiagnosticId, EquatableArray<string> Arguments);

/// <summary>The weights a network bakes in, as the emitter needs them.</summary>
/// <param name="FileName">The attribute's <c>Weights</c> value, quoted in the generated documentation.</param>
/// <param name="Parameters">float32 little-endian bytes, exactly 4 · ParameterCount of them.</param>
/// <param name="Checksum">The model file's CRC-32.</param>
internal sealed record BakedWeights(string FileName, EquatableArray<byte> Parameters, uint Checksum);
