using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Xml.Linq;
using Xunit;

namespace Backprop.Generated.Package.Tests;

/// <summary>
/// What is inside the packed packages, read as a package server would: the nuspec's metadata and dependencies, the
/// files and where they sit, and the symbols packages against the assemblies they describe.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class PackageContentTests(PackageFeed feed)
{
    private static readonly string[] Frameworks = ["net8.0", "net10.0"];

    /// <summary>Every package the repository ships.</summary>
    public static TheoryData<string> Packages => new(PackageFeed.PackageIds);

    [Theory]
    [MemberData(nameof(Packages))]
    public void Every_package_has_MIT_license_readme_description_and_the_commit_and_no_icon(string id)
    {
        using ZipArchive package = Open(id, "nupkg");
        XElement metadata = Metadata(package, id);
        Assert.Equal(id, Value(metadata, "id"));
        Assert.Equal(feed.Version, Value(metadata, "version"));
        XElement license = Element(metadata, "license");
        Assert.Equal(("expression", "MIT"), ((string?)license.Attribute("type"), license.Value));
        Assert.Equal("README.md", Value(metadata, "readme"));
        // The core's page is the repository's README; the others have a page of their own, from their project folder.
        string readme = new StreamReader(Read(package, "README.md")).ReadToEnd();
        string source = id == "Backprop.Generated" ? "README.md" : $"src/{id}/README.md";
        Assert.Equal(File.ReadAllText(feed.Repository(source)), readme);
        Assert.StartsWith($"# {id}\n", readme, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(Value(metadata, "description")), "no description");
        Assert.Null(metadata.Elements().FirstOrDefault(e => e.Name.LocalName is "icon" or "iconUrl"));
        // The repository the package was built from, down to the commit (SourceLink adds the URL when the clone has a
        // hosted remote).
        XElement repository = Element(metadata, "repository");
        Assert.Equal("git", (string?)repository.Attribute("type"));
        Assert.Matches("^[0-9a-f]{40}$", (string?)repository.Attribute("commit") ?? "");
    }

    [Fact]
    public void The_core_package_holds_both_runtimes_and_the_generator_and_depends_on_System_IO_Hashing_only()
    {
        using ZipArchive package = Open("Backprop.Generated", "nupkg");
        Assert.Equal(
            [
                "analyzers/dotnet/cs/Backprop.Generated.Generator.dll",
                "lib/net10.0/Backprop.Generated.dll", "lib/net10.0/Backprop.Generated.xml",
                "lib/net8.0/Backprop.Generated.dll", "lib/net8.0/Backprop.Generated.xml",
            ],
            LibAndAnalyzerFiles(package));
        // The generator is a netstandard2.0 assembly, as a Roslyn analyzer must be.
        using (var generator = new PEReader(Read(package, "analyzers/dotnet/cs/Backprop.Generated.Generator.dll")))
        {
            MetadataReader reader = generator.GetMetadataReader();
            Assert.Contains(reader.AssemblyReferences, r => reader.GetString(reader.GetAssemblyReference(r).Name) == "netstandard");
        }
        Assert.Equal(Frameworks.ToDictionary(f => f, _ => new[] { "System.IO.Hashing" }), Dependencies(Metadata(package, "Backprop.Generated")));
    }

    [Theory]
    [InlineData("Backprop.Generated.Tabular", "Sep")]
    [InlineData("Backprop.Generated.Onnx", "Google.Protobuf", "OnnxSharp")]
    public void The_libraries_depend_on_this_version_of_the_core_and_their_own_libraries(string id, params string[] own)
    {
        using ZipArchive package = Open(id, "nupkg");
        XElement metadata = Metadata(package, id);
        string[] expected = [.. own.Append("Backprop.Generated").Order(StringComparer.Ordinal)];
        Assert.Equal(Frameworks.ToDictionary(f => f, _ => expected), Dependencies(metadata));
        Assert.All(metadata.Descendants().Where(e => e.Name.LocalName == "dependency" && (string?)e.Attribute("id") == "Backprop.Generated"),
            core => Assert.Equal(feed.Version, (string?)core.Attribute("version")));
        Assert.Equal(Frameworks.SelectMany(f => new[] { $"lib/{f}/{id}.dll", $"lib/{f}/{id}.xml" }).Order(StringComparer.Ordinal),
            LibAndAnalyzerFiles(package));
    }

    [Fact]
    public void The_tool_package_is_a_dotnet_tool_named_backprop_for_both_runtimes()
    {
        using ZipArchive package = Open("Backprop.Generated.Tool", "nupkg");
        XElement metadata = Metadata(package, "Backprop.Generated.Tool");
        Assert.Equal("DotnetTool", (string?)metadata.Descendants().Single(e => e.Name.LocalName == "packageType").Attribute("name"));
        foreach (string framework in Frameworks)
        {
            XDocument settings = XDocument.Load(Read(package, $"tools/{framework}/any/DotnetToolSettings.xml"));
            XElement command = settings.Descendants().Single(e => e.Name.LocalName == "Command");
            Assert.Equal(("backprop", "backprop.dll"), ((string?)command.Attribute("Name"), (string?)command.Attribute("EntryPoint")));
        }
    }

    /// <summary>
    /// Deterministic builds, and symbols a debugger finds: every assembly the packages ship carries a Reproducible debug
    /// entry, and the symbols package has, at the same path, the portable PDB whose id its CodeView entry names.
    /// </summary>
    [Theory]
    [MemberData(nameof(Packages))]
    public void Every_assembly_is_deterministic_and_its_symbols_package_has_the_matching_pdb(string id)
    {
        using ZipArchive package = Open(id, "nupkg");
        using ZipArchive symbols = Open(id, "snupkg");
        string[] assemblies = Files(package)
            .Where(f => f.EndsWith(".dll", StringComparison.Ordinal) && !f.StartsWith("analyzers/", StringComparison.Ordinal))
            .Where(f => Path.GetFileName(f).StartsWith("Backprop.Generated", StringComparison.Ordinal) || Path.GetFileName(f) == "backprop.dll")
            .ToArray();
        Assert.NotEmpty(assemblies);
        foreach (string assembly in assemblies)
        {
            using var pe = new PEReader(Read(package, assembly));
            IReadOnlyList<DebugDirectoryEntry> debug = pe.ReadDebugDirectory();
            Assert.True(debug.Any(e => e.Type == DebugDirectoryEntryType.Reproducible), $"{id}: {assembly} was not built deterministically");
            DebugDirectoryEntry codeView = debug.Single(e => e.Type == DebugDirectoryEntryType.CodeView);
            CodeViewDebugDirectoryData data = pe.ReadCodeViewDebugDirectoryData(codeView);

            string pdb = Path.ChangeExtension(assembly, ".pdb");
            Assert.True(symbols.GetEntry(pdb) is not null, $"{id}.snupkg has no {pdb}");
            using MetadataReaderProvider provider = MetadataReaderProvider.FromPortablePdbStream(Read(symbols, pdb));
            byte[] pdbId = [.. provider.GetMetadataReader().DebugMetadataHeader!.Id];
            Assert.True(new Guid(pdbId.AsSpan(0, 16)) == data.Guid, $"{id}.snupkg: {pdb} is not the PDB of {assembly}");
        }
    }

    private ZipArchive Open(string id, string extension)
    {
        string path = Path.Combine(feed.Feed, $"{id}.{feed.Version}.{extension}");
        Assert.True(File.Exists(path), $"the feed has no {Path.GetFileName(path)}");
        return ZipFile.OpenRead(path);
    }

    private static XElement Metadata(ZipArchive package, string id)
        => XDocument.Load(Read(package, id + ".nuspec")).Root!.Elements().Single(e => e.Name.LocalName == "metadata");

    private static XElement Element(XElement parent, string name)
        => parent.Elements().SingleOrDefault(e => e.Name.LocalName == name) ?? throw new Xunit.Sdk.XunitException($"the nuspec has no <{name}>");

    private static string Value(XElement parent, string name) => Element(parent, name).Value;

    /// <summary>The dependency ids (sorted) of each target-framework group.</summary>
    private static Dictionary<string, string[]> Dependencies(XElement metadata)
        => metadata.Descendants()
            .Where(e => e.Name.LocalName == "group")
            .ToDictionary(
                group => (string)group.Attribute("targetFramework")!,
                group => group.Elements().Select(d => (string)d.Attribute("id")!).Order(StringComparer.Ordinal).ToArray());

    /// <summary>What a consumer compiles against or loads as an analyzer: the files under lib/ and analyzers/.</summary>
    private static IEnumerable<string> LibAndAnalyzerFiles(ZipArchive package)
        => Files(package).Where(f => f.StartsWith("lib/", StringComparison.Ordinal) || f.StartsWith("analyzers/", StringComparison.Ordinal));

    private static string[] Files(ZipArchive package)
        => [.. package.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal)];

    /// <summary>An entry's bytes as a seekable stream (PEReader and the PDB reader need one).</summary>
    private static MemoryStream Read(ZipArchive package, string path)
    {
        ZipArchiveEntry entry = package.GetEntry(path) ?? throw new Xunit.Sdk.XunitException($"the package has no {path}");
        var copy = new MemoryStream();
        using (Stream stream = entry.Open())
        {
            stream.CopyTo(copy);
        }
        copy.Position = 0;
        return copy;
    }
}
