using Backprop.Generated.Generator.Helpers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Backprop.Generated.Generator.Model;

/// <summary>
/// The outcome of parsing one attributed class: a spec to emit, diagnostics, or both; and the weights
/// file it asks to bake in, which binding (see <c>NetworkGenerator.Weights</c>) resolves into the spec.
/// </summary>
internal sealed record ParseResult(NetworkSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics, WeightsRequest? Weights = null);

/// <summary>A diagnostic to report, as equatable values (no <see cref="Location"/> or symbols).</summary>
internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments);

/// <summary>An equatable stand-in for a source <see cref="Location"/>.</summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);

    public static LocationInfo? From(Location? location)
    {
        if (location is null || location.SourceTree is null)
        {
            return null;
        }
        return new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);
    }
}
