using Backprop;

namespace Backprop.Generated.Tests.FileScoped;

/// <summary>A network declared under a file-scoped namespace.</summary>
[Network(16, 24, 3)]
public partial class FileScopedNet { }
